"""The OS-keyring credential store: any service's entries, and mcpdeck's legacy records.

Codex's records (``codex_keyring``), mcpdeck's own (``own_records``) and the secrets-store key
(``secrets_store``) go through ``get_secret``/``set_secret``/``delete_secret``. The legacy
records (service ``Codex Auth``) have accounts from ``CredentialKey.account()`` (a digest of the
canonical CODEX_HOME, the server name and URL), so two CODEX_HOMEs never share an entry; client
registrations are entries of their own (``registration_account``). The value is the JSON of the
record.

Which keyring is used is ``keyring_clients``'s choice, probed once per store on first use;
every call blocks, so async callers run them with ``asyncio.to_thread``. Unavailability (no
keyring, no D-Bus, no Secret Service, locked collection) raises :class:`StoreUnavailable` with
one line saying what to do (``keyring_messages``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from mcpdeck.credentials.keyring_clients import KeyringClient, client_for_backend, default_client
from mcpdeck.credentials.record import (
    KEYRING_SERVICE,
    ClientRegistration,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    StoreUnavailable,
    registration_account,
)


class KeyringStore:
    """Credentials in the OS keyring. Blocking; safe to call from several threads."""

    name = "keyring"

    def __init__(self, backend: Any | None = None) -> None:
        """``backend``: a python-keyring backend to use instead of the detected one."""
        self._backend = backend
        self._client: KeyringClient | None = None
        self._error: StoreUnavailable | None = None
        self._resolve_lock = threading.Lock()

    def __repr__(self) -> str:
        state = "unavailable" if self._error else ("ready" if self._client else "unprobed")
        return f"KeyringStore({state})"

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` when the keyring cannot be used (probed once)."""
        self._get_client()

    def reset(self) -> None:
        """Forget the probe result (the user may have unlocked or started the keyring since)."""
        with self._resolve_lock:
            self._client = None
            self._error = None

    @property
    def available(self) -> bool:
        try:
            self.check()
        except StoreUnavailable:
            return False
        return True

    @property
    def unavailable_reason(self) -> str | None:
        return None if self.available else str(self._error)

    def _get_client(self) -> KeyringClient:
        with self._resolve_lock:
            if self._client is not None:
                return self._client
            if self._error is not None:
                raise self._error
            try:
                if self._backend is not None:
                    self._client = client_for_backend(self._backend)
                else:
                    self._client = default_client()
            except StoreUnavailable as exc:
                self._error = exc
                raise
            return self._client

    # ----- any service (Codex's records, mcpdeck's own records)

    def get_secret(self, service: str, account: str) -> str | None:
        return self._get_client().get(service, account)

    def set_secret(
        self,
        service: str,
        account: str,
        label: str,
        value: str,
        attributes: dict[str, str] | None = None,
    ) -> None:
        self._get_client().set(service, account, label, value, attributes or {})

    def delete_secret(self, service: str, account: str) -> bool:
        return self._get_client().delete(service, account)

    def accounts(self, service: str) -> frozenset[str] | None:
        """The accounts under ``service`` (one search), or None when the backend cannot list."""
        return self._get_client().accounts(service)

    # ----- the legacy records (service "Codex Auth", accounts mcp|… and mcp-client|…)

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        what = f"credentials of '{key.server_name}'"
        data = self._load_json(key.account(), what)
        if data is None:
            return None
        try:
            return CredentialRecord.from_json(data)
        except TypeError:  # fields missing: written by something else
            raise self._bad_entry(key.account(), what) from None

    def save(self, key: CredentialKey, record: CredentialRecord) -> None:
        label = f"{KEYRING_SERVICE}: MCP server '{key.server_name}' ({key.server_url})"
        self._get_client().set(
            KEYRING_SERVICE, key.account(), label, json.dumps(record.to_json()), {}
        )

    def delete(self, key: CredentialKey) -> bool:
        return self._get_client().delete(KEYRING_SERVICE, key.account())

    def load_registration(self, codex_home: str, issuer: str) -> ClientRegistration | None:
        account = registration_account(codex_home, issuer)
        what = f"client registration at {issuer}"
        data = self._load_json(account, what)
        if data is None:
            return None
        try:
            return ClientRegistration.from_json(data)
        except TypeError:
            raise self._bad_entry(account, what) from None

    def save_registration(self, codex_home: str, registration: ClientRegistration) -> None:
        label = f"{KEYRING_SERVICE}: OAuth client at {registration.issuer}"
        account = registration_account(codex_home, registration.issuer)
        self._get_client().set(
            KEYRING_SERVICE, account, label, json.dumps(registration.to_json()), {}
        )

    def delete_registration(self, codex_home: str, issuer: str) -> bool:
        return self._get_client().delete(KEYRING_SERVICE, registration_account(codex_home, issuer))

    def _load_json(self, account: str, what: str) -> dict[str, Any] | None:
        raw = self._get_client().get(KEYRING_SERVICE, account)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self._bad_entry(account, what)
        return data

    @staticmethod
    def _bad_entry(account: str, what: str) -> CredentialStoreError:
        return CredentialStoreError(
            f"keyring entry '{KEYRING_SERVICE}' / '{account}' ({what}) is unreadable; "
            "log in again to replace it"
        )


__all__ = ["KeyringStore"]
