"""Where the harness runs: paths, workload sizes, the fixed process environment, the pinned
Codex binary, the machine description, and the loopback server farm (benchmarks/servers.py)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import workloads

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
MCPDECK = ROOT / ".venv" / "bin" / "mcpdeck"
CODEX_SHIM = ROOT / ".cache" / "peers" / "node_modules" / ".bin" / "codex"
CODEX_NATIVE = (
    ROOT
    / ".cache/peers/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"
)
CODEX_PIN = "0.171.0"  # scripts/peers.py installs this version; the report refuses another
SIZES = (10, 100, 1000)
SLOW_DELAY = 0.2
# The TUI's servers answer 0.2 s to 1.2 s per response, so that results keep arriving through
# every key press (20 presses at ~7 keys/s take about 3 s).
TUI_DELAYS = "0.2-1.2"
TUI_SIZES = (100, 1000)
DOCTOR_COUNT = 20
DOCTOR_DELAYS = "0.05-0.5"  # per-request delay, spread over the doctor servers


def base_env(workload: workloads.Workload) -> dict[str, str]:
    """A small, fixed environment: no proxies, no D-Bus session (no keyring), no user config."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(workload.home),
        "CODEX_HOME": str(workload.codex_home),
        "TERM": "dumb",
        "NO_COLOR": "1",
        "SENTRY_TOKEN": "bench-not-a-secret",
    }
    return env


def codex_binary(native: bool = True) -> Path | None:
    if not CODEX_SHIM.exists():
        print("[bench] Codex CLI missing: running scripts/peers.py install", flush=True)
        subprocess.call([sys.executable, str(ROOT / "scripts" / "peers.py"), "install"])
    if native and CODEX_NATIVE.exists():
        return CODEX_NATIVE
    return CODEX_SHIM if CODEX_SHIM.exists() else None


def version_of(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({type(exc).__name__})"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"') + f" (kernel {platform.release()})"
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram": mem, "os": os_name}


class Farm:
    """benchmarks/servers.py in a subprocess: the slow OAuth servers and the login server."""

    def __init__(self, workdir: Path) -> None:
        self.ports_file = workdir / "ports.json"
        self.log = (workdir / "farm.log").open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(BENCH / "servers.py"),
                "--group",
                f"slow:{max(SIZES)}:{SLOW_DELAY}",
                "--group",
                "login:1:0",
                "--group",
                f"doctor:{DOCTOR_COUNT}:{DOCTOR_DELAYS}:open",
                *(a for n in TUI_SIZES for a in ("--group", f"tui{n}:{n}:{TUI_DELAYS}")),
                "--ports-file",
                str(self.ports_file),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while not self.ports_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"[bench] the loopback servers did not start; see {workdir}")
            time.sleep(0.05)
        self.ports: dict[str, list[int]] = json.loads(self.ports_file.read_text())

    def stats(self) -> dict[str, int]:
        port = self.ports["login"][0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats", timeout=5) as resp:
            data: dict[str, int] = json.load(resp)
        return data

    def reset(self) -> None:
        port = self.ports["login"][0]
        req = urllib.request.Request(f"http://127.0.0.1:{port}/_reset", method="POST")
        urllib.request.urlopen(req, timeout=5).close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def wait_for_quiet(limit: float) -> None:
    """Other work on the machine inflates every figure; give it a chance to finish first."""
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= cores and time.monotonic() < deadline:
        print(
            f"[bench] load average {os.getloadavg()[0]:.1f} on {cores} cores: waiting", flush=True
        )
        time.sleep(min(15.0, max(0.0, deadline - time.monotonic())))
