#!/usr/bin/env python3
"""mcpdeck side by side with Codex CLI, in one run; writes benchmarks/results.md.

    python3 benchmarks/run.py                 the full run (a few minutes)
    python3 benchmarks/run.py --runs 2 --out /tmp/r.md   a quick look

Sets up .venv (through scripts/dev.py) and Codex CLI (through scripts/peers.py) when missing,
then re-executes itself in the venv. See benchmarks/README.md for what each row measures.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"


def _ensure_venv() -> None:
    """Re-exec in the project's venv (creating it first when needed); stdlib only until then."""
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return
    import subprocess

    if not VENV_PY.exists():
        code = subprocess.call(
            [sys.executable, str(ROOT / "scripts" / "dev.py"), "run", "--version"]
        )
        if code != 0:
            sys.exit("[bench] could not set up .venv (scripts/dev.py failed)")
    os.execv(str(VENV_PY), [str(VENV_PY), str(Path(__file__).resolve()), *sys.argv[1:]])


if __name__ == "__main__":
    _ensure_venv()

# ruff: noqa: E402 — everything below runs inside the venv
import argparse
import contextlib
import json
import platform
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads

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


# -- running one command --------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    maxrss_kb: int
    code: int
    ok: bool
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    cpu_s: float = 0.0  # user + system CPU time of the process (wait4)


@dataclass
class Invocation:
    cmd: list[str]
    env: dict[str, str]
    cwd: Path
    timeout: float = 60.0


Validator = Callable[[int, str, str], tuple[bool, str, dict[str, Any]]]


