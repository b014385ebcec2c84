"""The encrypted-file backend: round trip, modes, atomic writes, passphrase, damaged files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mcpdeck.credentials.file_store import (
    KEY_FILE,
    LOCK_FILE,
    PASSPHRASE_ENV,
    STORE_FILE,
    FileStore,
)
from mcpdeck.credentials.record import (
    ClientRegistration,
    CredentialStoreError,
    canonical_codex_home,
)
from tests.credentials.builders import key_for, make_record


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip(codex_home: Path) -> None:
    store = FileStore(codex_home)
    key = key_for(codex_home)
    record = make_record()
    assert store.load(key) is None
    assert store.delete(key) is False

    store.save(key, record)
    assert FileStore(codex_home).load(key) == record

    assert store.delete(key) is True
    assert FileStore(codex_home).load(key) is None


def test_records_and_registrations_live_side_by_side(codex_home: Path) -> None:
    store = FileStore(codex_home)
    home = canonical_codex_home(codex_home)
    docs, mail = make_record("docs"), make_record("mail", "https://mail.example/mcp")
    registration = ClientRegistration(
        issuer="https://auth.example.com", client_id="abc", client_secret="s3cret-value-1"
    )
    store.save(key_for(codex_home), docs)
    store.save(key_for(codex_home, "mail", "https://mail.example/mcp"), mail)
    store.save_registration(home, registration)

    again = FileStore(codex_home)
    assert again.load(key_for(codex_home)) == docs
    assert again.load(key_for(codex_home, "mail", "https://mail.example/mcp")) == mail
    assert again.load_registration(home, "https://auth.example.com") == registration
    assert again.load_registration(home, "https://other.example.com") is None


def test_every_file_is_private(codex_home: Path) -> None:
    old_umask = os.umask(0o022)  # a typical umask would give 0644 to naive writes
    try:
        FileStore(codex_home).save(key_for(codex_home), make_record())
    finally:
        os.umask(old_umask)
    for name in (STORE_FILE, KEY_FILE, LOCK_FILE):
        assert mode_of(codex_home / name) == 0o600, name
    assert sorted(os.listdir(codex_home)) == sorted([STORE_FILE, KEY_FILE, LOCK_FILE])


def test_the_file_holds_no_plaintext(codex_home: Path) -> None:
    record = make_record()
    FileStore(codex_home).save(key_for(codex_home), record)
    for name in (STORE_FILE, KEY_FILE):
        data = (codex_home / name).read_bytes()
        assert record.access_token.encode() not in data
        assert record.refresh_token is not None
        assert record.refresh_token.encode() not in data
    assert b"docs.example.com" not in (codex_home / STORE_FILE).read_bytes()


def test_a_failed_write_keeps_the_old_file(
    codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(codex_home)
    key = key_for(codex_home)
    old = make_record()
    store.save(key, old)
    before = (codex_home / STORE_FILE).read_bytes()

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    new = make_record()
    with pytest.raises(CredentialStoreError) as err:
        store.save(key, new)
    monkeypatch.undo()

    message = str(err.value)
    assert "previous file is unchanged" in message
    assert new.access_token not in message
    assert (codex_home / STORE_FILE).read_bytes() == before
    assert FileStore(codex_home).load(key) == old
    assert sorted(os.listdir(codex_home)) == sorted([STORE_FILE, KEY_FILE, LOCK_FILE])


def test_passphrase_mode(codex_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    key = key_for(codex_home)
    record = make_record()
    FileStore(codex_home).save(key, record)

    assert not (codex_home / KEY_FILE).exists()
    envelope = json.loads((codex_home / STORE_FILE).read_text())
    assert envelope["kdf"] == "scrypt"
    assert mode_of(codex_home / STORE_FILE) == 0o600
    assert FileStore(codex_home).load(key) == record

    monkeypatch.setenv(PASSPHRASE_ENV, "wrong passphrase")
    with pytest.raises(CredentialStoreError) as err:
        FileStore(codex_home).load(key)
    assert f"wrong {PASSPHRASE_ENV}" in str(err.value)
    assert str(codex_home / STORE_FILE) in str(err.value)

    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(CredentialStoreError, match=f"set {PASSPHRASE_ENV}"):
        FileStore(codex_home).load(key)


def test_a_passphrase_given_directly_wins(codex_home: Path) -> None:
    key = key_for(codex_home)
    record = make_record()
    FileStore(codex_home, passphrase="given directly").save(key, record)
    assert FileStore(codex_home, passphrase="given directly").load(key) == record
    with pytest.raises(CredentialStoreError):
        FileStore(codex_home, passphrase="another").load(key)


def test_a_damaged_file_gives_a_clear_error_then_a_fresh_login_works(codex_home: Path) -> None:
    key = key_for(codex_home)
    FileStore(codex_home).save(key, make_record())
    path = codex_home / STORE_FILE
    envelope = json.loads(path.read_text())
    ciphertext = bytearray(envelope["ciphertext"].encode())
    ciphertext[10] = ord("A") if ciphertext[10] != ord("A") else ord("B")
    envelope["ciphertext"] = ciphertext.decode()
    path.write_text(json.dumps(envelope))
    damaged = path.read_bytes()

    store = FileStore(codex_home)
    with pytest.raises(CredentialStoreError) as err:
        store.load(key)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message
    assert "cannot be decrypted" in message
    assert "log in again" in message

    fresh = make_record()
    store.save(key, fresh)
    assert FileStore(codex_home).load(key) == fresh
    aside = [p for p in codex_home.iterdir() if p.name.startswith(f"{STORE_FILE}.corrupt-")]
    assert len(aside) == 1
    assert aside[0].read_bytes() == damaged
    assert store.set_aside == aside[0]


@pytest.mark.parametrize("garbage", [b"", b"\x00\xff garbage", b'{"version": 1}', b"[1, 2]"])
def test_garbage_is_reported_as_damaged(codex_home: Path, garbage: bytes) -> None:
    (codex_home / STORE_FILE).write_bytes(garbage)
    with pytest.raises(CredentialStoreError, match="damaged"):
        FileStore(codex_home).load(key_for(codex_home))
    record = make_record()
    FileStore(codex_home).save(key_for(codex_home), record)
    assert FileStore(codex_home).load(key_for(codex_home)) == record


def test_a_lost_key_file_is_reported_and_a_new_login_recovers(codex_home: Path) -> None:
    key = key_for(codex_home)
    FileStore(codex_home).save(key, make_record())
    (codex_home / KEY_FILE).unlink()
    with pytest.raises(CredentialStoreError, match=r"key file .* is missing"):
        FileStore(codex_home).load(key)
    record = make_record()
    FileStore(codex_home).save(key, record)
    assert FileStore(codex_home).load(key) == record
    assert mode_of(codex_home / KEY_FILE) == 0o600


def test_a_damaged_key_file_is_replaced_on_the_next_login(codex_home: Path) -> None:
    key = key_for(codex_home)
    FileStore(codex_home).save(key, make_record())
    (codex_home / KEY_FILE).write_text("short\n")
    with pytest.raises(CredentialStoreError, match="key is damaged"):
        FileStore(codex_home).load(key)
    record = make_record()
    FileStore(codex_home).save(key, record)
    assert FileStore(codex_home).load(key) == record


def test_deleting_from_a_damaged_file_is_an_error_not_a_silent_success(codex_home: Path) -> None:
    (codex_home / STORE_FILE).write_bytes(b"garbage")
    with pytest.raises(CredentialStoreError):
        FileStore(codex_home).delete(key_for(codex_home))
    assert (codex_home / STORE_FILE).read_bytes() == b"garbage"


# Counts how often the store file is opened (Python's audit hooks see every open()): in a child
# process, because an audit hook cannot be removed once added.
_COUNT_OPENS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mcpdeck.credentials.file_store import STORE_FILE, FileStore
    from mcpdeck.credentials.record import CredentialKey

    home = Path(sys.argv[1])
    target = str(home / STORE_FILE)
    opens = []
    sys.addaudithook(
        lambda event, args: opens.append(1) if event == "open" and str(args[0]) == target else None
    )
    reader = FileStore(home)
    for i in range(100):
        name = f"s{i % 20}"
        assert reader.load(CredentialKey.for_server(home, name, f"https://{name}.example/mcp"))
    print(len(opens))
    """
)


