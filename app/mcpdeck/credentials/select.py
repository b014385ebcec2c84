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

The stores themselves, created on first use, are ``stores.StoreSet``; the old records are
``legacy``. Cheap to create and import: nothing is probed until first use. Every method blocks:
async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from mcpdeck.credentials.legacy import delete_legacy, locate_legacy, migrate_registration
from mcpdeck.credentials.record import (
    CODEX_KEYRING_SERVICE,
    OWN_KEYRING_SERVICE,
    ClientRegistration,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    StoreUnavailable,
)
from mcpdeck.credentials.stores import BackendName, StoreMode, StoreSet


class Credentials(StoreSet):
    """Every credential operation mcpdeck needs, over the stores the mode allows."""

    def __repr__(self) -> str:
        return f"Credentials(mode={self.mode!r}, codex_home={str(self.codex_home)!r})"

    def key(self, server_name: str, server_url: str) -> CredentialKey:
        return CredentialKey(self.canonical_home, server_name, server_url)

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
                self.note(f"old mcpdeck credentials of '{key.server_name}' not moved: {exc}")
            else:
                self.note(
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
        legacy = locate_legacy(self, key)
        if legacy is not None:
            return legacy, "legacy"
        return None

    def _locate_codex(self, key: CredentialKey) -> tuple[CredentialRecord, BackendName] | None:
        if self.secrets_storage:
            # Codex reads only the secrets store then (and the file when the keyring fails).
            if self.mode == "auto" and not self.keyring_usable():
                record = self.codex_file.load(key)
                return (record, "file") if record is not None else None
            record = self.codex_secrets.load(key)
            return (record, "secrets") if record is not None else None
        for name in self.codex_order():
            if name == "keyring":
                try:
                    if not self.may_hold(CODEX_KEYRING_SERVICE, key.store_key()):
                        continue
                    record = self.codex_keyring.load(key)
                except StoreUnavailable as exc:
                    if self.mode == "keyring":
                        raise
                    self.note(f"keyring skipped: {exc}")
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
        if backend != "file" and not self.may_hold(OWN_KEYRING_SERVICE, account):
            return record
        try:
            extras = self.own(backend).get(account)
        except CredentialStoreError:
            return record
        if extras is None:
            return record
        record = apply_extras(record, extras)
        register_secrets([record.client_secret])
        return record

    def save(self, key: CredentialKey, record: CredentialRecord) -> BackendName:
        """Store ``record`` where Codex reads it; returns the store written."""
        backend = self._save_codex(key, record)
        from mcpdeck.credentials.codex_layout import extras_of
        from mcpdeck.credentials.own_records import extras_account

        try:
            own = self.own(backend)
            extras = extras_of(record)
            if backend == "keyring":
                # The keyring account has no CODEX_HOME in it: remember who uses the entry.
                extras["homes"] = [*self._homes_of(own, key), self.canonical_home]
                extras["homes"] = sorted(set(extras["homes"]))
            own.set(extras_account(key.store_key()), extras, key.store_key())
            if backend != "file":
                self.listed_add(OWN_KEYRING_SERVICE, extras_account(key.store_key()))
        except StoreUnavailable as exc:
            self.note(f"mcpdeck's own record of '{key.server_name}' not saved: {exc}")
        delete_legacy(self, key)
        return backend

    def _save_codex(self, key: CredentialKey, record: CredentialRecord) -> BackendName:
        from mcpdeck.credentials.codex_layout import check_writable

        check_writable(record)
        if self.secrets_storage and (self.mode == "keyring" or self.keyring_usable()):
            self.codex_secrets.save(key, record)
            with contextlib.suppress(CredentialStoreError):
                self.codex_file.delete(key)  # as Codex does after a secrets-store write
            return "secrets"
        if self.mode == "file" or self.secrets_storage:
            self.codex_file.save(key, record)
            return "file"
        if self.mode == "keyring":
            self.codex_keyring.save(key, record)
            self.listed_add(CODEX_KEYRING_SERVICE, key.store_key())
        else:
            try:
                self.codex_keyring.save(key, record)
                self.listed_add(CODEX_KEYRING_SERVICE, key.store_key())
            except StoreUnavailable as exc:
                self.note(f"keyring skipped: {exc}")
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
            homes = self._homes_of(self.own("keyring"), key)
        except CredentialStoreError:
            return []
        return [h for h in homes if h != self.canonical_home and Path(h).is_dir()]

    def migrate(self, key: CredentialKey) -> BackendName | None:
        """Move an old mcpdeck record into Codex's layout; returns where, None if there was none."""
        if self._locate_codex(key) is not None:
            delete_legacy(self, key)
            return None
        legacy = locate_legacy(self, key)
        if legacy is None:
            return None
        backend = self.save(key, legacy)
        self.note(f"moved the old mcpdeck credentials of '{key.server_name}' to Codex's {backend}")
        return backend

    def delete_everywhere(self, key: CredentialKey) -> list[BackendName]:
        """Log out: delete ``key`` from every store that works; returns those that held it."""
        from mcpdeck.credentials.own_records import extras_account

        removed: list[BackendName] = []
        secrets = self.codex_secrets
        if secrets.path.exists() and self.keyring_usable() and secrets.delete(key):
            removed.append("secrets")
        try:
            if self.codex_keyring.delete(key):
                removed.append("keyring")
        except StoreUnavailable as exc:
            self.note(f"keyring skipped: {exc}")
        if self.codex_file.delete(key):
            removed.append("file")
        for own in ("keyring", "file"):
            with contextlib.suppress(CredentialStoreError):
                if own == "file" or self.keyring.available:
                    self.own(own).delete(extras_account(key.store_key()))
        if delete_legacy(self, key):
            removed.append("legacy")
        return removed

    # ----- client registrations (per authorization-server issuer)

    def load_registration(self, issuer: str) -> ClientRegistration | None:
        from mcpdeck.credentials.own_records import registration_account

        for own in self.own_stores():
            try:
                data = own.get(registration_account(self.canonical_home, issuer))
            except StoreUnavailable as exc:
                if self.mode == "keyring":
                    raise
                self.note(f"keyring skipped: {exc}")
                continue
            if isinstance(data, dict):
                try:
                    return ClientRegistration.from_json(data)
                except TypeError:
                    continue
        return migrate_registration(self, issuer, self.save_registration)

    def save_registration(self, registration: ClientRegistration) -> BackendName:
        from mcpdeck.credentials.own_records import registration_account

        account = registration_account(self.canonical_home, registration.issuer)
        label = f"OAuth client at {registration.issuer}"
        order = self.codex_order()
        for name in order:
            try:
                self.own(name).set(account, registration.to_json(), label)
                return name
            except StoreUnavailable as exc:
                if self.mode == "keyring":
                    raise
                self.note(f"keyring skipped: {exc}")
        self.own("file").set(account, registration.to_json(), label)
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


__all__ = ["Credentials", "open_store"]
