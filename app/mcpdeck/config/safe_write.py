"""The config edit lock and atomic writes: every config write of mcpdeck goes through here.

Every read-modify-write runs under :func:`locked`: an exclusive ``flock`` on the file's
directory, taken before the file is read, so twenty ``mcpdeck add`` at once add twenty servers
and an ``add`` beside a ``disable`` loses neither. The directory, not the file, because the
atomic rename gives the file a new inode at every write (and the first ``add`` has no file to
lock). Under the lock, temp files left by an edit that was killed are removed. A symlinked
config is edited at its target and a hard-linked one in place, so both links survive.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from mcpdeck.errors import ConfigError

NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700

_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"

# Directories this thread holds the edit lock of (flock on a second descriptor would wait for
# the first: nested calls, such as write_atomic inside an edit, must not take it again).
_held = threading.local()


@contextlib.contextmanager
def locked(file: Path) -> Iterator[Path]:
    """Hold the exclusive edit lock of ``file``'s config directory; yields the path to edit.

    Read the file inside the block, so the change applies to what is on disk now and not to
    what another process replaced a moment ago. Every config write of mcpdeck goes through
    here (``add``, ``remove``, ``enable``/``disable``, the doctor's fixes, trust changes).
    """
    target = _target(file)
    directory = target.parent
    held: set[str] = _held.__dict__.setdefault("dirs", set())
    key = os.path.realpath(directory)  # one key however the caller spelled the path
    if key in held:
        yield target
        return
    if not directory.exists():
        directory.mkdir(parents=True, mode=NEW_DIR_MODE, exist_ok=True)
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(
            f"cannot open the directory to lock it: {exc.strerror or exc}", file=str(target)
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(key)
        try:
            _remove_stale_temps(target)
            yield target
        finally:
            held.discard(key)
    finally:
        os.close(fd)  # releases the lock


def _remove_stale_temps(target: Path) -> None:
    # Only under the lock: no other mcpdeck edit of this directory is writing one right now.
    pattern = f"{_TEMP_PREFIX}{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if entry.name.startswith(pattern) and entry.name.endswith(_TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def write_atomic(path: Path, data: bytes, *, new_mode: int = NEW_FILE_MODE) -> None:
    """Replace ``path`` with ``data``: temp file in the same directory, fsync, rename.

    The old content stays intact if anything fails; an existing file keeps its mode, a new one
    gets ``new_mode`` (0600: config files may name secrets' environment variables and hosts).
    Runs under the edit lock (taken here when the caller does not hold it). A file with other
    hard links is rewritten in place instead: a rename would leave the other names behind on
    the old content.
    """
    with locked(path) as target:
        _write_atomic(target, data, new_mode)


def _write_atomic(path: Path, data: bytes, new_mode: int) -> None:
    parent = path.parent
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    mode = stat.S_IMODE(info.st_mode) if info is not None else new_mode
    if info is not None and info.st_nlink > 1:
        _write_in_place(path, data)
        return
    fd, tmp_name = tempfile.mkstemp(
        dir=parent, prefix=f"{_TEMP_PREFIX}{path.name}.", suffix=_TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(parent)


def _write_in_place(path: Path, data: bytes) -> None:
    # Same inode, so every hard link sees the new content; we hold the edit lock, and the
    # new content is complete in memory before the file is truncated.
    with open(path, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _target(file: Path) -> Path:
    # Edit the file a symlink points to (dotfile managers), never replace the link itself.
    file = Path(file)
    return Path(os.path.realpath(file)) if file.is_symlink() else file


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
