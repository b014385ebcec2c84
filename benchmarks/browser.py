#!/usr/bin/env python3
"""A stand-in browser for the login benchmark, named in ``BROWSER`` for both tools.

Called with the authorization URL, it returns at once (as a real browser does, so a tool that
waits for its browser command does not stall) and, in a detached child, follows the
authorization server's redirects until the tool's loopback callback answers. Standard library
only. ``BENCH_BROWSER_LOG``, when set, names a file that gets one line per visit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request


def follow(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return f"{response.status} {response.url.split('?')[0]}"


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: browser.py URL", file=sys.stderr)
        return 2
    if argv[0] == "--follow":
        try:
            outcome = follow(argv[1])
        except Exception as exc:
            outcome = f"error {type(exc).__name__}"
        log = os.environ.get("BENCH_BROWSER_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(outcome + "\n")
        return 0
    subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--follow", argv[-1]],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
