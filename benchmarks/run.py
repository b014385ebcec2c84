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
SLOW_DELAY = 0.2
SLOW_COUNT = 100
# The TUI's servers answer 0.2 s to 1.2 s per response (three per probe), so that results keep
# arriving through every key press (20 presses at ~7 keys/s take about 3 s).
TUI_DELAYS = "0.2-1.2"
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
    return Sample(seconds, usage.ru_maxrss, code, ok, note, extra)


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
                f"slow:{SLOW_COUNT}:{SLOW_DELAY}",
                "--group",
                "login:1:0",
                "--group",
                f"doctor:{DOCTOR_COUNT}:{DOCTOR_DELAYS}:open",
                "--group",
                f"tui:{SLOW_COUNT}:{TUI_DELAYS}",
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
    rows = []
    refused = workloads.refused_port()
    for n in (10, 100, 1000):
        wl = workloads.make(
            work / f"list-{n}",
            workloads.mixed_config(n, oauth_url=f"http://127.0.0.1:{refused}/mcp"),
            n,
        )
        env = base_env(wl)

        def inv(
            cmd: list[str], env: dict[str, str] = env, wl: workloads.Workload = wl
        ) -> Callable[[int], Invocation]:
            return lambda i: Invocation(cmd, env, wl.root)

        cases = [
            Case(
                "mcpdeck list --json --offline",
                "mcpdeck",
                inv([str(MCPDECK), "list", "--json", "--offline"]),
                expect_json_list(n),
            ),
            Case(
                "mcpdeck list --json (probes)",
                "mcpdeck",
                inv([str(MCPDECK), "list", "--json"]),
                expect_json_list(n),
            ),
            Case(
                "codex mcp list --json",
                "codex",
                inv([str(codex), "mcp", "list", "--json"]),
                expect_json_list(n),
            ),
        ]
        if n == 100 and codex != CODEX_SHIM and CODEX_SHIM.exists():
            cases.append(
                Case(
                    "codex mcp list --json (npm shim)",
                    "codex",
                    inv([str(CODEX_SHIM), "mcp", "list", "--json"]),
                    expect_json_list(n),
                )
            )
        compare(f"list --json, {n} servers", cases, runs, warmup)
        rows.append(Row("list", f"{n} servers", cases))
    return rows