def run_once(inv: Invocation, validate: Validator) -> Sample:
    """Run one process; wall time from spawn to exit, peak RSS from wait4 (this child only)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        env = dict(inv.env)
        env["BENCH_SPAWN_NS"] = str(time.monotonic_ns())
        start = time.perf_counter()
        proc = subprocess.Popen(
            inv.cmd,
            env=env,
            cwd=inv.cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        killer = threading.Timer(inv.timeout, _kill_group, args=(proc.pid,))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if code < 0:
        return Sample(seconds, usage.ru_maxrss, code, False, f"killed after {inv.timeout:.0f} s")
    ok, note, extra = validate(code, stdout, stderr)
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds, usage.ru_maxrss, code, ok, note, extra, cpu)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    # a traceback's last line says what went wrong
    if lines and lines[0].startswith("Traceback"):
        return lines[-1][:200]
    return lines[0][:200] if lines else ""


def expect_json_list(count: int, status_key: str = "auth_status") -> Validator:
    def check(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
        try:
            rows = json.loads(stdout)
        except ValueError:
            return False, f"exit {code}: {_first_line(stderr) or 'no JSON on stdout'}", {}
        if not isinstance(rows, list) or len(rows) != count:
            n = len(rows) if isinstance(rows, list) else "not a list"
            return False, f"expected {count} servers, got {n}", {}
        statuses = Counter(str(r.get(status_key)) for r in rows)
        return True, "", {"statuses": dict(statuses)}

    return check


def expect_exit_zero(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
    if code == 0:
        return True, "", {}
    return False, f"exit {code}: {_first_line(stderr) or _first_line(stdout)}", {}


def expect_tui_json(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
    if code != 0:
        return False, f"exit {code}: {_first_line(stderr) or _first_line(stdout)}", {}
    try:
        return True, "", json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return False, "no result from tui_probe", {}


# -- series and comparisons -------------------------------------------------------------------


@dataclass
class Case:
    """One tool doing one thing; ``prepare(i)`` gives the i-th invocation (fresh state if needed)."""

    label: str
    tool: str  # "mcpdeck" or "codex"
    prepare: Callable[[int], Invocation]
    validate: Validator
    after: Callable[[int, Sample], None] | None = None
    samples: list[Sample] = field(default_factory=list)
    unavailable: str | None = None
    failures: list[str] = field(default_factory=list)

    def times(self) -> list[float]:
        return [s.seconds for s in self.samples]

    def median(self) -> float | None:
        return statistics.median(self.times()) if self.samples else None

    def cpu_median(self) -> float | None:
        return statistics.median(s.cpu_s for s in self.samples) if self.samples else None

    def peak_mb(self) -> float | None:
        return max(s.maxrss_kb for s in self.samples) / 1024 if self.samples else None


def compare(title: str, cases: list[Case], runs: int, warmup: int) -> None:
    """Warm-up rounds (also the availability check), then ``runs`` rounds alternating the tools.

    Each round runs every case once; odd rounds run them in reverse order so neither tool
    always goes first.
    """
    print(f"[bench] {title}", flush=True)
    index = 0
    for case in cases:
        sample = run_once(case.prepare(index), case.validate)
        index += 1
        if case.after:
            case.after(index, sample)
        if not sample.ok:
            case.unavailable = sample.note or "failed"
            print(f"[bench]   {case.label}: not available ({case.unavailable})", flush=True)
    live = [c for c in cases if c.unavailable is None]
    for _ in range(warmup - 1):
        for case in live:
            run_once(case.prepare(index), case.validate)
            index += 1
    for r in range(runs):
        for case in live if r % 2 == 0 else list(reversed(live)):
            sample = run_once(case.prepare(index), case.validate)
            index += 1
            if case.after:
                case.after(index, sample)
            if sample.ok:
                case.samples.append(sample)
            else:
                case.failures.append(sample.note)
    for case in live:
        med = case.median()
        shown = f"{med * 1000:.0f} ms" if med is not None else "no successful run"
        print(f"[bench]   {case.label}: median {shown} ({len(case.samples)} runs)", flush=True)


# -- environment ------------------------------------------------------------------------------


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


# -- the benchmarks ---------------------------------------------------------------------------


@dataclass
class Row:
    group: str
    workload: str
    cases: list[Case]
    notes: list[str] = field(default_factory=list)


def list_rows(work: Path, codex: Path, runs: int, warmup: int) -> list[Row]:
    """Start-up bound rows: the mixed config (probing) and a config neither tool probes."""
    rows = []
    refused = workloads.refused_port()
    for n in SIZES:
        mixed = workloads.make(
            work / f"list-{n}",
            workloads.mixed_config(n, oauth_url=f"http://127.0.0.1:{refused}/mcp"),
            n,
        )
        quiet = workloads.make(
            work / f"noprobe-{n}",
            workloads.no_probe_config(n, url=f"http://127.0.0.1:{refused}/mcp"),
            n,
        )

        def inv(cmd: list[str], wl: workloads.Workload) -> Callable[[int], Invocation]:
            env = base_env(wl)
            return lambda i: Invocation(cmd, env, wl.root)

        probing = [
            Case(
                "mcpdeck list --json",
                "mcpdeck",
                inv([str(MCPDECK), "list", "--json"], mixed),
                expect_json_list(n),
            ),
            Case(
                "codex mcp list --json",
                "codex",
                inv([str(codex), "mcp", "list", "--json"], mixed),
                expect_json_list(n),
            ),
        ]
        compare(f"list --json probing, {n} servers (HTTP ones unreachable)", probing, runs, warmup)
        rows.append(Row("list", f"{n} servers", probing))
        offline = [
            Case(
                "mcpdeck list --json --offline",
                "mcpdeck",
                inv([str(MCPDECK), "list", "--json", "--offline"], quiet),
                expect_json_list(n),
            ),
            Case(
                "codex mcp list --json",
                "codex",
                inv([str(codex), "mcp", "list", "--json"], quiet),
                expect_json_list(n),
            ),
        ]
        compare(f"list --json, {n} servers neither tool probes", offline, runs, warmup)
        rows.append(Row("offline", f"{n} servers", offline))
    return rows


def expect_slow_statuses(count: int) -> Validator:
    """Every server resolved: OAuth found (mcpdeck) or answered (Codex); none timed out."""
    base = expect_json_list(count)

    def check(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
        ok, note, extra = base(code, stdout, stderr)
        if ok:
            rows = json.loads(stdout)
            extra["unresolved"] = sum(
                1
                for r in rows
                if r.get("auth_status") not in ("oauth_available", "not_logged_in")
                or "timed out" in str((r.get("auth") or {}).get("detail", ""))
            )
        return ok, note, extra

    return check


def status_rows(work: Path, farm: Farm, codex: Path, runs: int, warmup: int) -> list[Row]:
    rows = []
    for n in SIZES:
        ports = farm.ports["slow"][:n]
        wl = workloads.make(work / f"status-{n}", workloads.oauth_servers_config(ports), n)
        env = base_env(wl)
        cases = [
            Case(
                "mcpdeck list --json",
                "mcpdeck",
                lambda i, env=env, wl=wl: Invocation(
                    [str(MCPDECK), "list", "--json"], env, wl.root
                ),
                expect_slow_statuses(n),
            ),
            Case(
                "codex mcp list --json",
                "codex",
                lambda i, env=env, wl=wl: Invocation(
                    [str(codex), "mcp", "list", "--json"], env, wl.root
                ),
                expect_slow_statuses(n),
            ),
        ]
        # what each tool asks every server for (one run each, outside the timed runs)
        requests: dict[str, dict[str, int]] = {}
        if n == 100:
            for case in cases:
                farm.reset()
                sample = run_once(case.prepare(0), case.validate)
                if sample.ok:
                    requests[case.tool] = farm.stats()
        delay = f"{SLOW_DELAY * 1000:.0f} ms"
        compare(f"auth status of {n} servers answering after {delay}", cases, runs, warmup)
        row = Row("status", f"{n} OAuth servers, {delay} each", cases)
        for case in cases:
            unresolved = [s.extra.get("unresolved", 0) for s in case.samples]
            if unresolved:
                row.notes.append(
                    f"{case.label}: servers not resolved per run (timeouts, errors): "
                    f"max {max(unresolved)} of {n}"
                )
        for tool, counts in requests.items():
            per_server = {k: v / len(ports) for k, v in sorted(counts.items())}
            shown = ", ".join(f"{k} ×{v:g}" for k, v in per_server.items())
            row.notes.append(f"{tool} requests per server: {shown}")
        rows.append(row)
    return rows


class BrowserStandIn:
    """The login's browser: ``BROWSER`` names a two-line shell script that writes the URL to a
    FIFO and returns; a thread of this (already running) process follows the redirects into the
    tool's callback. No second interpreter starts on either side."""

    def __init__(self, work: Path) -> None:
        self.fifo = work / "browser.fifo"
        os.mkfifo(self.fifo)
        self.script = work / "browser.sh"
        self.script.write_text('#!/bin/sh\nprintf \'%s\\n\' "$1" > "$BENCH_BROWSER_FIFO"\n')
        self.script.chmod(0o755)
        self.visits: list[str] = []
        self._stop = False
        # no proxies: the callback is on loopback
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            with open(self.fifo, encoding="utf-8") as fh:  # blocks until a tool writes
                for line in fh:
                    url = line.strip()
                    if url:
                        threading.Thread(target=self._follow, args=(url,), daemon=True).start()

    def _follow(self, url: str) -> None:
        try:
            with self._opener.open(url, timeout=30) as response:
                response.read()
                self.visits.append(f"{response.status}")
        except Exception as exc:
            self.visits.append(f"error {type(exc).__name__}")

    def stop(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError), open(self.fifo, "w") as fh:  # wake the reader
            fh.write("\n")


