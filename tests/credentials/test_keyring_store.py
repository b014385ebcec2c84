"""The keyring backend against a real Secret Service (gnome-keyring on a private D-Bus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.record import (
    KEYRING_SERVICE,
    ClientRegistration,
    CredentialStoreError,
    StoreUnavailable,
    canonical_codex_home,
)
from tests.credentials.builders import key_for as key_in
from tests.credentials.builders import make_record
from tests.fixtures.secret_service import (
    SecretService,
    fresh_keyring_choice,
    running_secret_service,
)


class _NeverDetected:
    """A ``priority`` that raises: python-keyring registers every KeyringBackend subclass and
    would otherwise pick this one in a later test's detection; only set_keyring installs it."""

    def __get__(self, obj: object, owner: type | None = None) -> float:
        raise RuntimeError("a test's spy, installed only with keyring.set_keyring")


class _SpyBackend(KeyringBackend):
    """A python-keyring backend that only records being asked."""

    priority = _NeverDetected()  # type: ignore[assignment]

    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append("delete")


def test_round_trip_through_the_secret_service(
    secret_service: SecretService, codex_home: Path
) -> None:
    store = KeyringStore()
    key = key_in(codex_home)
    record = make_record()
    assert store.load(key) is None

    store.save(key, record)

    loaded = KeyringStore().load(key)  # a fresh store: nothing cached
    assert loaded == record
    assert store.delete(key) is True
    assert store.load(key) is None
    assert store.delete(key) is False


def test_entries_are_readable_with_python_keyring(
    secret_service: SecretService, codex_home: Path
) -> None:
    """Service "Codex Auth", account from the key, value the record's JSON."""
    import keyring

    key = key_in(codex_home)
    record = make_record()
    KeyringStore().save(key, record)

    raw = keyring.get_password(KEYRING_SERVICE, key.account())
    assert raw is not None
    assert json.loads(raw)["access_token"] == record.access_token
    assert key.account().startswith("mcp|docs|")


def test_saving_again_replaces_the_entry(secret_service: SecretService, codex_home: Path) -> None:
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    key = key_in(codex_home)
    store = KeyringStore()
    store.save(key, make_record())
    newer = make_record()
    store.save(key, newer)

    assert store.load(key) == newer
    with open_dbus_connection(secret_service.address) as conn:
        items = list(
            secretstorage.Collection(conn).search_items(
                {"service": KEYRING_SERVICE, "username": key.account()}
            )
        )
    assert len(items) == 1
    store.delete(key)


def test_two_codex_homes_never_share_credentials(
    secret_service: SecretService, tmp_path: Path
) -> None:
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    home_a.mkdir()
    home_b.mkdir()
    store = KeyringStore()
    record_a, record_b = make_record(), make_record()
    store.save(key_in(home_a), record_a)

    assert store.load(key_in(home_b)) is None
    store.save(key_in(home_b), record_b)
    assert store.load(key_in(home_a)) == record_a
    assert store.load(key_in(home_b)) == record_b

    store.delete(key_in(home_a))
    assert store.load(key_in(home_b)) == record_b
    store.delete(key_in(home_b))


def test_same_home_through_a_symlink_is_the_same_home(
    secret_service: SecretService, codex_home: Path
) -> None:
    link = codex_home.parent / "link-to-home"
    link.symlink_to(codex_home)
    store = KeyringStore()
    record = make_record()
    store.save(key_in(link), record)
    assert store.load(key_in(codex_home)) == record
    store.delete(key_in(codex_home))


def test_a_different_url_is_a_different_record(
    secret_service: SecretService, codex_home: Path
) -> None:
    store = KeyringStore()
    store.save(key_in(codex_home, url="https://one.example/mcp"), make_record())
    assert store.load(key_in(codex_home, url="https://two.example/mcp")) is None
    store.delete(key_in(codex_home, url="https://one.example/mcp"))