def status_row(work: Path, farm: Farm, codex: Path, runs: int, warmup: int) -> Row:
    ports = farm.ports["slow"]
    wl = workloads.make(work / "status-100", workloads.oauth_servers_config(ports), len(ports))
    env = base_env(wl)
    cases = [
        Case(
            "mcpdeck list --json (probes)",
            "mcpdeck",
            lambda i: Invocation([str(MCPDECK), "list", "--json"], env, wl.root),
            expect_json_list(len(ports)),
        ),
        Case(
            "codex mcp list --json",
            "codex",
            lambda i: Invocation([str(codex), "mcp", "list", "--json"], env, wl.root),
            expect_json_list(len(ports)),
        ),
    ]
    # what each tool asks every server for (one run each, outside the timed runs)
    requests: dict[str, dict[str, int]] = {}
    for case in cases:
        farm.reset()
        sample = run_once(case.prepare(0), case.validate)
        if sample.ok:
            requests[case.tool] = farm.stats()
    compare(
        f"auth status of {len(ports)} servers answering after {SLOW_DELAY * 1000:.0f} ms",
        cases,
        runs,
        warmup,
    )
    row = Row("status", f"{len(ports)} OAuth servers, {SLOW_DELAY * 1000:.0f} ms each", cases)
    for case in cases:
        found = Counter[str]()
        for s in case.samples:
            found.update(s.extra.get("statuses", {}))
        if case.samples:
            per_run = {k: v // len(case.samples) for k, v in found.items()}
            row.notes.append(f"{case.label}: auth_status per run {per_run}")
    for tool, counts in requests.items():
        per_server = {k: v / len(ports) for k, v in sorted(counts.items())}
        shown = ", ".join(f"{k} ×{v:g}" for k, v in per_server.items())
        row.notes.append(f"{tool} requests per server: {shown}")
    return row


def login_row(work: Path, farm: Farm, codex: Path, runs: int, warmup: int) -> Row:
    port = farm.ports["login"][0]
    text = workloads.login_config(port)
    log = work / "browser.log"

    def fresh(
        tool: str, cmd_for: Callable[[workloads.Workload], list[str]]
    ) -> Callable[[int], Invocation]:
        def prepare(i: int) -> Invocation:
            wl = workloads.make(work / f"login-{tool}-{i}", text, 1)
            env = base_env(wl)
            env["BROWSER"] = str(BENCH / "browser.py")
            env["BENCH_BROWSER_LOG"] = str(log)
            env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
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
    compare("login round trip (auto-approving authorization server)", cases, runs, warmup)
    row = Row("login", "1 server, local AS (auto-approve), DCR + PKCE + token", cases)
    stored = []
    for tool in ("mcpdeck", "codex"):
        dirs = sorted(work.glob(f"login-{tool}-*/codex_home"))
        with_files = [
            d for d in dirs if any(p.is_file() and p.name != "config.toml" for p in d.rglob("*"))
        ]
        stored.append(
            f"{tool}: credentials written in {len(with_files)}/{len(dirs)} fresh CODEX_HOMEs"
        )
    row.notes.extend(stored)
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


def tui_row(work: Path, farm: Farm, runs: int, warmup: int, presses: int) -> Row:
    ports = farm.ports["tui"]
    wl = workloads.make(work / "tui-100", workloads.oauth_servers_config(ports), len(ports))
    env = base_env(wl)
    env["TERM"] = "xterm-256color"
    cmd = [
        sys.executable,
        str(BENCH / "tui_probe.py"),
        str(wl.codex_home),
        str(wl.root),
        str(len(ports)),
        str(presses),
    ]
    case = Case(
        "mcpdeck TUI (run_test, headless)",
        "mcpdeck",
        lambda i: Invocation(cmd, env, wl.root, timeout=60),
        expect_tui_json,
    )
    compare("TUI first paint and key-to-render during probes", [case], runs, warmup)
    return Row("tui", f"{len(ports)} OAuth servers, {TUI_DELAYS} s per response", [case])


# -- start-up profile -------------------------------------------------------------------------


def import_profile(work: Path) -> list[tuple[str, float]] | str:
    """``python -X importtime`` of ``mcpdeck list --json --offline``: top-level packages by cost."""
    wl = workloads.Workload(work / "list-100", 100)
    if not wl.config.exists():
        return "no workload"
    env = base_env(wl)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mcpdeck", "list", "--json", "--offline"],
        env=env,
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


def floors(runs: int) -> list[tuple[str, float]]:
    """What a Python CLI pays before its own code: the interpreter, then asyncio and httpx."""
    out = []
    for label, code in (
        ("`python -c pass` (the venv's interpreter)", "pass"),
        ("`python -c 'import asyncio'`", "import asyncio"),
        (
            "`python -c 'import httpx; httpx.AsyncClient()'` (an SSL context)",
            "import httpx; httpx.AsyncClient()",
        ),
    ):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=False)
            times.append(time.perf_counter() - start)
        out.append((label, statistics.median(times)))
    return out


