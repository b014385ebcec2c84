"""KeyringStore over a generic python-keyring backend (macOS, Windows, kwallet, third party).

No such backend runs on the Linux CI host, so a minimal in-memory backend stands in for one:
the point is the adapter (probe, error mapping, delete semantics), not the backend.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from mcpdeck.credentials.keyring_messages import LOCKED, NO_KEYRING
from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.record import KEYRING_SERVICE, StoreUnavailable
from tests.credentials.builders import key_for, make_record


class DictKeyring(KeyringBackend):
    priority = 1
    # python-keyring registers every subclass for auto-detection; keep this one out of it so
    # it never stands in for the real keyring in other tests of this process.
    viable = False

    def __init__(self, locked: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.locked = locked
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("locked")
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.data.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


def test_generic_backend_round_trip(codex_home: Path) -> None:
    backend = DictKeyring()
    store = KeyringStore(backend)
    key = key_for(codex_home)
    record = make_record()
    store.save(key, record)
    assert (KEYRING_SERVICE, key.account()) in backend.data
    assert store.load(key) == record
    assert store.delete(key) is True
    assert store.delete(key) is False
    assert store.load(key) is None


def test_locked_backend_is_unavailable() -> None:
    with pytest.raises(StoreUnavailable) as err:
        KeyringStore(DictKeyring(locked=True)).check()
    assert str(err.value) == LOCKED


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring()],  # type: ignore[no-untyped-call]
)
def test_backends_that_store_nothing_are_unavailable(backend: KeyringBackend) -> None:
    store = KeyringStore(backend)
    assert store.available is False
    assert store.unavailable_reason == NO_KEYRING