def test_one_decryption_for_many_reads_and_changes_are_seen(codex_home: Path) -> None:
    writer = FileStore(codex_home)
    for i in range(20):
        writer.save(key_for(codex_home, f"s{i}", f"https://s{i}.example/mcp"), make_record())
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_OPENS, str(codex_home)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"], "100 reads, one decryption of the file"

    reader = FileStore(codex_home)
    reader.load(key_for(codex_home, "s0", "https://s0.example/mcp"))
    newer = make_record("s0", "https://s0.example/mcp")
    FileStore(codex_home).save(key_for(codex_home, "s0", "https://s0.example/mcp"), newer)
    assert reader.load(key_for(codex_home, "s0", "https://s0.example/mcp")) == newer


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mcpdeck.credentials.file_store import FileStore
    from mcpdeck.credentials.record import CredentialKey, CredentialRecord

    home, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for i in range(count):
        name = f"{worker}-{i}"
        url = f"https://{name}.example/mcp"
        record = CredentialRecord(name, url, "cid", None, "access-" + name)
        FileStore(home).save(CredentialKey.for_server(home, name, url), record)
    """
)


def test_concurrent_writers_lose_nothing(codex_home: Path) -> None:
    """Read-modify-write under the file lock: no process overwrites another's records."""
    workers, count = 3, 15
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(codex_home), f"w{w}", str(count)])
        for w in range(workers)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * workers
    store = FileStore(codex_home)
    for w in range(workers):
        for i in range(count):
            name = f"w{w}-{i}"
            found = store.load(key_for(codex_home, name, f"https://{name}.example/mcp"))
            assert found is not None and found.access_token == "access-" + name
