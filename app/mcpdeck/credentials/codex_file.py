"""Codex's fallback file store: ``$CODEX_HOME/.credentials.json``, plain JSON, mode 0600.

Like Codex 0.171.0, every read and every read-modify-write holds the exclusive ``flock`` on
``$CODEX_HOME/mcp-oauth-locks/file-store.lock``, and the file is removed when its last entry
goes. The file is not encrypted (Codex's format); its protection is its mode.
"""

from __future__ import annotations

import contextlib
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcpdeck.credentials.codex_layout import (
    FILE_STORE_NAME,
    file_store_lock_path,
    from_file_entry,
    to_file_entry,
)
from mcpdeck.credentials.file_lock import file_lock
from mcpdeck.credentials.private_file import file_version, write_private
from mcpdeck.credentials.record import CredentialKey, CredentialRecord, CredentialStoreError

_MAX_FILE_BYTES = 16 * 1024 * 1024
# Codex 0.171.0 gives up on its store lock after 60 s (and then never falls back elsewhere).
LOCK_TIMEOUT_SEC = 60.0


class CodexFileStore:
    """Codex's ``.credentials.json`` under one CODEX_HOME. Blocking."""

    name = "file"

    def __init__(self, codex_home: Path) -> None:
        self.codex_home = Path(codex_home).expanduser()
        self.path = self.codex_home / FILE_STORE_NAME
        self.lock_path = file_store_lock_path(self.codex_home)
        # (stat signature, parsed contents): 100 servers, one locked read.
        self._cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"CodexFileStore({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    def readable_by_others(self) -> bool:
        try:
            return bool(self.path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
        except OSError:
            return False

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        signature = file_version(self.path)
        if signature is None:  # no lock file created just to find nothing
            return None
        if self._cache is not None and self._cache[0] == signature:
            contents = self._cache[1]
        else:
            with file_lock(self.lock_path, timeout=LOCK_TIMEOUT_SEC):
                signature = file_version(self.path)
                contents = self._read()
            if signature is not None:
                self._cache = (signature, contents)
        entry = contents.get(key.store_key())
        if entry is None:
            return None
        return from_file_entry(entry, key, str(self.path))

    def save(self, key: CredentialKey, record: CredentialRecord) -> None:
        entry = to_file_entry(record)

        def change(contents: dict[str, Any]) -> bool:
            contents[key.store_key()] = entry
            return True

        self._modify(change)

    def delete(self, key: CredentialKey) -> bool:
        if not self.path.exists():
            return False
        return self._modify(lambda contents: contents.pop(key.store_key(), None) is not None)

    # ----- internals

    def _modify(self, change: Callable[[dict[str, Any]], bool]) -> bool:
        self.codex_home.mkdir(parents=True, exist_ok=True)
        with file_lock(self.lock_path, timeout=LOCK_TIMEOUT_SEC):
            contents = self._read()
            changed = bool(change(contents))
            if changed:
                self._write(contents)
                self._cache = None
            return changed

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(_MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise CredentialStoreError(
                f"{self.path}: cannot read Codex's credentials file ({exc.strerror}); "
                "check its permissions"
            ) from None
        try:
            if len(raw) > _MAX_FILE_BYTES:
                raise ValueError("too large")
            data = json.loads(raw)
        except (ValueError, UnicodeError):
            data = None
        if not isinstance(data, dict):
            raise CredentialStoreError(
                f"{self.path}: Codex's credentials file is not valid JSON; delete it and log in "
                "again (Codex cannot read it either)"
            )
        return data

    def _write(self, contents: dict[str, Any]) -> None:
        if not contents:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        data = json.dumps(contents, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        write_private(self.path, data)


__all__ = ["CodexFileStore"]