def forbidden_modules(work: Path) -> str:
    wl = workloads.Workload(work / "list-100", 100)
    code = (
        "import sys, io, contextlib\n"
        "from mcpdeck.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    main(['list', '--json', '--offline'])\n"
        "print(','.join(m for m in ('textual', 'mcp', 'authlib', 'rich', 'httpx', 'tomlkit',"
        " 'cryptography', 'keyring') if m in sys.modules))\n"
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


def budget_lines(rows: list[Row]) -> list[str]:
    def find(group: str, workload: str | None, label_start: str) -> Case | None:
        for row in rows:
            if row.group == group and (workload is None or row.workload == workload):
                for c in row.cases:
                    if c.label.startswith(label_start):
                        return c
        return None

    lines = []
    mine = find("list", "100 servers", "mcpdeck list --json --offline")
    peer = find("list", "100 servers", "codex mcp list --json")
    shim = find("list", "100 servers", "codex mcp list --json (npm shim)")
    if mine and peer and mine.median() is not None and peer.median() is not None:
        ok = mine.median() <= peer.median()  # type: ignore[operator]
        lines.append(
            "| `mcpdeck list --json`, 100 servers, no network ≤ `codex mcp list --json` on the "
            f"same file (Codex's native binary) | {fmt_s(mine.median())} vs {fmt_s(peer.median())} "
            f"(ratio {ratio(mine, peer)}) | {'MET' if ok else 'NOT MET'} |"
        )
        if shim and shim.median() is not None:
            ok = mine.median() <= shim.median()  # type: ignore[operator]
            lines.append(
                "| the same, against `codex` as npm installs it (Node shim + native binary) "
                f"| {fmt_s(mine.median())} vs {fmt_s(shim.median())} (ratio {ratio(mine, shim)}) "
                f"| {'MET' if ok else 'NOT MET'} |"
            )
    else:
        lines.append(
            "| `mcpdeck list --json`, 100 servers ≤ Codex | not measured in this run (feature not available yet, or group skipped) | — |"
        )
    st = find("status", None, "mcpdeck")
    if st and st.median() is not None:
        worst = max(st.times())
        lines.append(
            f"| Auth status of 100 HTTP servers answering after 200 ms < 1.5 s "
            f"| median {fmt_s(st.median())}, worst {fmt_s(worst)} "
            f"| {verdict(st.median(), worst, 1.5)} |"  # type: ignore[arg-type]
        )
    else:
        lines.append(
            "| Auth status of 100 slow servers < 1.5 s | not measured in this run (feature not available yet, or group skipped) | — |"
        )
    alone = find("doctor", None, "mcpdeck doctor doc-")
    together = find("doctor", None, "mcpdeck doctor --json (all")
    if alone and together and alone.median() is not None and together.median() is not None:
        limit = alone.median() * 1.2  # type: ignore[operator]
        ok = together.median() <= limit  # type: ignore[operator]
        lines.append(
            "| Doctor over 20 HTTP servers ≤ the slowest server's time + 20% (issue 4) "
            f"| all {fmt_s(together.median())} vs slowest alone {fmt_s(alone.median())} "
            f"(ratio {ratio(together, alone)}) | {'MET' if ok else 'NOT MET'} |"
        )
    tui = find("tui", None, "mcpdeck")
    if tui and tui.samples:
        paints = [s.extra["first_paint_s"] for s in tui.samples]
        keys = [k for s in tui.samples for k in s.extra.get("key_ms", [])]
        worst_paint = max(paints)
        median_paint = statistics.median(paints)
        lines.append(
            f"| TUI first paint with 100 servers < 0.6 s | median {fmt_s(median_paint)}, "
            f"worst {fmt_s(worst_paint)} | {verdict(median_paint, worst_paint, 0.6)} |"
        )
        if keys:
            worst_key = max(keys)
            late = sum(1 for k in keys if k > 50)
            lines.append(
                f"| Key press answered within 50 ms while 100 probes run (every press) | median "
                f"{statistics.median(keys):.1f} ms, p95 {_pct(keys, 95):.1f} ms, worst {worst_key:.1f} ms; "
                f"{late} of {len(keys)} presses over 50 ms | {'MET' if late == 0 else 'NOT MET'} |"
            )
    else:
        lines.append(
            "| TUI first paint < 0.6 s; key < 50 ms during probes | not measured in this run (TUI not available yet, or group skipped) | — |"
        )
    return lines


def verdict(median: float, worst: float, limit: float) -> str:
    """Run-level budgets are judged on the median; a worst run over the limit is said too."""
    if median >= limit:
        return "NOT MET"
    return "MET" if worst < limit else "MET on the median (not in every run)"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def write_report(path: Path, ctx: dict[str, Any], rows: list[Row]) -> None:
    m = ctx["machine"]
    out: list[str] = [
        "# mcpdeck vs Codex CLI — benchmark results",
        "",
        f"Generated by `{ctx['command']}` on {ctx['date']} in {ctx['elapsed']:.0f} s.",
        "Every figure comes from that one run; the tools were run alternately, round by round "
        f"({ctx['runs']} timed runs per case after {ctx['warmup']} warm-up). Figures: **median** "
        "(min – max, n). Peak memory: the process's maximum resident set size (wait4 rusage).",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram']}",
        f"- OS: {m['os']}",
        f"- Load average (1 min) at start / end of the run: {ctx['load'][0]:.2f} / {ctx['load'][1]:.2f} "
        "(anything else running shares the cores; alternating the tools spreads that noise over both)",
        f"- Python {platform.python_version()}; {ctx['mcpdeck_version']}",
        f"- Codex CLI: {ctx['codex_version']} (`{ctx['codex_path']}`)",
        "",
        "## Budgets (DESIGN.md)",
        "",
        "Run-level budgets are judged on the median run (the worst run is shown too); the "
        "key-press budget on every single press.",
        "",
        "| budget | figure | verdict |",
        "|---|---|---|",
        *budget_lines(rows),
        "",
        "## Every figure",
        "",
    ]
    titles = {
        "list": "`list --json` by config size (mixed stdio/HTTP config; OAuth servers point at a refused loopback port)",
        "status": "Auth status with probing: 100 OAuth-protected servers that answer each request after 200 ms",
        "login": "Login round trip (`BROWSER` = benchmarks/browser.py, a redirect-following script)",
        "doctor": "Doctor over 20 HTTP MCP servers (mcpdeck alone; issue 4: all ≤ slowest alone + 20%)",
        "tui": "TUI (mcpdeck alone)",
    }
    for group in ("list", "status", "login", "doctor", "tui"):
        group_rows = [r for r in rows if r.group == group]
        if not group_rows:
            continue
        out += [f"### {titles[group]}", ""]
        if group == "tui":
            out += _tui_table(group_rows[0])
        else:
            out += [
                "| workload | command | time | peak memory | mcpdeck / Codex |",
                "|---|---|---|---|---|",
            ]
            for row in group_rows:
                peer = next(
                    (c for c in row.cases if c.tool == "codex" and "shim" not in c.label), None
                )
                for c in row.cases:
                    rel = ratio(c, peer) if (c.tool == "mcpdeck" and peer) else ""
                    mem = f"{c.peak_mb():.0f} MB" if c.peak_mb() is not None else "—"
                    out.append(f"| {row.workload} | `{c.label}` | {spread(c)} | {mem} | {rel} |")
        for row in group_rows:
            out += [f"- {note}" for note in row.notes]
        out.append("")
    out += ["## Start-up: where `mcpdeck list --json --offline` spends its imports", ""]
    prof = ctx["imports"]
    if isinstance(prof, str):
        out.append(f"Not measured: {prof}.")
    else:
        out += ["| top-level import | cumulative |", "|---|---|"]
        out += [f"| `{name}` | {sec * 1000:.1f} ms |" for name, sec in prof]
        out.append("")
        out.append(
            f"Heavy modules loaded by `list --json --offline`: {ctx['forbidden']} "
            "(the contract forbids textual, mcp and authlib)."
        )
    if ctx.get("floors"):
        out += ["", "Floors on this machine (median):", ""]
        out += [f"- {label}: {fmt_s(sec)}" for label, sec in ctx["floors"]]
    out += ["", "## What each tool does in each measurement", "", *METHOD, ""]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _tui_table(row: Row) -> list[str]:
    case = row.cases[0]
    if case.unavailable or not case.samples:
        return [
            f"Not measured: {case.unavailable or 'no successful run: ' + '; '.join(case.failures)[:200]}"
        ]
    paints = [s.extra["first_paint_s"] for s in case.samples]
    anyp = [s.extra["any_paint_s"] for s in case.samples]
    keys = [k for s in case.samples for k in s.extra.get("key_ms", [])]
    pending = [p for s in case.samples for p in s.extra.get("probes_pending", []) if p >= 0]
    lines = [
        "| measure | median | min – max | n |",
        "|---|---|---|---|",
        f"| process start → first screen update | {fmt_s(statistics.median(anyp))} | {fmt_s(min(anyp))} – {fmt_s(max(anyp))} | {len(anyp)} |",
        f"| process start → table with all 100 servers painted | {fmt_s(statistics.median(paints))} | {fmt_s(min(paints))} – {fmt_s(max(paints))} | {len(paints)} |",
    ]
    if keys:
        lines.append(
            f"| key (↓/↑) → next screen update with the cursor moved | {statistics.median(keys):.1f} ms "
            f"| {min(keys):.1f} – {max(keys):.1f} ms (p95 {_pct(keys, 95):.1f} ms) | {len(keys)} |"
        )
    exits = [
        s.extra["exited_s"] - s.extra["keys_done_s"]
        for s in case.samples
        if "exited_s" in s.extra and "keys_done_s" in s.extra
    ]
    if exits:
        lines.append(
            f"| quit (`pilot.exit`) → app closed | {fmt_s(statistics.median(exits))} "
            f"| {fmt_s(min(exits))} – {fmt_s(max(exits))} | {len(exits)} |"
        )
    lines.append(
        f"| whole process (start, paint, {len(case.samples[0].extra.get('key_ms', []))} keys, exit) "
        f"| {fmt_s(case.median())} | {fmt_s(min(case.times()))} – {fmt_s(max(case.times()))} | {len(case.samples)} |"
    )
    lines.append("")
    lines.append(f"Peak memory {case.peak_mb():.0f} MB.")
    if pending:
        during = sum(1 for p in pending if p > 0)
        lines.append(
            f"Servers still waiting for their probe when a key was sent: median {statistics.median(pending):.0f}, "
            f"min {min(pending)}, max {max(pending)} (of 100); {during} of {len(pending)} presses "
            "were sent while probes were running."
        )
    return lines


METHOD = [
    "- **Environment, both tools**: a fresh `CODEX_HOME` and `HOME` per workload under "
    "`.cache/bench/` (not `/tmp`, where Codex refuses to create its helper links and warns), "
    '`mcp_oauth_credentials_store = "file"` so neither tool touches a keyring, no D-Bus session, '
    "no proxy variables. Wall time is spawn to exit as seen by the harness.",
    "- **Codex** is run through its native binary (`@openai/codex-linux-x64`), not the npm "
    "`codex` shim (which adds a Node start-up; its cost is shown in one row for reference). "
    "`codex mcp list --json` cannot skip the network: it probes every enabled streamable-HTTP "
    "server with no bearer token and no stored credentials (5 s timeout, concurrently).",
    "- **list rows**: the config mixes 40% stdio servers (env, env_vars, enabled_tools), 30% HTTP "
    "with a bearer token env var or an env Authorization header, 20% OAuth-style HTTP servers "
    "(scopes, oauth_resource) and 10% disabled, with startup/tool timeouts on some. The OAuth "
    "ones point at a loopback port nothing listens on, so Codex's probes (and mcpdeck's, in the "
    "probing row) fail at once with a refused connection: no waiting, no internet. "
    "`mcpdeck list --json --offline` makes no network request at all. With probing, Codex "
    "probes 30% of the servers (it does not count an `Authorization` header taken from "
    "`env_http_headers` as a bearer token, so it probes those too — with a public host name "
    "that costs it a DNS lookup, seen as 2.5 s resolver timeouts here, hence loopback URLs "
    "everywhere), mcpdeck 20%.",
    "- **status row**: 100 servers on 100 loopback ports of one uvicorn process "
    "(benchmarks/servers.py); every HTTP response is delayed 200 ms. Each port is its own "
    "protected resource and authorization server (401 + `WWW-Authenticate resource_metadata`, "
    "RFC 9728 metadata, RFC 8414 metadata). Both tools probe all 100; the requests each tool "
    "makes per server are listed under the table.",
    "- **login row**: a fresh CODEX_HOME per run (no stored client or token), so both tools do "
    "discovery, dynamic client registration, PKCE authorization (the browser script follows the "
    "redirect into the tool's loopback callback) and the token exchange, and store the result "
    "in a file.",
    "- **doctor row** (issue 4's budget; mcpdeck alone): 20 MCP servers without "
    "authentication on 20 loopback ports, each delaying every response by 0.05 s (first) to "
    "0.5 s (last). `mcpdeck doctor doc-19 --json` (the slowest alone) against `mcpdeck doctor "
    "--json` (all 20): when the servers really run concurrently the second takes at most 20% "
    "longer.",
    "- **TUI row**: `benchmarks/tui_probe.py` starts the app from `mcpdeck.tui.app.make_app` in "
    "Textual's headless `run_test` in a new process (everything real except the terminal "
    "writes) on 100 OAuth servers that delay every response by 0.2 s (first) to 1.2 s (last), "
    "so that probe results (three requests per server) keep arriving through all the key "
    "presses; first paint = "
    "first screen update whose table holds all 100 rows; key-to-render = a key event (↓ or ↑, "
    "about 7 a second) handed to the app as the terminal driver does, to the next screen "
    "update with the cursor moved.",
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
    codex = codex_binary()
    if codex is None:
        print(
            "[bench] Codex CLI is not installed and could not be installed: stopping",
            file=sys.stderr,
        )
        return 1
    base = ROOT / ".cache" / "bench"
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    print(f"[bench] workloads in {work}", flush=True)
    farm = Farm(work)
    rows: list[Row] = []
    try:
        if "list" in groups:
            rows += list_rows(work, codex, args.runs, args.warmup)
        if "status" in groups:
            rows.append(status_row(work, farm, codex, args.slow_runs, args.warmup))
        if "login" in groups:
            rows.append(login_row(work, farm, codex, args.slow_runs, args.warmup))
        if "doctor" in groups:
            rows.append(doctor_row(work, farm, args.slow_runs, args.warmup))
        if "tui" in groups:
            rows.append(tui_row(work, farm, args.slow_runs, args.warmup, args.presses))
        if not (work / "list-100").exists():
            refused = workloads.refused_port()
            workloads.make(
                work / "list-100",
                workloads.mixed_config(100, oauth_url=f"http://127.0.0.1:{refused}/mcp"),
                100,
            )
        imports = import_profile(work)
        floor = floors(args.runs)
        forbidden = forbidden_modules(work)
    finally:
        farm.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    command = "python3 benchmarks/run.py" + ("" if not argv else " " + " ".join(argv))
    ctx = {
        "command": command,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed": time.monotonic() - started,
        "runs": f"{args.runs} (list) / {args.slow_runs} (status, login, TUI)",
        "warmup": args.warmup,
        "machine": machine(),
        "load": (load_start, os.getloadavg()[0]),
        "mcpdeck_version": version_of([str(MCPDECK), "--version"]),
        "codex_version": version_of([str(codex), "--version"]),
        "codex_path": str(codex.relative_to(ROOT)) if codex.is_relative_to(ROOT) else str(codex),
        "imports": imports,
        "forbidden": forbidden,
        "floors": floor,
    }
    write_report(args.out, ctx, rows)
    print(f"[bench] wrote {args.out} in {ctx['elapsed']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