def login_row(work: Path, farm: Farm, codex: Path, runs: int, warmup: int) -> Row:
    port = farm.ports["login"][0]
    text = workloads.login_config(port)
    browser = BrowserStandIn(work)

    def fresh(
        tool: str, cmd_for: Callable[[workloads.Workload], list[str]]
    ) -> Callable[[int], Invocation]:
        def prepare(i: int) -> Invocation:
            wl = workloads.make(work / f"login-{tool}-{i}", text, 1)
            env = base_env(wl)
            env["BROWSER"] = str(browser.script)
            env["BENCH_BROWSER_FIFO"] = str(browser.fifo)
            return Invocation(cmd_for(wl), env, wl.root, timeout=60)

        return prepare

    cases = [
        Case(
            "mcpdeck login bench-login",
            "mcpdeck",
            fresh("mcpdeck", lambda wl: [str(MCPDECK), "login", "bench-login"]),
            expect_exit_zero,
        ),
        Case(
            "codex mcp login bench-login",
            "codex",
            fresh("codex", lambda wl: [str(codex), "mcp", "login", "bench-login"]),
            expect_exit_zero,
        ),
    ]
    try:
        compare("login round trip (auto-approving authorization server)", cases, runs, warmup)
    finally:
        browser.stop()
    row = Row("login", "1 server, local AS (auto-approve), DCR + PKCE + token", cases)
    for tool in ("mcpdeck", "codex"):
        dirs = sorted(work.glob(f"login-{tool}-*/codex_home"))
        with_files = [
            d for d in dirs if any(p.is_file() and p.name != "config.toml" for p in d.rglob("*"))
        ]
        row.notes.append(
            f"{tool}: credentials written in {len(with_files)}/{len(dirs)} fresh CODEX_HOMEs"
        )
    return row


def expect_doctor(count: int) -> Validator:
    def check(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
        if code not in (0, 1):
            return False, f"exit {code}: {_first_line(stderr) or _first_line(stdout)}", {}
        try:
            report = json.loads(stdout)
        except ValueError:
            return False, f"exit {code}: {_first_line(stderr) or 'no JSON on stdout'}", {}
        servers = report.get("servers") if isinstance(report, dict) else report
        if not isinstance(servers, list | dict) or len(servers) != count:
            return False, f"expected {count} servers in the report", {}
        return True, "", {}

    return check


def doctor_row(work: Path, farm: Farm, runs: int, warmup: int) -> Row:
    ports = farm.ports["doctor"]
    text = (
        workloads.HEADER
        + "\n"
        + "\n".join(
            f'[mcp_servers.doc-{n:02d}]\nurl = "http://127.0.0.1:{port}/mcp"\n'
            for n, port in enumerate(ports)
        )
    )
    wl = workloads.make(work / "doctor-20", text, len(ports))
    env = base_env(wl)
    slowest = f"doc-{len(ports) - 1:02d}"
    cases = [
        Case(
            f"mcpdeck doctor {slowest} --json (the slowest server alone)",
            "mcpdeck",
            lambda i: Invocation([str(MCPDECK), "doctor", slowest, "--json"], env, wl.root),
            expect_doctor(1),
        ),
        Case(
            f"mcpdeck doctor --json (all {len(ports)})",
            "mcpdeck",
            lambda i: Invocation([str(MCPDECK), "doctor", "--json"], env, wl.root),
            expect_doctor(len(ports)),
        ),
    ]
    compare(f"doctor over {len(ports)} HTTP servers (concurrency)", cases, runs, warmup)
    return Row("doctor", f"{len(ports)} MCP servers, {DOCTOR_DELAYS} s per response", cases)


def tui_rows(work: Path, farm: Farm, runs: int, warmup: int, presses: int) -> list[Row]:
    rows = []
    for n in TUI_SIZES:
        ports = farm.ports[f"tui{n}"]
        wl = workloads.make(work / f"tui-{n}", workloads.oauth_servers_config(ports), n)
        env = base_env(wl)
        env["TERM"] = "xterm-256color"
        cmd = [
            sys.executable,
            str(BENCH / "tui_probe.py"),
            str(wl.codex_home),
            str(wl.root),
            str(n),
            str(presses),
        ]
        case = Case(
            "mcpdeck TUI (run_test, headless)",
            "mcpdeck",
            lambda i, cmd=cmd, env=env, wl=wl: Invocation(cmd, env, wl.root, timeout=90),
            expect_tui_json,
        )
        compare(f"TUI with {n} servers: paint, keys during probes, quit", [case], runs, warmup)
        rows.append(Row("tui", f"{n} OAuth servers, {TUI_DELAYS} s per response", [case]))
    return rows


# -- start-up profile -------------------------------------------------------------------------


def import_profile(work: Path) -> list[tuple[str, float]] | str:
    """``python -X importtime`` of the probing ``mcpdeck list --json`` (10 servers, HTTP ones
    unreachable): top-level imports by cumulative cost."""
    wl = workloads.Workload(work / "list-10", 10)
    if not wl.config.exists():
        return "no workload"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", ENTRY, "list", "--json"],
        env=base_env(wl),
        cwd=wl.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0 and not done.stdout.startswith("["):
        return f"exit {done.returncode}: {_first_line(done.stderr)}"
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        try:
            cumulative = int(parts[1])
        except ValueError:
            continue
        name = parts[2]
        depth = (len(name) - len(name.lstrip())) // 2
        if depth == 0:  # top-level import statements only (nested ones are inside these)
            key = name.strip()
            totals[key] = totals.get(key, 0.0) + cumulative / 1e6
    return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:12]


