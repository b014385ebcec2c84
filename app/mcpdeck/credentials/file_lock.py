"""The blocking cross-process file lock (``fcntl.flock``), without asyncio.

Kept apart from :mod:`mcpdeck.credentials.lock` so that reading the file store (``mcpdeck list``)
does not import asyncio; see that module for why lock files are never deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from mcpdeck.credentials.record import CredentialStoreError


def open_lock_file(path: Path) -> int:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise CredentialStoreError(
            f"{path}: cannot open lock file ({exc.strerror}); check that CODEX_HOME is writable"
        ) from exc
    # A lock file created by an older version or another umask must not stay readable by others.
    with contextlib.suppress(OSError):
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    return fd


def _poll(fd: int, path: Path, timeout: float) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise CredentialStoreError(
                    f"{path}: another process (Codex or mcpdeck) has held this lock for over "
                    f"{timeout:.0f} s; close it or try again"
                ) from None
            time.sleep(0.05)


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created 0600) for the duration of the block.

    Blocking: for use inside synchronous store code that already runs in a worker thread.
    ``timeout``: give up after that many seconds (as Codex does on its store locks: 60 s,
    polling every 50 ms) with a :class:`CredentialStoreError` instead of waiting forever.
    """
    fd = open_lock_file(path)
    try:
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            _poll(fd, path, timeout)
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(fd)
