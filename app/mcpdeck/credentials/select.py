"""Choosing where credentials live: ``mcp_oauth_credentials_store = "auto" | "keyring" | "file"``.

``open_store(mode, codex_home)`` returns a :class:`Credentials` facade over both backends:
- auto: read the keyring first, then the encrypted file; write to the keyring, or to the file
  when the keyring is unavailable (why is kept in ``notes`` for display);
- keyring / file: only that backend (an unavailable keyring is an error);
- logout (``delete_everywhere``) always deletes from every backend that works.

Cheap to create and to import: no backend library is imported and nothing is probed until the
first read; the keyring is probed once per facade, and the decrypted file is cached (re-read
only when it changes on disk), so ``locate`` for 100 servers is cheap. Every method blocks:
async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mcpdeck.credentials.record import (
    ClientRegistration,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    StoreUnavailable,
    canonical_codex_home,
)

if TYPE_CHECKING:
    from mcpdeck.credentials.file_store import FileStore
    from mcpdeck.credentials.keyring_store import KeyringStore

StoreMode = Literal["auto", "keyring", "file"]
BackendName = Literal["keyring", "file"]
_MODES = ("auto", "keyring", "file")


class Credentials:
    """Every credential operation mcpdeck needs, over the backends the mode allows."""

    def __init__(
        self,
        mode: StoreMode,
        codex_home: Path,
        *,
        keyring_backend: Any | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"unknown credentials store mode {mode!r}")
        self.mode: StoreMode = mode
        self.codex_home = Path(codex_home).expanduser()
        self.canonical_home = canonical_codex_home(self.codex_home)
        # Human-readable remarks (why the keyring was skipped, a file set aside); no secrets.
        self.notes: list[str] = []
        self._keyring_backend = keyring_backend
        self._keyring: KeyringStore | None = None
        self._file: FileStore | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Credentials(mode={self.mode!r}, codex_home={str(self.codex_home)!r})"

    # ----- backends (created on first use)

    @property
    def keyring(self) -> KeyringStore:
        with self._lock:
            if self._keyring is None:
                from mcpdeck.credentials.keyring_store import KeyringStore

                self._keyring = KeyringStore(self._keyring_backend)
            return self._keyring

    @property
    def file(self) -> FileStore:
        with self._lock:
            if self._file is None:
                from mcpdeck.credentials.file_store import FileStore

                self._file = FileStore(self.codex_home)
            return self._file

    @property
    def backends_available(self) -> list[BackendName]:
        """The backends that work on this machine right now (the file store always does)."""
        names: list[BackendName] = []
        if self.keyring.available:
            names.append("keyring")
        names.append("file")
        return names

    def recheck(self) -> None:
        """For long-lived callers (the TUI): probe the keyring again on next use, drop notes."""
        with self._lock:
            keyring, self.notes = self._keyring, []
        if keyring is not None:
            keyring.reset()

    def key(self, server_name: str, server_url: str) -> CredentialKey:
        return CredentialKey(self.canonical_home, server_name, server_url)

    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    def _keyring_usable(self) -> bool:
        """In auto mode: is the keyring there? Records why not, once."""
        try:
            self.keyring.check()
        except StoreUnavailable as exc:
            self._note(f"keyring skipped: {exc}")
            return False
        return True

    def _read_order(self) -> list[BackendName]:
        if self.mode == "keyring":
            return ["keyring"]
        if self.mode == "file":
            return ["file"]
        return ["keyring", "file"] if self._keyring_usable() else ["file"]

    # ----- records

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        found = self.locate(key)
        return found[0] if found else None

    def locate(self, key: CredentialKey) -> tuple[CredentialRecord, BackendName] | None:
        """The stored record and the backend holding it, or None when nothing is stored."""
        for name in self._read_order():
            if name == "keyring":
                try:
                    record = self.keyring.load(key)
                except StoreUnavailable as exc:
                    if self.mode == "keyring":
                        raise
                    self._note(f"keyring skipped: {exc}")
                    continue
            else:
                record = self.file.load(key)
            if record is not None:
                return record, name
        return None

    def save(self, key: CredentialKey, record: CredentialRecord) -> BackendName:
        """Store ``record``; returns the backend written ("keyring" or "file")."""
        if self.mode == "file":
            self.file.save(key, record)
            return "file"
        if self.mode == "keyring":
            self.keyring.save(key, record)
            return "keyring"
        try:
            self.keyring.save(key, record)
        except StoreUnavailable as exc:
            self._note(f"keyring skipped: {exc}")
            self.file.save(key, record)
            return "file"
        self._drop_stale_file_copy(key)
        return "keyring"

    def _drop_stale_file_copy(self, key: CredentialKey) -> None:
        # An older copy in the file would be read if the keyring later became unavailable.
        if not self.file.has_file():
            return
        # An unreadable file's copy can never be read either.
        with contextlib.suppress(CredentialStoreError):
            self.file.delete(key)

    def delete_everywhere(self, key: CredentialKey) -> list[BackendName]:
        """Delete ``key`` from every backend that works; returns those that held it."""
        removed: list[BackendName] = []
        try:
            if self.keyring.delete(key):
                removed.append("keyring")
        except StoreUnavailable as exc:
            self._note(f"keyring skipped: {exc}")
        if self.file.has_file():
            try:
                if self.file.delete(key):
                    removed.append("file")
            except CredentialStoreError:
                aside = self.file.delete_unreadable()
                if aside is not None:
                    self._note(
                        f"{self.file.path} could not be decrypted; moved aside to {aside.name}"
                    )
                    removed.append("file")
        return removed

    # ----- client registrations (per authorization-server issuer, per CODEX_HOME)

    def load_registration(self, issuer: str) -> ClientRegistration | None:
        for name in self._read_order():
            if name == "keyring":
                try:
                    found = self.keyring.load_registration(self.canonical_home, issuer)
                except StoreUnavailable as exc:
                    if self.mode == "keyring":
                        raise
                    self._note(f"keyring skipped: {exc}")
                    continue
            else:
                found = self.file.load_registration(self.canonical_home, issuer)
            if found is not None:
                return found
        return None

    def save_registration(self, registration: ClientRegistration) -> BackendName:
        if self.mode == "file":
            self.file.save_registration(self.canonical_home, registration)
            return "file"
        if self.mode == "keyring":
            self.keyring.save_registration(self.canonical_home, registration)
            return "keyring"
        try:
            self.keyring.save_registration(self.canonical_home, registration)
        except StoreUnavailable as exc:
            self._note(f"keyring skipped: {exc}")
            self.file.save_registration(self.canonical_home, registration)
            return "file"
        return "keyring"


def open_store(
    mode: StoreMode, codex_home: Path, *, keyring_backend: Any | None = None
) -> Credentials:
    """The credentials of one CODEX_HOME, per ``mcp_oauth_credentials_store``.

    ``keyring_backend``: a python-keyring backend to use instead of the detected one.
    """
    return Credentials(mode, codex_home, keyring_backend=keyring_backend)


__all__ = ["BackendName", "Credentials", "StoreMode", "open_store"]