# What the `mcpdeck` console script runs (so the import profile sees the same process).
ENTRY = "import sys; sys.argv[0] = 'mcpdeck'; from mcpdeck.cli import entry; entry()"


def floors(runs: int) -> list[tuple[str, float]]:
    """What a Python CLI pays before its own code: the interpreter, its parsers, asyncio."""
    out = []
    for label, args in (
        ("`python -I -c pass`", ["-I", "-c", "pass"]),
        (
            '`python -I -c "import tomllib, json, argparse"` (the floor named in issue 16)',
            ["-I", "-c", "import tomllib, json, argparse"],
        ),
        ("`python -I -c 'import asyncio'`", ["-I", "-c", "import asyncio"]),
        ("`python -I -c 'import asyncio, httpx2'`", ["-I", "-c", "import asyncio, httpx2"]),
    ):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, *args], check=False)
            times.append(time.perf_counter() - start)
        out.append((label, statistics.median(times)))
    return out


HEAVY = (
    "textual",
    "mcp",
    "authlib",
    "rich",
    "httpx",
    "httpx2",
    "asyncio",
    "tomlkit",
    "cryptography",
    "keyring",
    "trio",
)


def loaded_modules(work: Path, workload: str, args: list[str]) -> str:
    """Which heavy packages a command loads (checked in a fresh process)."""
    wl = workloads.Workload(work / workload, 0)
    code = (
        "import sys, io, contextlib\n"
        "sys.modules.setdefault('trio', None)\n"
        "from mcpdeck.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({args!r})\n"
        f"print(','.join(m for m in {HEAVY!r} if sys.modules.get(m) is not None))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=base_env(wl), cwd=wl.root, capture_output=True, text=True
    )
    if done.returncode != 0:
        return f"could not check ({_first_line(done.stderr)})"
    return done.stdout.strip() or "none of them"


# -- the report -------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def spread(case: Case) -> str:
    if case.unavailable:
        return f"not available yet ({case.unavailable})"
    if not case.samples:
        return "no successful run: " + "; ".join(sorted(set(case.failures)))[:200]
    t = case.times()
    out = f"**{fmt_s(statistics.median(t))}** ({fmt_s(min(t))} – {fmt_s(max(t))}, n={len(t)})"
    if case.failures:
        out += f", {len(case.failures)} failed run(s): {case.failures[0][:120]}"
    return out


def ratio(a: Case, b: Case) -> str:
    ma, mb = a.median(), b.median()
    if ma is None or mb is None or mb == 0:
        return "—"
    return f"{ma / mb:.2f}×"


def _find(rows: list[Row], group: str, workload: str | None, tool: str) -> Case | None:
    for row in rows:
        if row.group == group and (workload is None or row.workload.startswith(workload)):
            for c in row.cases:
                if c.tool == tool:
                    return c
    return None


def _median(case: Case | None) -> float | None:
    return case.median() if case is not None else None


def _ratio_goal(
    label: str, mine: Case | None, peer: Case | None, limit: float
) -> tuple[str, str, str]:
    a, b = _median(mine), _median(peer)
    if a is None or b is None:
        return label, "not measured in this run", "—"
    r = a / b
    return label, f"{fmt_s(a)} vs {fmt_s(b)}: **{r:.2f}×**", "MET" if r <= limit else "NOT MET"


def _tui_extra(rows: list[Row], n: int) -> list[dict[str, Any]]:
    case = _find(rows, "tui", f"{n} ", "mcpdeck")
    return [s.extra | {"seconds": s.seconds} for s in case.samples] if case else []


