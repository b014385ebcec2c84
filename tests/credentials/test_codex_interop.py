"""A login in mcpdeck is a login in Codex, and the other way round (issue 10).

Every test runs the real Codex CLI 0.171.0 and mcpdeck on one CODEX_HOME, against the loopback
authorization server and MCP resource of tests/oauth/servers.py, with a private real
gnome-keyring for the keyring store (``mcp_oauth_credentials_store = "keyring"``) or no
Secret Service at all for the file store (``"file"``). Codex's use of a token is checked
through ``codex app-server`` (a real MCP session: initialize + tools/list) and the bearer
tokens the resource server received.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcpdeck.credentials.codex_layout import credential_lock_path
from mcpdeck.credentials.file_store import FileStore
from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.record import (
    CODEX_KEYRING_SERVICE,
    LEGACY_KEYRING_SERVICE,
    CredentialKey,
)
from mcpdeck.credentials.select import open_store
from tests.credentials.codex_peer import Pair, keyring_items, seed_keyring_item
from tests.fixtures.secret_service import (
    SecretService,
    running_secret_service,
    use_secret_service,
)
from tests.oauth.servers import World
from tests.peers import codex_binary, require

# Codex's own ChatGPT sign-in entry under "Codex Auth": must survive every test untouched.
CODEX_SIGN_IN = ("cli|0123456789abcdef", '{"auth_mode":"chatgpt","tokens":"not-ours"}')


@dataclass
class Setup:
    pair: Pair
    world: World
    mode: str
    service: SecretService | None

    @property
    def key(self) -> CredentialKey:
        return CredentialKey.for_server(self.pair.home, "docs", self.world.mcp_url)

    def codex_items(self) -> list[tuple[dict[str, str], str]]:
        assert self.service is not None
        return keyring_items(self.service, CODEX_KEYRING_SERVICE)

    def stored_access_token(self) -> str:
        """The access token where Codex keeps it for this mode."""
        if self.mode == "keyring":
            [(_, secret)] = self.codex_items()
            return str(json.loads(secret)["token_response"]["access_token"])
        data = json.loads((self.pair.home / ".credentials.json").read_text())
        return str(data[self.key.store_key()]["access_token"])


@pytest.fixture(params=["keyring", "file"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    codex = require(codex_binary(), "Codex CLI (npm @openai/codex)")
    mode = str(request.param)
    home, user_home = tmp_path / "codex-home", tmp_path / "user-home"
    home.mkdir()
    user_home.mkdir()
    with World() as world:
        (home / "config.toml").write_text(
            f'mcp_oauth_credentials_store = "{mode}"\n\n'
            f'[mcp_servers.docs]\nurl = "{world.mcp_url}"\nscopes = ["read", "write"]\n'
        )
        if mode == "keyring":
            with running_secret_service(tmp_path / "secret-service") as service:
                seed_keyring_item(service, LEGACY_KEYRING_SERVICE, *CODEX_SIGN_IN)
                yield Setup(Pair(codex, home, user_home, service.address), world, mode, service)
                # Nothing of mcpdeck's is ever written under Codex's sign-in service.
                left = keyring_items(service, LEGACY_KEYRING_SERVICE)
                assert [(a["username"], s) for a, s in left] == [CODEX_SIGN_IN]
        else:
            yield Setup(Pair(codex, home, user_home, None), world, mode, None)


def _mcpdeck_login(setup: Setup) -> None:
    done = setup.pair.mcpdeck("login", "docs", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert f"stored in {setup.mode}" in done.stdout


def test_mcpdeck_login_is_a_codex_login(setup: Setup) -> None:
    _mcpdeck_login(setup)
    assert setup.pair.codex_status("docs") == "o_auth"
    token = setup.stored_access_token()
    session = setup.pair.codex_session("docs")
    assert session["authStatus"] == "oAuth"
    assert "echo" in session["tools"]  # Codex's session listed the server's tools
    assert f"Bearer {token}" in setup.world.recorded.mcp_auth_headers
    assert setup.world.recorded.refreshes() == []
    if setup.mode == "keyring":
        [(attributes, _)] = setup.codex_items()
        # What Rust's keyring crate writes and searches by: otherwise Codex would not find it.
        assert attributes["application"] == "rust-keyring"
        assert attributes["target"] == "default"
        assert attributes["username"] == setup.key.store_key()
        assert not (setup.pair.home / ".credentials.json").exists()
    else:
        path = setup.pair.home / ".credentials.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        [entry] = json.loads(path.read_text()).values()
        assert entry["server_url"] == setup.world.mcp_url
        assert entry["scopes"] == ["read", "write"]
        assert entry["issuer"] == setup.world.issuer


def test_codex_login_shows_in_mcpdeck(setup: Setup) -> None:
    done = setup.pair.codex("mcp", "login", "docs")
    assert done.returncode == 0, done.stderr
    entry = setup.pair.mcpdeck_entry("docs")
    assert entry["auth_status"] == "authenticated"
    assert entry["auth"]["store"] == setup.mode
    assert entry["auth"]["scopes"] == ["read", "write"]
    assert entry["auth"]["expires_at"] is not None
    assert entry["auth"]["refreshable"] is True


def test_mcpdeck_logout_logs_codex_out(setup: Setup) -> None:
    done = setup.pair.codex("mcp", "login", "docs")
    assert done.returncode == 0, done.stderr
    assert setup.pair.codex_status("docs") == "o_auth"
    done = setup.pair.mcpdeck("logout", "docs")
    assert done.returncode == 0, done.stderr
    assert f"({setup.mode})" in done.stdout
    assert setup.pair.codex_status("docs") == "not_logged_in"
    assert not (setup.pair.home / ".credentials.json").exists()  # removed once empty
    if setup.mode == "keyring":
        assert setup.codex_items() == []


def test_a_refresh_by_mcpdeck_is_used_by_codex(setup: Setup) -> None:
    # A login whose token is inside every refresh margin from the start: a token that lives
    # 0 s (a 1 s one is refreshed only in its last quarter, which a fast doctor can miss).
    setup.world.options.access_lifetime = 0
    _mcpdeck_login(setup)
    setup.world.options.access_lifetime = 3600
    done = setup.pair.mcpdeck("doctor", "docs", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    [refresh] = setup.world.recorded.refreshes()
    refreshed = setup.stored_access_token()
    assert refreshed in setup.world.access_tokens
    assert setup.world.access_tokens[refreshed]["expires"] > 0
    # The lock file Codex takes around a refresh is the one mcpdeck took.
    assert credential_lock_path(setup.pair.home, setup.key).exists()

    session = setup.pair.codex_session("docs")
    assert "echo" in session["tools"]
    # Codex used the token mcpdeck's refresh stored, and did not redeem the rotated refresh
    # token a second time.
    assert setup.world.recorded.mcp_auth_headers[-1] == f"Bearer {refreshed}"
    assert setup.world.recorded.refreshes() == [refresh]


def test_codex_refreshes_with_the_token_mcpdeck_rotated(setup: Setup) -> None:
    setup.world.options.access_lifetime = 0  # refreshed by the doctor, whenever it runs
    _mcpdeck_login(setup)
    setup.world.options.access_lifetime = 1  # and what it stores is stale for Codex
    done = setup.pair.mcpdeck("doctor", "docs", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(setup.world.recorded.refreshes()) == 1
    # Codex must redeem the refresh token mcpdeck's rotation stored; the old one is revoked.
    setup.world.options.access_lifetime = 3600
    session = setup.pair.codex_session("docs")
    assert "echo" in session["tools"]
    assert len(setup.world.recorded.refreshes()) == 2
    assert setup.pair.mcpdeck_entry("docs")["auth_status"] == "authenticated"


def test_an_old_mcpdeck_record_is_migrated_and_still_works(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    _mcpdeck_login(setup)
    # Turn the fresh login into what mcpdeck stored before it used Codex's layout.
    if setup.service is not None:
        use_secret_service(monkeypatch, setup.service)
    credentials = open_store("keyring" if setup.service else "file", setup.pair.home)
    record = credentials.load(setup.key)
    assert record is not None
    if setup.service is not None:
        KeyringStore().save(setup.key, record)  # service "Codex Auth", account mcp|docs|…
        assert credentials.codex_keyring.delete(setup.key)
    else:
        FileStore(setup.pair.home).save(setup.key, record)  # mcpdeck-credentials.enc
        assert credentials.codex_file.delete(setup.key)
    assert setup.pair.codex_status("docs") == "not_logged_in"

    entry = setup.pair.mcpdeck_entry("docs")
    assert entry["auth_status"] == "authenticated"
    assert entry["auth"]["store"] == "legacy"

    # The next use moves it into Codex's layout and deletes the old record.
    done = setup.pair.mcpdeck("doctor", "docs", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert setup.pair.mcpdeck_entry("docs")["auth"]["store"] == setup.mode
    assert setup.pair.codex_status("docs") == "o_auth"
    assert "echo" in setup.pair.codex_session("docs")["tools"]
    assert not (setup.pair.home / "mcpdeck-credentials.enc").exists()
    if setup.service is not None:
        old = [a["username"] for a, _ in keyring_items(setup.service, LEGACY_KEYRING_SERVICE)]
        assert old == [CODEX_SIGN_IN[0]]


def test_codex_secrets_store_is_shared_too(tmp_path: Path) -> None:
    """``[features] secret_auth_storage = true``: Codex's encrypted ``mcp_oauth.age``."""
    codex = require(codex_binary(), "Codex CLI (npm @openai/codex)")
    home, user_home = tmp_path / "codex-home", tmp_path / "user-home"
    home.mkdir()
    user_home.mkdir()
    with World() as w, running_secret_service(tmp_path / "secret-service") as service:
        (home / "config.toml").write_text(
            'mcp_oauth_credentials_store = "keyring"\n\n[features]\nsecret_auth_storage = true\n'
            f'\n[mcp_servers.docs]\nurl = "{w.mcp_url}"\nscopes = ["read"]\n'
        )
        pair = Pair(codex, home, user_home, service.address)
        done = pair.codex("mcp", "login", "docs")
        assert done.returncode == 0, done.stderr
        assert (home / "secrets" / "mcp_oauth.age").exists()
        assert keyring_items(service, CODEX_KEYRING_SERVICE) == []  # not a keyring entry
        entry = pair.mcpdeck_entry("docs")
        assert entry["auth_status"] == "authenticated"
        assert entry["auth"]["store"] == "secrets"
        assert entry["auth"]["scopes"] == ["read"]

        done = pair.mcpdeck("logout", "docs")
        assert done.returncode == 0, done.stderr
        assert "(secrets)" in done.stdout
        assert pair.codex_status("docs") == "not_logged_in"

        done = pair.mcpdeck("login", "docs", "--timeout", "60")
        assert done.returncode == 0, done.stderr
        assert "stored in secrets" in done.stdout
        assert pair.codex_status("docs") == "o_auth"
        assert "echo" in pair.codex_session("docs")["tools"]
        assert keyring_items(service, CODEX_KEYRING_SERVICE) == []
        assert keyring_items(service, LEGACY_KEYRING_SERVICE) == []
