"""Codex's keyring records: service ``Codex MCP Credentials``, account ``<name>|<hash>``.

Items are written with the attributes Rust's keyring crate (v3, Codex 0.171.0) writes and
searches by — ``service``, ``username``, ``target=default``, ``application=rust-keyring`` and
the generic schema — so Codex finds and replaces what mcpdeck writes, and the other way round.
"""

from __future__ import annotations

import json

from mcpdeck.credentials.codex_layout import from_keyring_json, to_keyring_json
from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.record import CODEX_KEYRING_SERVICE, CredentialKey, CredentialRecord

_TARGET = "default"
# The version Codex 0.171.0 links; only the label (shown in Seahorse) carries it.
_RUST_KEYRING = "keyring v3.6.3"
RUST_KEYRING_ATTRIBUTES = {
    "application": "rust-keyring",
    "target": _TARGET,
    "xdg:schema": "org.freedesktop.Secret.Generic",
}


def _where(account: str) -> str:
    return f"keyring entry '{CODEX_KEYRING_SERVICE}' / '{account}'"


class CodexKeyringStore:
    """Codex's MCP OAuth records in the OS keyring. Blocking."""

    name = "keyring"

    def __init__(self, keyring: KeyringStore) -> None:
        self.keyring = keyring

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        account = key.store_key()
        raw = self.keyring.get_secret(CODEX_KEYRING_SERVICE, account)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        return from_keyring_json(data, key, _where(account))

    def save(self, key: CredentialKey, record: CredentialRecord) -> None:
        account = key.store_key()
        value = json.dumps(to_keyring_json(record), separators=(",", ":"), ensure_ascii=False)
        self.keyring.set_secret(
            CODEX_KEYRING_SERVICE,
            account,
            f"{account}@{CODEX_KEYRING_SERVICE}:{_TARGET} ({_RUST_KEYRING})",
            value,
            RUST_KEYRING_ATTRIBUTES,
        )

    def delete(self, key: CredentialKey) -> bool:
        return self.keyring.delete_secret(CODEX_KEYRING_SERVICE, key.store_key())


__all__ = ["RUST_KEYRING_ATTRIBUTES", "CodexKeyringStore"]
