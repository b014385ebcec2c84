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


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created 0600) for the duration of the block.

    Blocking: for use inside synchronous store code that already runs in a worker thread.
    """
    fd = open_lock_file(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(fd)