def _quit_times(samples: list[dict[str, Any]]) -> list[float]:
    """Quit → process gone: from the quit to the end of the process (its wall time)."""
    return [s["seconds"] - s["keys_done_s"] for s in samples if "keys_done_s" in s]


def goal_lines(rows: list[Row]) -> list[tuple[str, str, str]]:
    """Issue 16's goals, each with its figure and verdict (medians of this run)."""
    goals = [
        _ratio_goal(
            "Auth status of 100 OAuth servers answering in 200 ms ≤ 0.8× Codex",
            _find(rows, "status", "100 ", "mcpdeck"),
            _find(rows, "status", "100 ", "codex"),
            0.8,
        ),
        _ratio_goal(
            "`list --json` probing, 10 servers, HTTP ones unreachable ≤ 2.5× Codex",
            _find(rows, "list", "10 ", "mcpdeck"),
            _find(rows, "list", "10 ", "codex"),
            2.5,
        ),
        _ratio_goal(
            "`list --json --offline`, 100 servers, vs Codex on a config where it probes nothing ≤ 2.0×",
            _find(rows, "offline", "100 ", "mcpdeck"),
            _find(rows, "offline", "100 ", "codex"),
            2.0,
        ),
        _ratio_goal(
            "Login round trip ≤ 2.0× Codex",
            _find(rows, "login", None, "mcpdeck"),
            _find(rows, "login", None, "codex"),
            2.0,
        ),
    ]
    big = _find(rows, "status", "1000 ", "mcpdeck")
    if big is not None and big.samples:
        unresolved = max(s.extra.get("unresolved", 0) for s in big.samples)
        med = big.median()
        ok = med is not None and med <= 3.0 and unresolved == 0
        goals.append(
            (
                "Status of 1000 servers answering in 200 ms ≤ 3 s, every one resolved",
                f"{fmt_s(med)} (worst {fmt_s(max(big.times()))}); unresolved in the worst run: {unresolved}",
                "MET" if ok else "NOT MET",
            )
        )
    else:
        goals.append(
            ("Status of 1000 servers ≤ 3 s, all resolved", "not measured in this run", "—")
        )
    tui = _tui_extra(rows, 1000)
    if tui:
        paint = statistics.median(s["first_paint_s"] for s in tui)
        keys = [k for s in tui for k in s.get("key_ms", [])]
        p95 = _pct(keys, 95) if keys else float("inf")
        goals.append(
            (
                "TUI first paint with 1000 servers ≤ 1 s",
                f"{fmt_s(paint)} (worst {fmt_s(max(s['first_paint_s'] for s in tui))})",
                "MET" if paint <= 1.0 else "NOT MET",
            )
        )
        goals.append(
            (
                "TUI key → render p95 ≤ 30 ms while 1000 probes run",
                f"p95 {p95:.1f} ms, median {statistics.median(keys):.1f} ms, worst {max(keys):.1f} ms (n={len(keys)})"
                if keys
                else "no key measured",
                "MET" if p95 <= 30 else "NOT MET",
            )
        )
        quits = _quit_times(tui)
        pending = [s.get("pending_at_quit", -1) for s in tui]
        goals.append(
            (
                "Quit while probes are in flight ≤ 200 ms (quit → process gone)",
                f"{fmt_s(statistics.median(quits))} (worst {fmt_s(max(quits))}); servers still "
                f"probing at quit: {min(pending)}–{max(pending)} of 1000",
                "MET" if statistics.median(quits) <= 0.2 else "NOT MET",
            )
        )
    else:
        goals.append(("TUI with 1000 servers (paint, keys, quit)", "not measured in this run", "—"))
    peaks = [
        (label, c.peak_mb())
        for label, c in (
            ("status of 1000", big),
            ("TUI with 1000", _find(rows, "tui", "1000 ", "mcpdeck")),
        )
        if c is not None and c.peak_mb() is not None
    ]
    if peaks:
        worst = max(mb for _, mb in peaks if mb is not None)
        goals.append(
            (
                "Peak RSS ≤ 150 MB at 1000 servers",
                ", ".join(f"{label}: {mb:.0f} MB" for label, mb in peaks),
                "MET" if worst <= 150 else "NOT MET",
            )
        )
    alone = _find(rows, "doctor", None, "mcpdeck")
    together = None
    for row in rows:
        if row.group == "doctor" and len(row.cases) > 1:
            together = row.cases[1]
    if alone and together and alone.median() and together.median():
        r = together.median() / alone.median()  # type: ignore[operator]
        goals.append(
            (
                "Doctor over 20 servers ≤ the slowest alone + 10%",
                f"{fmt_s(together.median())} vs {fmt_s(alone.median())}: **{r:.2f}×**",
                "MET" if r <= 1.10 else "NOT MET",
            )
        )
    return goals


def verdict(median: float, worst: float, limit: float) -> str:
    """Run-level budgets are judged on the median; a worst run over the limit is said too."""
    if median >= limit:
        return "NOT MET"
    return "MET" if worst < limit else "MET on the median (not in every run)"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# -- the chart --------------------------------------------------------------------------------

