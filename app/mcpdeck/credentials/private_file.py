"""Replace a file that holds secrets so that readers see the old or the new one, never a part.

Every credentials file mcpdeck writes (Codex's ``.credentials.json`` and secrets store, its own
records, the legacy store and its key) goes through :func:`write_private`: a 0600 temporary file
beside the target, written in full and fsynced, renamed over the target, then the directory
fsynced so the rename survives a crash.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from mcpdeck.credentials.record import CredentialStoreError


def write_private(
    path: Path, data: bytes, error: type[CredentialStoreError] = CredentialStoreError
) -> None:
    """Write ``data`` to ``path`` (mode 0600) atomically; ``error`` (one line) when it fails."""
    # A unique name: two processes writing at once must not share (and truncate) one file.
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise error(
            f"{path}: cannot write ({exc.strerror or exc}); the previous file is unchanged — "
            "check free space and permissions in CODEX_HOME"
        ) from None
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def file_version(path: Path) -> tuple[int, int, int] | None:
    """What identifies one version of ``path`` for a cache (every write renames a new file in,
    so the inode changes too); None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
