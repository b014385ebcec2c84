"""mcpdeck's own records: what Codex's layout has no place for.

- client registrations, one per authorization-server issuer (reused by the next login);
- per credential "extras": requested scopes, a client secret, the token endpoint, a refresh
  token the server rejected.

They live next to the tokens: in the keyring under the service ``mcpdeck`` when the tokens are
in the keyring, else in ``$CODEX_HOME/mcpdeck-oauth.json`` (0600, under its own lock). Never
under ``Codex Auth``, and never inside a Codex record, so Codex always reads its records.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from mcpdeck.credentials.digest import sha256_hex
from mcpdeck.credentials.file_lock import file_lock
from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.private_file import write_private
from mcpdeck.credentials.record import OWN_KEYRING_SERVICE

OWN_FILE = "mcpdeck-oauth.json"
OWN_LOCK = Path(".mcpdeck-locks") / "mcpdeck-oauth.lock"


def registration_account(codex_home: str, issuer: str) -> str:
    """Per (canonical) CODEX_HOME and issuer, as before: two homes never share a client."""
    digest = sha256_hex(json.dumps([codex_home, issuer]))[:24]
    return f"registration|{digest}"


def extras_account(store_key: str) -> str:
    return f"extras|{store_key}"


class OwnKeyringRecords:
    name = "keyring"

    def __init__(self, keyring: KeyringStore) -> None:
        self.keyring = keyring

    def get(self, account: str) -> Any:
        raw = self.keyring.get_secret(OWN_KEYRING_SERVICE, account)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None  # unreadable extras are dropped: they are only hints

    def set(self, account: str, value: Any, label: str) -> None:
        self.keyring.set_secret(
            OWN_KEYRING_SERVICE, account, f"mcpdeck: {label}", json.dumps(value)
        )

    def delete(self, account: str) -> bool:
        return self.keyring.delete_secret(OWN_KEYRING_SERVICE, account)


class OwnFileRecords:
    name = "file"

    def __init__(self, codex_home: Path) -> None:
        self.codex_home = Path(codex_home).expanduser()
        self.path = self.codex_home / OWN_FILE
        self.lock_path = self.codex_home / OWN_LOCK

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # hints only: a damaged file is replaced on the next write
        return data if isinstance(data, dict) else {}

    def get(self, account: str) -> Any:
        if not self.path.exists():
            return None
        return self._read().get(account)

    def set(self, account: str, value: Any, label: str) -> None:
        self._modify(lambda data: data.__setitem__(account, value) or True)

    def delete(self, account: str) -> bool:
        if not self.path.exists():
            return False
        return self._modify(lambda data: data.pop(account, None) is not None)

    def _modify(self, change: Any) -> bool:
        self.codex_home.mkdir(parents=True, exist_ok=True)
        with file_lock(self.lock_path):
            data = self._read()
            changed = bool(change(data))
            if not changed:
                return False
            if not data:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return True
            write_private(self.path, json.dumps(data).encode("utf-8"))
            return True


__all__ = [
    "OWN_FILE",
    "OwnFileRecords",
    "OwnKeyringRecords",
    "extras_account",
    "registration_account",
]
