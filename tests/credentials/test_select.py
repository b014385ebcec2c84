"""Store selection as Codex chooses (auto / keyring / file), and deleting from every store."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mcpdeck.credentials.codex_file import CodexFileStore
from mcpdeck.credentials.codex_keyring import CodexKeyringStore
from mcpdeck.credentials.file_store import PASSPHRASE_ENV, STORE_FILE
from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.record import ClientRegistration, StoreUnavailable
from mcpdeck.credentials.select import open_store
from tests.credentials.builders import DOCS_URL, make_record
from tests.fixtures.secret_service import SecretService

CODEX_FILE = ".credentials.json"


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


def test_auto_falls_back_to_the_file_when_no_secret_service_runs(
    no_secret_service: dict[str, str], codex_home: Path
) -> None:
    credentials = open_store("auto", codex_home)
    key = credentials.key("docs", DOCS_URL)
    record = make_record()

    assert credentials.save(key, record) == "file"
    assert credentials.locate(key) == (record, "file")
    assert credentials.backends_available == ["file"]
    assert len(credentials.notes) == 1
    assert credentials.notes[0].startswith("keyring skipped: no OS keyring is available")
    # A new facade (a new process) reads it back from the file.
    assert open_store("auto", codex_home).load(key) == record


def test_keyring_mode_without_a_keyring_is_an_error(
    no_secret_service: dict[str, str], codex_home: Path
) -> None:
    credentials = open_store("keyring", codex_home)
    key = credentials.key("docs", DOCS_URL)
    with pytest.raises(StoreUnavailable, match="gnome-keyring"):
        credentials.save(key, make_record())
    with pytest.raises(StoreUnavailable):
        credentials.locate(key)
    assert not (codex_home / CODEX_FILE).exists()


def test_auto_uses_the_keyring_when_it_works(
    secret_service: SecretService, codex_home: Path
) -> None:
    credentials = open_store("auto", codex_home)
    key = credentials.key("docs", DOCS_URL)
    record = make_record()
    assert credentials.save(key, record) == "keyring"
    assert credentials.locate(key) == (record, "keyring")
    assert credentials.backends_available == ["keyring", "file"]
    assert credentials.notes == []
    assert not (codex_home / CODEX_FILE).exists()
    assert CodexKeyringStore(KeyringStore()).load(key) is not None
    assert credentials.delete_everywhere(key) == ["keyring"]


def test_auto_reads_the_file_when_the_keyring_has_nothing(
    secret_service: SecretService, codex_home: Path
) -> None:
    key = open_store("file", codex_home).key("docs", DOCS_URL)
    record = make_record()
    open_store("file", codex_home).save(key, record)
    assert open_store("auto", codex_home).locate(key) == (record, "file")
    open_store("auto", codex_home).delete_everywhere(key)


def test_file_mode_never_touches_the_keyring(
    secret_service: SecretService, codex_home: Path
) -> None:
    credentials = open_store("file", codex_home)
    key = credentials.key("docs", DOCS_URL)
    assert credentials.save(key, make_record()) == "file"
    assert CodexKeyringStore(KeyringStore()).load(key) is None
    assert CodexFileStore(codex_home).load(key) is not None
    credentials.delete_everywhere(key)


def test_a_keyring_save_drops_a_stale_file_copy(
    secret_service: SecretService, codex_home: Path
) -> None:
    """Otherwise the old file copy would come back if the keyring later went away."""
    key = open_store("file", codex_home).key("docs", DOCS_URL)
    open_store("file", codex_home).save(key, make_record())
    newer = make_record()
    assert open_store("auto", codex_home).save(key, newer) == "keyring"
    assert CodexFileStore(codex_home).load(key) is None
    assert not (codex_home / CODEX_FILE).exists()  # removed once empty, as Codex does
    assert open_store("auto", codex_home).locate(key) == (newer, "keyring")
    open_store("auto", codex_home).delete_everywhere(key)


def test_delete_everywhere_removes_from_both(
    secret_service: SecretService, codex_home: Path
) -> None:
    in_keyring = open_store("keyring", codex_home)
    key = in_keyring.key("docs", DOCS_URL)
    in_keyring.save(key, make_record())
    open_store("file", codex_home).save(key, make_record())
    other = in_keyring.key("other", "https://other.example/mcp")
    open_store("file", codex_home).save(other, make_record("other", "https://other.example/mcp"))

    # Even in file mode, logout clears every backend.
    assert open_store("file", codex_home).delete_everywhere(key) == ["keyring", "file"]
    assert open_store("auto", codex_home).locate(key) is None
    assert open_store("auto", codex_home).delete_everywhere(key) == []
    assert open_store("file", codex_home).load(other) is not None  # others untouched


def test_delete_everywhere_sets_an_unreadable_file_aside(
    no_secret_service: dict[str, str], codex_home: Path
) -> None:
    (codex_home / STORE_FILE).write_bytes(b"garbage")  # mcpdeck's old encrypted file
    credentials = open_store("auto", codex_home)
    assert credentials.delete_everywhere(credentials.key("docs", DOCS_URL)) == ["legacy"]
    assert not (codex_home / STORE_FILE).exists()
    assert any("moved aside" in note for note in credentials.notes)


def test_registrations_follow_the_same_rules(
    secret_service: SecretService, codex_home: Path, tmp_path: Path
) -> None:
    registration = ClientRegistration(issuer="https://auth.example.com", client_id="dcr-1")
    credentials = open_store("auto", codex_home)
    assert credentials.save_registration(registration) == "keyring"
    assert open_store("auto", codex_home).load_registration(registration.issuer) == registration
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    assert open_store("auto", other_home).load_registration(registration.issuer) is None

    file_only = open_store("file", codex_home)
    assert file_only.load_registration(registration.issuer) is None
    assert file_only.save_registration(registration) == "file"
    assert open_store("file", codex_home).load_registration(registration.issuer) == registration
    KeyringStore().delete_registration(credentials.canonical_home, registration.issuer)


def test_registrations_fall_back_to_the_file(
    no_secret_service: dict[str, str], codex_home: Path
) -> None:
    registration = ClientRegistration(issuer="https://auth.example.com", client_id="dcr-1")
    assert open_store("auto", codex_home).save_registration(registration) == "file"
    assert open_store("auto", codex_home).load_registration(registration.issuer) == registration


class SilentBus:
    """A D-Bus session bus address where something accepts connections and hangs up at once:
    each keyring probe shows up as connections here, and no keyring is ever found."""

    def __init__(self, path: Path) -> None:
        self.connections = 0
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(path))
        self._sock.listen(64)
        self.address = f"unix:path={path}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._sock.close()


def test_many_lookups_probe_the_keyring_once(
    no_secret_service: dict[str, str],
    codex_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from keyring.backends.SecretService import Keyring as SecretServiceBackend

    bus = SilentBus(tmp_path / "bus")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    try:
        # The Secret Service backend, as python-keyring would pick it: every probe of it opens
        # a connection to the session bus.
        credentials = open_store("auto", codex_home, keyring_backend=SecretServiceBackend())
        assert credentials.locate(credentials.key("s0", "https://s0.example/mcp")) is None
        assert bus.connections == 1, "the first lookup asks the session bus for a keyring"
        for i in range(1, 100):
            assert credentials.locate(credentials.key(f"s{i}", f"https://s{i}.example/mcp")) is None
        assert bus.connections == 1, "the other 99 reuse that answer"
    finally:
        bus.close()


def test_importing_select_imports_no_backend_library() -> None:
    code = (
        "import sys, mcpdeck.credentials.select as s;"
        "bad=[m for m in ('keyring','secretstorage','jeepney','cryptography') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_looking_up_in_an_empty_home_imports_no_crypto(
    no_secret_service: dict[str, str], codex_home: Path
) -> None:
    code = (
        "import sys; from pathlib import Path;"
        "from mcpdeck.credentials.select import open_store;"
        "c=open_store('file', Path(sys.argv[1]));"
        "assert c.locate(c.key('docs','https://x/mcp')) is None;"
        "print('cryptography' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(codex_home)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_unknown_mode_is_rejected(codex_home: Path) -> None:
    with pytest.raises(ValueError):
        open_store("vault", codex_home)  # type: ignore[arg-type]


def test_recheck_notices_a_keyring_that_appeared(
    no_secret_service: dict[str, str],
    secret_service_daemon: SecretService,
    codex_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long-lived TUI must not stay on the file store after the keyring comes up."""
    from tests.fixtures.secret_service import use_secret_service

    credentials = open_store("auto", codex_home)
    assert credentials.backends_available == ["file"]
    use_secret_service(monkeypatch, secret_service_daemon)
    assert credentials.backends_available == ["file"]  # probed once, remembered
    credentials.recheck()
    assert credentials.notes == []
    assert credentials.backends_available == ["keyring", "file"]


def test_a_long_lived_facade_sees_a_login_made_elsewhere(
    secret_service: SecretService, codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI keeps one facade: a keyring listing must not hide a later login by Codex."""
    from mcpdeck.credentials import stores

    clock = [1000.0]
    monkeypatch.setattr(stores.time, "monotonic", lambda: clock[0])
    tui = open_store("auto", codex_home)
    key = tui.key("docs", DOCS_URL)
    assert tui.locate(key) is None  # lists the keyring once
    open_store("keyring", codex_home).save(key, make_record())  # another process logs in
    clock[0] += 5.0
    found = tui.locate(key)
    assert found is not None and found[1] == "keyring"
    tui.delete_everywhere(key)
