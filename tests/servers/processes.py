"""Helpers to check that a server process is really gone (no orphan left behind)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    try:
        for line in status.read_text().splitlines():
            if line.startswith("State:"):
                return "Z" not in line.split()[1]
    except OSError:
        return False
    return True


def wait_gone(pid: int, limit: float = 10.0) -> bool:
    """Whether the process disappears within ``limit`` seconds (a bound, not a timing check)."""
    deadline = time.monotonic() + limit
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def read_pid(path: Path, limit: float = 10.0) -> int:
    deadline = time.monotonic() + limit
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never wrote {path}")
        time.sleep(0.02)
    return int(path.read_text())
