"""refresh_lock: single flight within a process and across processes, without blocking the loop."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mcpdeck.credentials.lock import refresh_lock, refresh_lock_path
from tests.credentials.builders import key_for

WORKER = Path(__file__).with_name("lock_worker.py")
_SAFETY_NET_SEC = 60.0  # only so that a broken lock fails the test instead of hanging it


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(WORKER), *args])


async def _wait_for_file(path: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _SAFETY_NET_SEC
    while not path.exists():
        assert proc.poll() is None, "the lock holder died"
        assert time.monotonic() < deadline, f"{path} never appeared"
        await asyncio.sleep(0.01)


def test_processes_take_turns(codex_home: Path) -> None:
    counter = codex_home / "counter"
    counter.write_text("0")
    workers, rounds = 3, 15
    procs = [_start("count", str(codex_home), str(rounds), str(counter)) for _ in range(workers)]
    assert [p.wait(timeout=_SAFETY_NET_SEC * 2) for p in procs] == [0] * workers
    assert int(counter.read_text()) == workers * rounds


async def test_coroutines_take_turns(codex_home: Path) -> None:
    key = key_for(codex_home)
    inside = 0
    most_inside = 0
    done = 0

    async def refresher() -> None:
        nonlocal inside, most_inside, done
        async with refresh_lock(codex_home, key):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.001)
            inside -= 1
            done += 1

    await asyncio.wait_for(asyncio.gather(*(refresher() for _ in range(20))), _SAFETY_NET_SEC)
    assert (most_inside, done) == (1, 20)


async def test_different_credentials_do_not_wait_for_each_other(codex_home: Path) -> None:
    async with refresh_lock(codex_home, key_for(codex_home, "a", "https://a.example/mcp")):
        async with asyncio.timeout(_SAFETY_NET_SEC):
            async with refresh_lock(codex_home, key_for(codex_home, "b", "https://b.example/mcp")):
                pass


async def test_waiting_for_another_process_leaves_the_loop_free(
    codex_home: Path, tmp_path: Path
) -> None:
    held, release = tmp_path / "held", tmp_path / "release"
    holder = _start("hold", str(codex_home), str(held), str(release))
    try:
        await _wait_for_file(held, holder)
        entered = asyncio.Event()

        async def waiter() -> None:
            async with refresh_lock(codex_home, key_for(codex_home)):
                entered.set()

        task = asyncio.create_task(waiter())
        ticks = 0
        while ticks < 20:  # the loop keeps running other work while the waiter waits
            await asyncio.sleep(0.005)
            ticks += 1
        assert not entered.is_set(), "got the lock while another process held it"
        release.touch()
        await asyncio.wait_for(task, _SAFETY_NET_SEC)
        assert entered.is_set()
    finally:
        release.touch()
        holder.wait(timeout=_SAFETY_NET_SEC)


async def test_a_cancelled_wait_does_not_keep_the_lock(codex_home: Path, tmp_path: Path) -> None:
    held, release = tmp_path / "held", tmp_path / "release"
    holder = _start("hold", str(codex_home), str(held), str(release))
    try:
        await _wait_for_file(held, holder)

        async def waiter() -> None:
            async with refresh_lock(codex_home, key_for(codex_home)):
                pytest.fail("entered the lock after being cancelled")

        task = asyncio.create_task(waiter())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.touch()
        assert holder.wait(timeout=_SAFETY_NET_SEC) == 0
        # The abandoned wait got the lock once the holder left and gave it back at once.
        await asyncio.wait_for(_take_and_leave(codex_home), _SAFETY_NET_SEC)
        second = _start("hold", str(codex_home), str(tmp_path / "held2"), str(release))
        assert second.wait(timeout=_SAFETY_NET_SEC) == 0
    finally:
        release.touch()
        holder.wait(timeout=_SAFETY_NET_SEC)


async def _take_and_leave(codex_home: Path) -> None:
    async with refresh_lock(codex_home, key_for(codex_home)):
        pass


async def test_lock_files_are_private(codex_home: Path) -> None:
    key = key_for(codex_home)
    async with refresh_lock(codex_home, key):
        pass
    path = refresh_lock_path(codex_home, key)
    assert path.parent.parent == codex_home
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
