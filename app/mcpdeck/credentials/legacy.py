"""Records mcpdeck wrote before it used Codex's layout: found, moved, then deleted.

Keyring service ``Codex Auth`` accounts ``mcp|…`` and ``mcp-client|…`` (``keyring_store``), and
the encrypted ``mcpdeck-credentials.enc`` (``file_store``). They are read only to be moved into
Codex's layout; Codex's own ``Codex Auth`` entries (``cli|…``) are never touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from mcpdeck.credentials.record import (
    LEGACY_KEYRING_SERVICE,
    ClientRegistration,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    StoreUnavailable,
)
from mcpdeck.credentials.stores import StoreSet


def locate_legacy(stores: StoreSet, key: CredentialKey) -> CredentialRecord | None:
    """A record from before Codex's layout (read-only; errors only noted)."""
    if stores.mode != "file":
        try:
            if stores.keyring.available and stores.may_hold(LEGACY_KEYRING_SERVICE, key.account()):
                record = stores.keyring.load(key)
                if record is not None:
                    return record
        except CredentialStoreError as exc:
            stores.note(f"old mcpdeck keyring entry of '{key.server_name}' unreadable: {exc}")
    if stores.has_legacy_file():
        from mcpdeck.credentials.file_store import PassphraseRequired

        try:
            return stores.legacy_file.load(key)
        except PassphraseRequired:
            raise  # it may hold this server's tokens: say what to do, never "log in again"
        except CredentialStoreError as exc:
            stores.note(str(exc))
    return None


def delete_legacy(stores: StoreSet, key: CredentialKey) -> list[str]:
    """Delete the old records of ``key`` (only mcpdeck's own accounts, never ``cli|…``)."""
    removed: list[str] = []
    if stores.mode != "file":
        try:
            if stores.keyring.available and stores.keyring.delete(key):
                removed.append("legacy")
        except StoreUnavailable:
            pass
    if stores.has_legacy_file():
        from mcpdeck.credentials.file_store import PassphraseRequired

        try:
            if stores.legacy_file.delete(key):
                removed.append("legacy")
        except PassphraseRequired as exc:
            stores.note(str(exc))
        except CredentialStoreError:
            aside = stores.legacy_file.delete_unreadable()
            if aside is not None:
                stores.note(
                    f"{stores.legacy_file.path} could not be decrypted; moved aside to {aside.name}"
                )
                removed.append("legacy")
        with contextlib.suppress(CredentialStoreError, OSError):
            stores.legacy_file.remove_if_empty()
    return removed


def migrate_registration(
    stores: StoreSet, issuer: str, save: Callable[[ClientRegistration], object]
) -> ClientRegistration | None:
    """An old client registration for ``issuer``, moved into mcpdeck's own records by ``save``."""
    found: ClientRegistration | None = None
    if stores.mode != "file" and stores.keyring.available:
        with contextlib.suppress(CredentialStoreError):
            found = stores.keyring.load_registration(stores.canonical_home, issuer)
            if found is not None:
                save(found)
                stores.keyring.delete_registration(stores.canonical_home, issuer)
                return found
    if stores.has_legacy_file():
        with contextlib.suppress(CredentialStoreError):
            found = stores.legacy_file.load_registration(stores.canonical_home, issuer)
            if found is not None:
                save(found)
                stores.legacy_file.delete_registration(stores.canonical_home, issuer)
                with contextlib.suppress(OSError):
                    stores.legacy_file.remove_if_empty()
    return found