SERIES = [
    # (label, group, tool, colour, dashed)
    ("status, mcpdeck", "status", "mcpdeck", "#1f77b4", False),
    ("status, Codex", "status", "codex", "#1f77b4", True),
    ("list probing, mcpdeck", "list", "mcpdeck", "#d62728", False),
    ("list probing, Codex", "list", "codex", "#d62728", True),
    ("list offline, mcpdeck", "offline", "mcpdeck", "#2ca02c", False),
    ("list (no probes), Codex", "offline", "codex", "#2ca02c", True),
]


def chart_svg(rows: list[Row]) -> str:
    """Median wall time at 10, 100 and 1000 servers, both axes logarithmic; plain SVG."""
    import math

    width, height, left, right, top, bottom = 640, 360, 60, 190, 20, 40
    medians = [
        m * 1000
        for _, group, tool, _, _ in SERIES
        for n in SIZES
        if (m := _median(_find(rows, group, f"{n} ", tool))) is not None
    ]
    decades = 4 if medians and max(medians) > 10000 else 3
    lo, hi = 10.0, 10.0 ** (1 + decades)  # ms
    pw, ph = width - left - right, height - top - bottom

    def x(n: int) -> float:
        return left + pw * (math.log10(n) - 1) / 2

    def y(ms: float) -> float:
        ms = min(max(ms, lo), hi)
        return top + ph * (1 - (math.log10(ms) - 1) / decades)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for ms in (10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000):
        if ms > hi:
            break
        yy = y(ms)
        out.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" stroke="#ddd"/>'
        )
        shown = f"{ms} ms" if ms < 1000 else f"{ms // 1000} s"
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{shown}</text>')
    for n in SIZES:
        out.append(
            f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{top + ph}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{x(n):.1f}" y="{top + ph + 16}" text-anchor="middle">{n}</text>')
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">servers in the config</text>'
    )
    legend_y = top + 10
    for label, group, tool, colour, dashed in SERIES:
        points = []
        for n in SIZES:
            case = _find(rows, group, f"{n} ", tool)
            med = _median(case)
            if med is not None:
                points.append((x(n), y(med * 1000)))
        if not points:
            continue
        dash = ' stroke-dasharray="5,4"' if dashed else ""
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for px, py in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        lx = left + pw + 15
        out.append(
            f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 24}" y2="{legend_y}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{lx + 30}" y="{legend_y + 4}">{label}</text>')
        legend_y += 18
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_report(path: Path, ctx: dict[str, Any], rows: list[Row]) -> None:
    m = ctx["machine"]
    load = ctx["load"]
    out: list[str] = [
        "# mcpdeck vs Codex CLI — benchmark results",
        "",
        f"Generated by `{ctx['command']}` on {ctx['date']} in {ctx['elapsed']:.0f} s.",
        "Every figure comes from that one run; the tools ran alternately, round by round "
        f"({ctx['runs']} timed runs per case after {ctx['warmup']} warm-up). Figures: **median** "
        "(min – max, n). Peak memory: the process's maximum resident set size (wait4 rusage). "
        "How to read this file: benchmarks/README.md.",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram']}",
        f"- OS: {m['os']}",
        f"- Load average (1 min) at start / end of the run: {load[0]:.2f} / {load[1]:.2f} "
        f"(highest seen between groups: {load[2]:.2f}). Anything above the core count means "
        "other work shared the CPUs; alternating the tools spreads that noise over both, but "
        "the absolute figures are then too high.",
        f"- Python {platform.python_version()}; {ctx['mcpdeck_version']}",
        f"- Codex CLI: {ctx['codex_version']} (`{ctx['codex_path']}`; pinned {CODEX_PIN})",
        "",
        "## Goals (issue 16)",
        "",
        "| goal | figure | verdict |",
        "|---|---|---|",
        *(f"| {g} | {f} | {v} |" for g, f, v in goal_lines(rows)),
        "",
        "## How each cost grows with the number of servers",
        "",
        "![median wall time at 10, 100 and 1000 servers](results-scaling.svg)",
        "",
        "Medians from the tables below; both axes logarithmic (`results-scaling.svg`, written by "
        "the same run).",
        "",
        "## Every figure",
        "",
    ]
    titles = {
        "list": "`list --json` with probing (mixed stdio/HTTP config; the HTTP servers point at a refused loopback port)",
        "offline": "`list --json --offline` against Codex on a config neither tool probes (stdio, bearer-token HTTP, disabled)",
        "status": "Auth status with probing: OAuth-protected servers that answer each request after 200 ms",
        "login": "Login round trip (`BROWSER` = a shell script handing the URL to the harness, which follows the redirects)",
        "doctor": "Doctor over 20 HTTP MCP servers (mcpdeck alone)",
        "tui": "TUI (mcpdeck alone)",
    }
    for group in ("list", "offline", "status", "login", "doctor", "tui"):
        group_rows = [r for r in rows if r.group == group]
        if not group_rows:
            continue
        out += [f"### {titles[group]}", ""]
        if group == "tui":
            for row in group_rows:
                out += [f"**{row.workload}**", "", *_tui_table(row), ""]
            continue
        out += [
            "| workload | command | time | CPU time | peak memory | mcpdeck / Codex |",
            "|---|---|---|---|---|---|",
        ]
        for row in group_rows:
            peer = next((c for c in row.cases if c.tool == "codex"), None)
            for c in row.cases:
                rel = ratio(c, peer) if (c.tool == "mcpdeck" and peer) else ""
                mem = f"{c.peak_mb():.0f} MB" if c.peak_mb() is not None else "—"
                cpu = fmt_s(c.cpu_median())
                out.append(
                    f"| {row.workload} | `{c.label}` | {spread(c)} | {cpu} | {mem} | {rel} |"
                )
        for row in group_rows:
            out += [f"- {row.workload}: {note}" for note in row.notes]
        out.append("")
    out += ["## Start-up: imports of the probing `mcpdeck list --json` (10 servers)", ""]
    prof = ctx["imports"]
    if isinstance(prof, str):
        out.append(f"Not measured: {prof}.")
    else:
        out += ["| top-level import | cumulative |", "|---|---|"]
        out += [f"| `{name}` | {sec * 1000:.1f} ms |" for name, sec in prof]
    out += [""]
    for label, found in ctx.get("loaded", []):
        out.append(f"- Heavy packages loaded by {label}: {found}")
    if ctx.get("floors"):
        out += ["", "Floors on this machine (median wall time):", ""]
        out += [f"- {label}: {fmt_s(sec)}" for label, sec in ctx["floors"]]
    out += ["", "## What each tool does in each measurement", "", *METHOD, ""]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    path.with_name("results-scaling.svg").write_text(chart_svg(rows), encoding="utf-8")


