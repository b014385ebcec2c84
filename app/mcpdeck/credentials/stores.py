"""The stores one CODEX_HOME's credentials may live in, created on first use, and what is known
about them: is the keyring usable, which accounts does a keyring service hold, which remarks
were made on the way.

``Credentials`` (``select``) decides which store a record comes from and goes to; this module
only holds them. Nothing is imported or probed until a store is used.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mcpdeck.credentials.record import CredentialStoreError, StoreUnavailable, canonical_codex_home

if TYPE_CHECKING:
    from mcpdeck.credentials.codex_file import CodexFileStore
    from mcpdeck.credentials.codex_keyring import CodexKeyringStore
    from mcpdeck.credentials.file_store import FileStore
    from mcpdeck.credentials.keyring_store import KeyringStore
    from mcpdeck.credentials.own_records import OwnFileRecords, OwnKeyringRecords
    from mcpdeck.credentials.secrets_store import CodexSecretsStore

StoreMode = Literal["auto", "keyring", "file"]
BackendName = Literal["keyring", "file", "secrets", "legacy"]
_MODES = ("auto", "keyring", "file")
_LISTING_TTL_SEC = 1.0
# The old encrypted file (``file_store.STORE_FILE``), named here so that asking whether there
# is one imports nothing.
LEGACY_FILE = "mcpdeck-credentials.enc"


class StoreSet:
    """The stores of one CODEX_HOME under one ``mcp_oauth_credentials_store`` mode."""

    def __init__(
        self,
        mode: StoreMode,
        codex_home: Path,
        *,
        keyring_backend: Any | None = None,
        secrets_storage: bool = False,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"unknown credentials store mode {mode!r}")
        self.mode: StoreMode = mode
        self.codex_home = Path(codex_home).expanduser()
        self.canonical_home = canonical_codex_home(self.codex_home)
        self.secrets_storage = secrets_storage and mode != "file"
        # Human-readable remarks (why the keyring was skipped, a record migrated); no secrets.
        self.notes: list[str] = []
        self._keyring_backend = keyring_backend
        self._keyring: KeyringStore | None = None
        self._codex_keyring: CodexKeyringStore | None = None
        self._codex_file: CodexFileStore | None = None
        self._codex_secrets: CodexSecretsStore | None = None
        self._legacy_file: FileStore | None = None
        self._lock = threading.Lock()
        # Accounts per keyring service, listed once (a lookup per server would cost a D-Bus
        # round trip each); None: not listed yet or the backend cannot list.
        self._listed: dict[str, tuple[float, set[str] | None]] = {}

    # ----- stores (created on first use)

    @property
    def keyring(self) -> KeyringStore:
        with self._lock:
            if self._keyring is None:
                from mcpdeck.credentials.keyring_store import KeyringStore

                self._keyring = KeyringStore(self._keyring_backend)
            return self._keyring

    @property
    def codex_keyring(self) -> CodexKeyringStore:
        keyring = self.keyring
        with self._lock:
            if self._codex_keyring is None:
                from mcpdeck.credentials.codex_keyring import CodexKeyringStore

                self._codex_keyring = CodexKeyringStore(keyring)
            return self._codex_keyring

    @property
    def codex_file(self) -> CodexFileStore:
        with self._lock:
            if self._codex_file is None:
                from mcpdeck.credentials.codex_file import CodexFileStore

                self._codex_file = CodexFileStore(self.codex_home)
            return self._codex_file

    @property
    def codex_secrets(self) -> CodexSecretsStore:
        keyring = self.keyring
        with self._lock:
            if self._codex_secrets is None:
                from mcpdeck.credentials.secrets_store import CodexSecretsStore

                self._codex_secrets = CodexSecretsStore(self.codex_home, keyring)
            return self._codex_secrets

    # The pre-Codex-layout stores, read for migration only.
    @property
    def legacy_file(self) -> FileStore:
        with self._lock:
            if self._legacy_file is None:
                from mcpdeck.credentials.file_store import FileStore

                self._legacy_file = FileStore(self.codex_home)
            return self._legacy_file

    def has_legacy_file(self) -> bool:
        """Whether the old encrypted file is there, without importing ``file_store`` when it is
        not (nearly always): about 1 ms of every login's save."""
        return (self.codex_home / LEGACY_FILE).exists()

    # Kept for callers that name the backends (doctor, TUI).
    @property
    def file(self) -> CodexFileStore:
        return self.codex_file

    @property
    def backends_available(self) -> list[BackendName]:
        names: list[BackendName] = []
        if self.keyring.available:
            names.append("keyring")
        names.append("file")
        return names

    def recheck(self) -> None:
        """For long-lived callers (the TUI): probe the keyring again on next use, drop notes."""
        with self._lock:
            keyring, self.notes = self._keyring, []
            self._listed = {}
        if keyring is not None:
            keyring.reset()

    def may_hold(self, service: str, account: str) -> bool:
        """False only when a fresh listing of ``service`` shows ``account`` is absent.

        A listing serves one pass over many servers (``list``, a TUI refresh) and expires
        after a second, so a long-lived TUI still sees logins made by Codex meanwhile.
        """
        now = time.monotonic()
        with self._lock:
            cached = self._listed.get(service)
        if cached is None or now - cached[0] > _LISTING_TTL_SEC:
            try:
                found = self.keyring.accounts(service)
            except CredentialStoreError:
                found = None
            cached = (now, set(found) if found is not None else None)
            with self._lock:
                self._listed[service] = cached
        listed = cached[1]
        return listed is None or account in listed

    def listed_add(self, service: str, account: str) -> None:
        with self._lock:
            cached = self._listed.get(service)
            if cached is not None and cached[1] is not None:
                cached[1].add(account)

    def note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    def keyring_usable(self) -> bool:
        try:
            self.keyring.check()
        except StoreUnavailable as exc:
            self.note(f"keyring skipped: {exc}")
            return False
        return True

    def codex_order(self) -> list[Literal["keyring", "file"]]:
        if self.mode == "keyring":
            return ["keyring"]
        if self.mode == "file":
            return ["file"]
        return ["keyring", "file"] if self.keyring_usable() else ["file"]

    def own(self, backend: str) -> OwnKeyringRecords | OwnFileRecords:
        from mcpdeck.credentials.own_records import OwnFileRecords, OwnKeyringRecords

        if backend in ("keyring", "secrets"):
            return OwnKeyringRecords(self.keyring)
        return OwnFileRecords(self.codex_home)

    def own_stores(self) -> list[OwnKeyringRecords | OwnFileRecords]:
        return [self.own(name) for name in self.codex_order()]
