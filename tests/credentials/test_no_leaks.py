"""Tokens never show up in a repr, an exception message, or a traceback of the stores."""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pytest

from mcpdeck.credentials.file_store import PASSPHRASE_ENV, STORE_FILE, FileStore
from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.record import (
    KEYRING_SERVICE,
    ClientRegistration,
    CredentialRecord,
    CredentialStoreError,
)
from mcpdeck.credentials.select import open_store
from tests.credentials.builders import key_for, make_record
from tests.fixtures.secret_service import SecretService


def secrets_of(record: CredentialRecord) -> list[str]:
    assert record.refresh_token is not None
    return [record.access_token, record.refresh_token]


def assert_clean(text: str, record: CredentialRecord) -> None:
    for secret in secrets_of(record):
        assert secret not in text


def everything_about(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)


def test_reprs_hide_tokens(codex_home: Path) -> None:
    record = make_record()
    record.client_secret = "client-secret-abcdef"
    registration = ClientRegistration("https://auth.example.com", "cid", "client-secret-abcdef")
    credentials = open_store("file", codex_home)
    credentials.save(key_for(codex_home), record)
    texts = [
        repr(record),
        str(record),
        repr(registration),
        repr(credentials),
        repr(credentials.file),
        repr(KeyringStore()),
        repr(credentials.locate(key_for(codex_home))),
    ]
    for text in texts:
        assert_clean(text, record)
        assert "client-secret-abcdef" not in text


def test_file_store_errors_hide_tokens(codex_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    record = make_record()
    store = FileStore(codex_home)
    store.save(key_for(codex_home), record)

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(CredentialStoreError) as write_error:
        store.save(key_for(codex_home), record)
    monkeypatch.undo()
    assert_clean(everything_about(write_error.value), record)

    # A file whose envelope is readable but whose body is not what we wrote.
    path = codex_home / STORE_FILE
    envelope = json.loads(path.read_text())
    envelope["ciphertext"] = envelope["ciphertext"][:-8] + "AAAAAAAA"
    path.write_text(json.dumps(envelope))
    with pytest.raises(CredentialStoreError) as read_error:
        FileStore(codex_home).load(key_for(codex_home))
    assert_clean(everything_about(read_error.value), record)

    # Plain JSON with tokens in it where the encrypted envelope should be.
    path.write_text(json.dumps({"access_token": record.access_token, "version": 2}))
    with pytest.raises(CredentialStoreError) as garbage_error:
        FileStore(codex_home).load(key_for(codex_home))
    assert_clean(everything_about(garbage_error.value), record)


def test_passphrase_errors_hide_tokens_and_the_passphrase(
    codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = make_record()
    monkeypatch.setenv(PASSPHRASE_ENV, "the-right-passphrase")
    FileStore(codex_home).save(key_for(codex_home), record)
    monkeypatch.setenv(PASSPHRASE_ENV, "the-wrong-passphrase")
    with pytest.raises(CredentialStoreError) as err:
        FileStore(codex_home).load(key_for(codex_home))
    text = everything_about(err.value)
    assert_clean(text, record)
    assert "the-right-passphrase" not in text and "the-wrong-passphrase" not in text


def test_keyring_errors_hide_tokens(secret_service: SecretService, codex_home: Path) -> None:
    import keyring

    record = make_record()
    key = key_for(codex_home)
    # A truncated entry that still carries the token text.
    keyring.set_password(KEYRING_SERVICE, key.account(), json.dumps(record.to_json())[:-20])
    with pytest.raises(CredentialStoreError) as err:
        KeyringStore().load(key)
    assert_clean(everything_about(err.value), record)
    keyring.delete_password(KEYRING_SERVICE, key.account())
