"""Cross-process locks on credentials: a blocking one for the file store, an async one for refresh.

Both use ``fcntl.flock`` on a small lock file (mode 0600) under CODEX_HOME, the files Codex
0.171.0 locks (Rust's ``File::lock``/``try_lock`` are ``flock`` on Linux), so every mcpdeck
and Codex process sharing a CODEX_HOME takes turns. The lock files are
never deleted: removing a lock file while another process waits on it would let two holders in.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
import weakref
from collections.abc import AsyncIterator
from pathlib import Path

from mcpdeck.credentials.codex_layout import credential_lock_path
from mcpdeck.credentials.file_lock import open_lock_file
from mcpdeck.credentials.record import CredentialKey, CredentialStoreError

LOCK_DIR_NAME = "mcp-oauth-locks"


def refresh_lock_path(codex_home: Path, key: CredentialKey) -> Path:
    """The per-credential lock serialising refreshes: Codex 0.171.0's own lock file
    (``mcp-oauth-locks/<sha256 of the store key>.lock``), so mcpdeck and a running Codex never
    both redeem one rotating refresh token."""
    return credential_lock_path(codex_home, key)


# One asyncio.Lock per (event loop, lock file): asyncio locks belong to the loop that first used
# them, and tests or embedders may run several loops in one process.
_loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
_loop_locks_guard = threading.Lock()


def _inprocess_lock(path: Path) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    with _loop_locks_guard:
        per_loop = _loop_locks.setdefault(loop, {})
        lock = per_loop.get(str(path))
        if lock is None:
            lock = per_loop[str(path)] = asyncio.Lock()
        return lock


async def _acquire_flock(fd: int) -> None:
    """Take ``flock(fd, LOCK_EX)`` in a daemon thread so neither the loop nor exit ever blocks.

    Owns ``fd`` until it returns normally: on error or cancellation the descriptor is closed
    (for a cancelled wait, as soon as the thread finally gets the lock). A daemon thread rather
    than the default executor, because a process holding the lock forever must not keep this
    one from exiting.
    """
    loop = asyncio.get_running_loop()
    acquired: asyncio.Future[None] = loop.create_future()
    abandoned = threading.Event()

    # settle() and the cancellation handler both run on the loop thread, so exactly one of
    # them closes fd when the wait was abandoned.
    def settle(error: BaseException | None) -> None:
        if abandoned.is_set():
            if error is None:
                os.close(fd)
            return
        if error is None:
            acquired.set_result(None)
        else:
            acquired.set_exception(error)

    def worker() -> None:
        error: BaseException | None = None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            os.close(fd)
            error = CredentialStoreError(f"cannot lock credentials for refresh ({exc.strerror})")
        if abandoned.is_set():
            if error is None:
                os.close(fd)
            return
        try:
            loop.call_soon_threadsafe(settle, error)
        except RuntimeError:  # the loop is closed: nobody will use the lock
            if error is None:
                os.close(fd)

    threading.Thread(target=worker, name="mcpdeck-refresh-lock", daemon=True).start()
    try:
        await asyncio.shield(acquired)
    except asyncio.CancelledError:
        abandoned.set()
        if acquired.done() and acquired.exception() is None:
            os.close(fd)  # the lock was handed over just before the cancellation
        raise


@contextlib.asynccontextmanager
async def refresh_lock(codex_home: Path, key: CredentialKey) -> AsyncIterator[None]:
    """Single-flight token refresh for one credential, within this process and across processes.

    ``async with refresh_lock(codex_home, key): ...`` — the event loop never blocks while
    waiting. Callers MUST re-read the credential from the store once the lock is held: another
    coroutine or process may have refreshed (and rotated the refresh token) while this one
    waited; only refresh when the freshly read record still needs it.
    """
    path = refresh_lock_path(codex_home, key)
    async with _inprocess_lock(path):
        # Opening a local file is quick; only the wait for the lock happens off the loop.
        fd = open_lock_file(path)
        await _acquire_flock(fd)
        try:
            yield
        finally:
            os.close(fd)
