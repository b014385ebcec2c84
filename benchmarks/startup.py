"""Start-up cost of the CLI: an import profile of the probing `list --json`, the heavy packages
each path loads, and the interpreter floors a Python CLI pays before its own code."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import workloads
from environment import base_env
from runner import first_line


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
        return f"exit {done.returncode}: {first_line(done.stderr)}"
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
ENTRY = "import sys; sys.argv[0] = 'mcpdeck'; from mcpdeck.program import entry; entry()"


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
        return f"could not check ({first_line(done.stderr)})"
    return done.stdout.strip() or "none of them"