def _tui_table(row: Row) -> list[str]:
    case = row.cases[0]
    if case.unavailable or not case.samples:
        return [
            f"Not measured: {case.unavailable or 'no successful run: ' + '; '.join(case.failures)[:200]}"
        ]
    samples = [s.extra | {"seconds": s.seconds} for s in case.samples]
    paints = [s["first_paint_s"] for s in samples]
    anyp = [s["any_paint_s"] for s in samples]
    keys = [k for s in samples for k in s.get("key_ms", [])]
    pending = [p for s in samples for p in s.get("probes_pending", []) if p >= 0]
    quits = _quit_times(samples)

    def line(label: str, values: list[float]) -> str:
        return (
            f"| {label} | {fmt_s(statistics.median(values))} | {fmt_s(min(values))} – "
            f"{fmt_s(max(values))} | {len(values)} |"
        )

    lines = [
        "| measure | median | min – max | n |",
        "|---|---|---|---|",
        line("process start → first screen update", anyp),
        line("process start → table with every server painted", paints),
    ]
    if keys:
        lines.append(
            f"| key (↓/↑) → next screen update with the cursor moved | {statistics.median(keys):.1f} ms "
            f"| {min(keys):.1f} – {max(keys):.1f} ms (p95 {_pct(keys, 95):.1f} ms) | {len(keys)} |"
        )
    if quits:
        lines.append(line("quit (probes in flight) → process gone", quits))
    lines.append(line("whole process (start, paint, keys, quit)", case.times()))
    lines += ["", f"Peak memory {case.peak_mb():.0f} MB."]
    if pending:
        during = sum(1 for p in pending if p > 0)
        lines.append(
            f"Servers still waiting for their probe when a key was sent: median "
            f"{statistics.median(pending):.0f}, min {min(pending)}, max {max(pending)}; "
            f"{during} of {len(pending)} presses were sent while probes were running."
        )
    return lines


METHOD = [
    "- **Both tools**: a fresh `CODEX_HOME` and `HOME` per workload under `.cache/bench/`, "
    '`mcp_oauth_credentials_store = "file"` (no keyring, no D-Bus), no proxy variables, only '
    "loopback URLs. Wall time is spawn to exit as seen by the harness; each run is a new process.",
    "- **Codex** is its native binary (`@openai/codex-linux-x64`) at the pinned version, not the "
    "npm shim (a Node start-up on top).",
    "- **Loopback servers** (benchmarks/servers.py): one uvicorn process, one listening socket per "
    "server, created with `IPPROTO_TCP` so that asyncio sets `TCP_NODELAY` on every connection "
    "(with protocol 0 every response body waited for the client's delayed ACK, about 40 ms, "
    "which slowed Codex far more than mcpdeck).",
    "- **list rows (probing)**: 40% stdio, 30% HTTP with a bearer token env var or an env "
    "Authorization header, 20% OAuth-style HTTP, 10% disabled; every HTTP URL points at a "
    "loopback port nothing listens on. Both tools probe the HTTP servers they cannot decide from "
    "the config (Codex also those with an env Authorization header); every probe is refused at once.",
    "- **offline rows**: a config of stdio servers, HTTP servers with `bearer_token_env_var` and "
    "disabled servers: Codex probes none of them (checked: the loopback server saw no request), "
    "mcpdeck runs `--offline`.",
    "- **status rows**: 10, 100, 1000 servers on as many loopback ports; every response comes "
    "after 200 ms; each port is its own protected resource and authorization server (401 + "
    "`WWW-Authenticate resource_metadata`, RFC 9728, RFC 8414). The requests each tool makes "
    "per server are listed under the table. A server counts as unresolved when its status is "
    "not the OAuth one (for example a timeout).",
    "- **login row**: a fresh CODEX_HOME per run, so both tools do discovery, dynamic client "
    "registration, PKCE authorization and the token exchange, and store the result in a file. "
    "`BROWSER` is a shell script that writes the URL into a FIFO; a thread of the harness "
    "follows the redirects into the tool's callback (no second interpreter on either side).",
    "- **doctor row**: 20 MCP servers without authentication, each delaying every response by "
    "0.05 s (first) to 0.5 s (last): the slowest alone against all 20.",
    "- **TUI rows**: `benchmarks/tui_probe.py` runs the app from `mcpdeck.tui.app.make_app` in "
    "Textual's headless `run_test` in a new process, on 100 or 1000 OAuth servers that answer "
    "in 0.2 s (first) to 1.2 s (last), so probe results keep arriving through the key presses. "
    "First paint: the first screen update whose table holds every server. Key → render: a key "
    "event (↓ or ↑, about 7 a second) handed to the app as the terminal driver does, to the "
    "next screen update with the cursor moved. Quit: from `pilot.exit` with probes still in "
    "flight to the end of the process.",
]


