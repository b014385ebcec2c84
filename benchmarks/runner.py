"""Running one command and comparing tools: a process timed from spawn to exit (wall time, CPU
time and peak RSS from wait4), the checks that say whether a run counts, and the round-robin
that alternates the tools so that neither always goes first."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The whole output of every failed run, to read its cause (the report shows one line).
FAILED_RUNS = Path(__file__).resolve().parent.parent / ".cache" / "bench" / "failed-runs"

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
    if not ok:  # the one-line note names the error; keep the whole output to read the cause
        kept = FAILED_RUNS / f"{time.strftime('%H%M%S')}-{proc.pid}.txt"
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(f"{inv.cmd}\nexit {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
        note += f" (output kept in {kept})"
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds, usage.ru_maxrss, code, ok, note, extra, cpu)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def first_line(text: str) -> str:
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
            return False, f"exit {code}: {first_line(stderr) or 'no JSON on stdout'}", {}
        if not isinstance(rows, list) or len(rows) != count:
            n = len(rows) if isinstance(rows, list) else "not a list"
            return False, f"expected {count} servers, got {n}", {}
        statuses = Counter(str(r.get(status_key)) for r in rows)
        return True, "", {"statuses": dict(statuses)}

    return check


def expect_exit_zero(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
    if code == 0:
        return True, "", {}
    return False, f"exit {code}: {first_line(stderr) or first_line(stdout)}", {}


def expect_tui_json(code: int, stdout: str, stderr: str) -> tuple[bool, str, dict[str, Any]]:
    if code != 0:
        return False, f"exit {code}: {first_line(stderr) or first_line(stdout)}", {}
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
        for note in case.failures:
            print(f"[bench]   {case.label}: a run failed: {note}", flush=True)


@dataclass
class Row:
    group: str
    workload: str
    cases: list[Case]
    notes: list[str] = field(default_factory=list)


def find_case(rows: list[Row], group: str, workload: str | None, tool: str) -> Case | None:
    for row in rows:
        if row.group == group and (workload is None or row.workload.startswith(workload)):
            for c in row.cases:
                if c.tool == tool:
                    return c
    return None


def median_of(case: Case | None) -> float | None:
    return case.median() if case is not None else None