def test_registrations_are_kept_per_issuer_and_per_home(
    secret_service: SecretService, tmp_path: Path
) -> None:
    home_a = canonical_codex_home(tmp_path / "a")
    home_b = canonical_codex_home(tmp_path / "b")
    store = KeyringStore()
    first = ClientRegistration(issuer="https://auth-one.example", client_id="one")
    second = ClientRegistration(
        issuer="https://auth-two.example",
        client_id="two",
        client_secret="client-secret-two-xyz",
        token_endpoint_auth_method="client_secret_post",
    )
    store.save_registration(home_a, first)
    store.save_registration(home_a, second)

    assert store.load_registration(home_a, first.issuer) == first
    assert store.load_registration(home_a, second.issuer) == second
    assert store.load_registration(home_b, first.issuer) is None
    assert store.delete_registration(home_a, first.issuer)
    assert store.load_registration(home_a, first.issuer) is None
    assert store.delete_registration(home_a, second.issuer)


def test_a_foreign_entry_gives_a_clear_error_and_a_save_replaces_it(
    secret_service: SecretService, codex_home: Path
) -> None:
    import keyring

    key = key_in(codex_home)
    keyring.set_password(KEYRING_SERVICE, key.account(), "not json at all")
    store = KeyringStore()
    with pytest.raises(CredentialStoreError, match="log in again") as err:
        store.load(key)
    assert "\n" not in str(err.value)

    record = make_record()
    store.save(key, record)
    assert store.load(key) == record
    store.delete(key)


def test_linux_default_talks_to_the_secret_service_without_keyring_config(
    secret_service: SecretService,
    codex_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """No PYTHON_KEYRING_BACKEND, no keyringrc.cfg: the direct Secret Service path is used."""
    import keyring

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty-config"))
    # Had mcpdeck asked python-keyring for its backend, it would have got this one and probed
    # it with a read (KeyringLibClient): an untouched spy means python-keyring never had to look.
    spy = _SpyBackend()
    keyring.set_keyring(spy)
    store = KeyringStore()
    key = key_in(codex_home)
    record = make_record()
    store.save(key, record)
    assert store.load(key) == record
    # The record is in the Secret Service, where python-keyring's own backend finds it.
    assert SecretServiceKeyring().get_password(KEYRING_SERVICE, key.account())  # type: ignore[no-untyped-call]
    store.delete(key)
    assert spy.calls == []


def test_no_secret_service_is_unavailable_with_advice(no_secret_service: dict[str, str]) -> None:
    store = KeyringStore()
    assert store.available is False
    with pytest.raises(StoreUnavailable) as err:
        store.check()
    message = str(err.value)
    assert "\n" not in message
    assert "gnome-keyring" in message
    assert 'mcp_oauth_credentials_store = "file"' in message


def test_a_bus_without_a_secret_service_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_secret_service(tmp_path / "bare", with_keyring=False) as bare:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bare.address)
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty-config"))
        # mcpdeck falls back to python-keyring here: what it finds on this bus, as in a new
        # process, not a backend an earlier test left.
        fresh_keyring_choice()
        with pytest.raises(StoreUnavailable, match="no OS keyring is available"):
            KeyringStore().check()


def test_a_locked_collection_is_reported_not_prompted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codex_home: Path
) -> None:
    """A locked keyring must not hang on an unlock prompt nobody can answer."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    from tests.fixtures.secret_service import use_secret_service

    with running_secret_service(tmp_path / "locked") as service:
        use_secret_service(monkeypatch, service)
        with open_dbus_connection(service.address) as conn:
            secretstorage.Collection(conn).lock()
        store = KeyringStore()
        with pytest.raises(StoreUnavailable, match="locked"):
            store.load(key_in(codex_home))


def test_headless_detection_imports_no_keyring_library(
    no_secret_service: dict[str, str], codex_home: Path
) -> None:
    """`mcpdeck list` on a headless box must not pay for python-keyring's backend scan."""
    import subprocess
    import sys

    code = (
        "import sys; from mcpdeck.credentials.keyring_store import KeyringStore;"
        "s = KeyringStore(); print(s.available);"
        "print(','.join(m for m in ('keyring', 'secretstorage') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=no_secret_service,
    )
    assert out.stdout.split("\n")[:2] == ["False", ""]