def wait_for_quiet(limit: float) -> None:
    """Other work on the machine inflates every figure; give it a chance to finish first."""
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= cores and time.monotonic() < deadline:
        print(
            f"[bench] load average {os.getloadavg()[0]:.1f} on {cores} cores: waiting", flush=True
        )
        time.sleep(min(15.0, max(0.0, deadline - time.monotonic())))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="mcpdeck vs Codex CLI benchmarks")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    parser.add_argument(
        "--slow-runs", type=int, default=5, help="timed runs for status/login/TUI (default 5)"
    )
    parser.add_argument("--warmup", type=int, default=1, help="warm-up runs per case (default 1)")
    parser.add_argument(
        "--presses", type=int, default=20, help="key presses per TUI run (default 20)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=["list", "status", "login", "doctor", "tui"],
        help="run only these groups",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    parser.add_argument("--keep", action="store_true", help="keep the workload directory")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        metavar="SEC",
        help="first wait up to SEC seconds (default 60) for the 1-minute load average to drop below the core count",
    )
    args = parser.parse_args(argv)
    groups = args.only or ["list", "status", "login", "doctor", "tui"]
    wait_for_quiet(args.wait_quiet)
    started = time.monotonic()
    load_start = os.getloadavg()[0]
    loads = [load_start]
    codex = codex_binary()
    if codex is None:
        print(
            "[bench] Codex CLI is not installed and could not be installed: stopping",
            file=sys.stderr,
        )
        return 1
    codex_version = version_of([str(codex), "--version"])
    if CODEX_PIN not in codex_version:
        print(
            f"[bench] Codex CLI {CODEX_PIN} is pinned but {codex} says {codex_version!r}: "
            "run `python3 scripts/peers.py install`",
            file=sys.stderr,
        )
        return 1
    base = ROOT / ".cache" / "bench"
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    print(f"[bench] workloads in {work}", flush=True)
    farm = Farm(work)
    rows: list[Row] = []
    loaded: list[tuple[str, str]] = []
    try:
        if "list" in groups:
            rows += list_rows(work, codex, args.runs, args.warmup)
            loads.append(os.getloadavg()[0])
        if "status" in groups:
            rows += status_rows(work, farm, codex, args.slow_runs, args.warmup)
            loads.append(os.getloadavg()[0])
        if "login" in groups:
            rows.append(login_row(work, farm, codex, args.slow_runs, args.warmup))
            loads.append(os.getloadavg()[0])
        if "doctor" in groups:
            rows.append(doctor_row(work, farm, args.slow_runs, args.warmup))
            loads.append(os.getloadavg()[0])
        if "tui" in groups:
            rows += tui_rows(work, farm, args.slow_runs, args.warmup, args.presses)
            loads.append(os.getloadavg()[0])
        imports = import_profile(work)
        floor = floors(args.runs)
        if (work / "noprobe-100").exists():
            loaded.append(
                (
                    "`list --json --offline` (100 servers)",
                    loaded_modules(work, "noprobe-100", ["list", "--json", "--offline"]),
                )
            )
        if (work / "list-10").exists():
            loaded.append(
                (
                    "the probing `list --json` (10 servers, HTTP ones unreachable)",
                    loaded_modules(work, "list-10", ["list", "--json"]),
                )
            )
    finally:
        farm.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    command = "python3 benchmarks/run.py" + ("" if not argv else " " + " ".join(argv))
    loads.append(os.getloadavg()[0])
    ctx = {
        "command": command,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed": time.monotonic() - started,
        "runs": f"{args.runs} (list) / {args.slow_runs} (status, login, doctor, TUI)",
        "warmup": args.warmup,
        "machine": machine(),
        "load": (load_start, loads[-1], max(loads)),
        "mcpdeck_version": version_of([str(MCPDECK), "--version"]),
        "codex_version": codex_version,
        "codex_path": str(codex.relative_to(ROOT)) if codex.is_relative_to(ROOT) else str(codex),
        "imports": imports,
        "loaded": loaded,
        "floors": floor,
    }
    write_report(args.out, ctx, rows)
    print(f"[bench] wrote {args.out} in {ctx['elapsed']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
