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
import compileall
import shutil
import tempfile
import time
from datetime import UTC, datetime

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import doctor_row, list_rows, login_row, status_rows, tui_rows
from environment import (
    BENCH,
    CODEX_PIN,
    MCPDECK,
    Farm,
    codex_binary,
    machine,
    version_of,
    wait_for_quiet,
)
from report import write_report
from runner import Row
from startup import floors, import_profile, loaded_modules


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="mcpdeck vs Codex CLI benchmarks")
    # 15 for the start-up bound list rows: they take 20-70 ms each, and on a 2-core VM about one
    # run in six lands 10-30 ms late (scheduling), enough to move a median of 7.
    parser.add_argument(
        "--runs", type=int, default=15, help="timed runs per list case (default 15)"
    )
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
    # As `pip install` does: every module compiled once. The project is installed editable, and
    # with PYTHONDONTWRITEBYTECODE set (as on these machines) a module edited since the last
    # compile was compiled from source in every measured run (seen: 4-5 ms for one module).
    compileall.compile_dir(str(ROOT / "app" / "mcpdeck"), quiet=1)
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
