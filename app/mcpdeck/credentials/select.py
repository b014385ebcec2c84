"""Where credentials live, chosen as Codex 0.171.0 chooses: ``mcp_oauth_credentials_store``.

``open_store(mode, codex_home)`` returns a :class:`Credentials` facade. Tokens are Codex's:
- keyring: service ``Codex MCP Credentials`` (``codex_keyring``); file: ``.credentials.json``
  (``codex_file``); auto: the keyring, and the file when the keyring is unavailable or holds
  nothing for the server (reads), or fails (writes). A keyring write removes the file's copy,
  as Codex does.
- With ``[features] secret_auth_storage = true`` Codex keeps them in its encrypted secrets
  store instead (``secrets/mcp_oauth.age``, see ``secrets_store``), and so does mcpdeck.
- mcpdeck's own records (registrations, extras) sit next to the tokens (``own_records``).
- Records mcpdeck wrote before it used Codex's layout (service ``Codex Auth`` accounts
  ``mcp|…``/``mcp-client|…``, ``mcpdeck-credentials.enc``) are found and shown as ``legacy``,
  moved into Codex's layout by the next save (login, refresh) or ``migrate``, then deleted.
  Codex's own ``Codex Auth`` entries (``cli|…``) are never touched.

Cheap to create and import: nothing is probed until first use. Every method blocks: async
callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mcpdeck.credentials.record import (
    CODEX_KEYRING_SERVICE,
    LEGACY_KEYRING_SERVICE,
    OWN_KEYRING_SERVICE,
    ClientRegistration,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    StoreUnavailable,
    canonical_codex_home,
)

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


class Credentials:
    """Every credential operation mcpdeck needs, over the stores the mode allows."""

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

    def __repr__(self) -> str:
        return f"Credentials(mode={self.mode!r}, codex_home={str(self.codex_home)!r})"

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

    def key(self, server_name: str, server_url: str) -> CredentialKey:
        return CredentialKey(self.canonical_home, server_name, server_url)

    def _may_hold(self, service: str, account: str) -> bool:
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

    def _listed_add(self, service: str, account: str) -> None:
        with self._lock:
            cached = self._listed.get(service)
            if cached is not None and cached[1] is not None:
                cached[1].add(account)

    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    def _keyring_usable(self) -> bool:
        try:
            self.keyring.check()
        except StoreUnavailable as exc:
            self._note(f"keyring skipped: {exc}")
            return False
        return True

    def _codex_order(self) -> list[Literal["keyring", "file"]]:
        if self.mode == "keyring":
            return ["keyring"]
        if self.mode == "file":
            return ["file"]
        return ["keyring", "file"] if self._keyring_usable() else ["file"]

    def _own(self, backend: str) -> OwnKeyringRecords | OwnFileRecords:
        from mcpdeck.credentials.own_records import OwnFileRecords, OwnKeyringRecords

        if backend in ("keyring", "secrets"):
            return OwnKeyringRecords(self.keyring)
        return OwnFileRecords(self.codex_home)

    def _own_stores(self) -> list[OwnKeyringRecords | OwnFileRecords]:
        return [self._own(name) for name in self._codex_order()]

    # ----- records

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        """The record to use (login, refresh, a session): an old mcpdeck record found here is
        moved into Codex's layout first, so Codex sees the same login from now on."""
        found = self.locate(key)
        if found is None:
            return None
        record, backend = found
        if backend == "legacy":
            try:
                moved = self.save(key, record)
            except CredentialStoreError as exc:
                self._note(f"old mcpdeck credentials of '{key.server_name}' not moved: {exc}")
            else:
                self._note(
                    f"moved the old mcpdeck credentials of '{key.server_name}' to Codex's {moved}"
                )
        return record

    def locate(self, key: CredentialKey) -> tuple[CredentialRecord, BackendName] | None:
        """The stored record and where it is, or None when nothing is stored.

        Raises :class:`CredentialStoreError` (one line, with a fix) for a bad record, an
        unreadable store, or an old passphrase-keyed file without its passphrase.
        """
        found = self._locate_codex(key)
        if found is not None:
            record, backend = found
            return self._with_extras(key, record, backend), backend
        legacy = self._locate_legacy(key)
        if legacy is not None:
            return legacy, "legacy"
        return None

    def _locate_codex(self, key: CredentialKey) -> tuple[CredentialRecord, BackendName] | None:
        if self.secrets_storage:
            # Codex reads only the secrets store then (and the file when the keyring fails).
            if self.mode == "auto" and not self._keyring_usable():
                record = self.codex_file.load(key)
                return (record, "file") if record is not None else None
            record = self.codex_secrets.load(key)
            return (record, "secrets") if record is not None else None
        for name in self._codex_order():
            if name == "keyring":
                try:
                    if not self._may_hold(CODEX_KEYRING_SERVICE, key.store_key()):
                        continue
                    record = self.codex_keyring.load(key)
                except StoreUnavailable as exc:
                    if self.mode == "keyring":
                        raise
                    self._note(f"keyring skipped: {exc}")
                    continue
            else:
                record = self.codex_file.load(key)
            if record is not None:
                return record, name
        return None

    def _with_extras(
        self, key: CredentialKey, record: CredentialRecord, backend: str
    ) -> CredentialRecord:
        from mcpdeck.credentials.codex_layout import apply_extras
        from mcpdeck.credentials.own_records import extras_account
        from mcpdeck.redact import register_secrets

        account = extras_account(key.store_key())
        if backend != "file" and not self._may_hold(OWN_KEYRING_SERVICE, account):
            return record
        try:
            extras = self._own(backend).get(account)
        except CredentialStoreError:
            return record
        if extras is None:
            return record
        record = apply_extras(record, extras)
        register_secrets([record.client_secret])
        return record

    def _locate_legacy(self, key: CredentialKey) -> CredentialRecord | None:
        """A record from before Codex's layout (read-only; errors only noted)."""
        if self.mode != "file":
            try:
                if self.keyring.available and self._may_hold(LEGACY_KEYRING_SERVICE, key.account()):
                    record = self.keyring.load(key)
                    if record is not None:
                        return record
            except CredentialStoreError as exc:
                self._note(f"old mcpdeck keyring entry of '{key.server_name}' unreadable: {exc}")
        if self.legacy_file.has_file():
            from mcpdeck.credentials.file_store import PassphraseRequired

            try:
                return self.legacy_file.load(key)
            except PassphraseRequired:
                raise  # it may hold this server's tokens: say what to do, never "log in again"
            except CredentialStoreError as exc:
                self._note(str(exc))
        return None

    def save(self, key: CredentialKey, record: CredentialRecord) -> BackendName:
        """Store ``record`` where Codex reads it; returns the store written."""
        backend = self._save_codex(key, record)
        from mcpdeck.credentials.codex_layout import extras_of
        from mcpdeck.credentials.own_records import extras_account

        try:
            own = self._own(backend)
            extras = extras_of(record)
            if backend == "keyring":
                # The keyring account has no CODEX_HOME in it: remember who uses the entry.
                extras["homes"] = [*self._homes_of(own, key), self.canonical_home]
                extras["homes"] = sorted(set(extras["homes"]))
            own.set(extras_account(key.store_key()), extras, key.store_key())
            if backend != "file":
                self._listed_add(OWN_KEYRING_SERVICE, extras_account(key.store_key()))
        except StoreUnavailable as exc:
            self._note(f"mcpdeck's own record of '{key.server_name}' not saved: {exc}")
        self._delete_legacy(key)
        return backend

    def _save_codex(self, key: CredentialKey, record: CredentialRecord) -> BackendName:
        from mcpdeck.credentials.codex_layout import check_writable

        check_writable(record)
        if self.secrets_storage and (self.mode == "keyring" or self._keyring_usable()):
            self.codex_secrets.save(key, record)
            with contextlib.suppress(CredentialStoreError):
                self.codex_file.delete(key)  # as Codex does after a secrets-store write
            return "secrets"
        if self.mode == "file" or self.secrets_storage:
            self.codex_file.save(key, record)
            return "file"
        if self.mode == "keyring":
            self.codex_keyring.save(key, record)
            self._listed_add(CODEX_KEYRING_SERVICE, key.store_key())
        else:
            try:
                self.codex_keyring.save(key, record)
                self._listed_add(CODEX_KEYRING_SERVICE, key.store_key())
            except StoreUnavailable as exc:
                self._note(f"keyring skipped: {exc}")
                self.codex_file.save(key, record)
                return "file"
        # As Codex does: a keyring write removes the fallback file's copy, which would
        # otherwise be read if the keyring later became unavailable.
        with contextlib.suppress(CredentialStoreError):
            self.codex_file.delete(key)
        return "keyring"

    @staticmethod
    def _homes_of(own: Any, key: CredentialKey) -> list[str]:
        from mcpdeck.credentials.own_records import extras_account

        extras = own.get(extras_account(key.store_key()))
        homes = extras.get("homes") if isinstance(extras, dict) else None
        if isinstance(homes, list):
            return [h for h in homes if isinstance(h, str)]
        return []

    def other_homes(self, key: CredentialKey) -> list[str]:
        """Other CODEX_HOMEs (still there) that logged in through the same keyring entry."""
        if self.mode == "file" or self.secrets_storage:
            return []
        try:
            if not self.keyring.available:
                return []
            homes = self._homes_of(self._own("keyring"), key)
        except CredentialStoreError:
            return []
        return [h for h in homes if h != self.canonical_home and Path(h).is_dir()]

    def migrate(self, key: CredentialKey) -> BackendName | None:
        """Move an old mcpdeck record into Codex's layout; returns where, None if there was none."""
        if self._locate_codex(key) is not None:
            self._delete_legacy(key)
            return None
        legacy = self._locate_legacy(key)
        if legacy is None:
            return None
        backend = self.save(key, legacy)
        self._note(f"moved the old mcpdeck credentials of '{key.server_name}' to Codex's {backend}")
        return backend

    def _delete_legacy(self, key: CredentialKey) -> list[str]:
        """Delete the old records of ``key`` (only mcpdeck's own accounts, never ``cli|…``)."""
        removed: list[str] = []
        if self.mode != "file":
            try:
                if self.keyring.available and self.keyring.delete(key):
                    removed.append("legacy")
            except StoreUnavailable:
                pass
        if self.legacy_file.has_file():
            from mcpdeck.credentials.file_store import PassphraseRequired

            try:
                if self.legacy_file.delete(key):
                    removed.append("legacy")
            except PassphraseRequired as exc:
                self._note(str(exc))
            except CredentialStoreError:
                aside = self.legacy_file.delete_unreadable()
                if aside is not None:
                    self._note(
                        f"{self.legacy_file.path} could not be decrypted; moved aside to "
                        f"{aside.name}"
                    )
                    removed.append("legacy")
            with contextlib.suppress(CredentialStoreError, OSError):
                self.legacy_file.remove_if_empty()
        return removed

    def delete_everywhere(self, key: CredentialKey) -> list[BackendName]:
        """Log out: delete ``key`` from every store that works; returns those that held it."""
        from mcpdeck.credentials.own_records import extras_account

        removed: list[BackendName] = []
        secrets = self.codex_secrets
        if secrets.path.exists() and self._keyring_usable() and secrets.delete(key):
            removed.append("secrets")
        try:
            if self.codex_keyring.delete(key):
                removed.append("keyring")
        except StoreUnavailable as exc:
            self._note(f"keyring skipped: {exc}")
        if self.codex_file.delete(key):
            removed.append("file")
        for own in ("keyring", "file"):
            with contextlib.suppress(CredentialStoreError):
                if own == "file" or self.keyring.available:
                    self._own(own).delete(extras_account(key.store_key()))
        if self._delete_legacy(key):
            removed.append("legacy")
        return removed

    # ----- client registrations (per authorization-server issuer)

    def load_registration(self, issuer: str) -> ClientRegistration | None:
        from mcpdeck.credentials.own_records import registration_account

        for own in self._own_stores():
            try:
                data = own.get(registration_account(self.canonical_home, issuer))
            except StoreUnavailable as exc:
                if self.mode == "keyring":
                    raise
                self._note(f"keyring skipped: {exc}")
                continue
            if isinstance(data, dict):
                try:
                    return ClientRegistration.from_json(data)
                except TypeError:
                    continue
        return self._migrate_registration(issuer)

    def _migrate_registration(self, issuer: str) -> ClientRegistration | None:
        found: ClientRegistration | None = None
        if self.mode != "file" and self.keyring.available:
            with contextlib.suppress(CredentialStoreError):
                found = self.keyring.load_registration(self.canonical_home, issuer)
                if found is not None:
                    self.save_registration(found)
                    self.keyring.delete_registration(self.canonical_home, issuer)
                    return found
        if self.legacy_file.has_file():
            with contextlib.suppress(CredentialStoreError):
                found = self.legacy_file.load_registration(self.canonical_home, issuer)
                if found is not None:
                    self.save_registration(found)
                    self.legacy_file.delete_registration(self.canonical_home, issuer)
                    with contextlib.suppress(OSError):
                        self.legacy_file.remove_if_empty()
        return found

    def save_registration(self, registration: ClientRegistration) -> BackendName:
        from mcpdeck.credentials.own_records import registration_account

        account = registration_account(self.canonical_home, registration.issuer)
        label = f"OAuth client at {registration.issuer}"
        order = self._codex_order()
        for name in order:
            try:
                self._own(name).set(account, registration.to_json(), label)
                return name
            except StoreUnavailable as exc:
                if self.mode == "keyring":
                    raise
                self._note(f"keyring skipped: {exc}")
        self._own("file").set(account, registration.to_json(), label)
        return "file"


def open_store(
    mode: StoreMode,
    codex_home: Path,
    *,
    keyring_backend: Any | None = None,
    secrets_storage: bool = False,
) -> Credentials:
    """The credentials of one CODEX_HOME, per ``mcp_oauth_credentials_store``.

    ``keyring_backend``: a python-keyring backend to use instead of the detected one.
    ``secrets_storage``: Codex's ``[features] secret_auth_storage``.
    """
    return Credentials(
        mode, codex_home, keyring_backend=keyring_backend, secrets_storage=secrets_storage
    )


__all__ = ["BackendName", "Credentials", "StoreMode", "open_store"]
