"""Run by the lock tests in child processes.

``count HOME ROUNDS COUNTER`` increments the number in COUNTER ROUNDS times, each a slow
read-modify-write under refresh_lock. ``hold HOME HELD RELEASE`` takes the lock, creates HELD,
and keeps the lock until RELEASE exists.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mcpdeck.credentials.lock import refresh_lock
from mcpdeck.credentials.record import CredentialKey


def key_for(home: Path) -> CredentialKey:
    return CredentialKey.for_server(home, "docs", "https://docs.example.com/mcp")


async def count(home: Path, rounds: int, counter: Path) -> None:
    for _ in range(rounds):
        async with refresh_lock(home, key_for(home)):
            value = int(counter.read_text() or "0")
            # Give the other processes every chance to interleave if the lock did not hold.
            await asyncio.sleep(0.002)
            counter.write_text(str(value + 1))


async def hold(home: Path, held: Path, release: Path) -> None:
    async with refresh_lock(home, key_for(home)):
        held.touch()
        while not release.exists():
            await asyncio.sleep(0.01)


def main() -> None:
    mode, home = sys.argv[1], Path(sys.argv[2])
    if mode == "count":
        asyncio.run(count(home, int(sys.argv[3]), Path(sys.argv[4])))
    else:
        asyncio.run(hold(home, Path(sys.argv[3]), Path(sys.argv[4])))


if __name__ == "__main__":
    main()
