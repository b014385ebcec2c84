"""Logout revokes at the authorization server (RFC 7009) before deleting locally (issue 13,
item 5), through the real CLI against the demo's authorization server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mcpdeck import records
from mcpdeck.credentials.select import open_store
from mcpdeck.demo.world import DemoWorld
from tests.integration.helpers import cli
from tests.loopback import refused_port


def _logged_in(world: DemoWorld, tmp_path: Path) -> tuple[Path, str]:
    home = tmp_path / "codex"
    home.mkdir()
    url = world.urls["linear"]
    (home / "config.toml").write_text(
        f'mcp_oauth_credentials_store = "file"\n\n[mcp_servers.tracker]\nurl = "{url}"\n'
    )
    done = cli(world, "login", "tracker", home=home)
    assert done.returncode == 0, done.stderr
    return home, url


def test_logout_revokes_the_refresh_token_then_the_access_token(
    demo_world_factory: Callable[..., DemoWorld], tmp_path: Path
) -> None:
    world = demo_world_factory(auto_approve=True)
    home, url = _logged_in(world, tmp_path)
    store = open_store("file", home)
    record = store.load(store.key("tracker", url))
    assert record is not None
    assert world.auth_server.verify_access_token(record.access_token) is not None

    done = cli(world, "logout", "tracker", home=home)

    assert done.returncode == 0, done.stderr
    assert f"Revoked the refresh token and the access token at {world.as_url}." in done.stdout
    assert "Removed OAuth credentials for 'tracker' (file)." in done.stdout
    assert world.auth_server.verify_access_token(record.access_token) is None
    assert world.auth_server.active_refresh_tokens() == 0
    revokes = [e for e in world.auth_server.events if e["endpoint"] == "revoke"]
    assert [e["outcome"] for e in revokes] == ["ok", "ok"]
    assert store.load(store.key("tracker", url)) is None
    assert record.access_token not in done.stdout + done.stderr


def test_logout_local_only_sends_nothing(
    demo_world_factory: Callable[..., DemoWorld], tmp_path: Path
) -> None:
    world = demo_world_factory(auto_approve=True)
    home, url = _logged_in(world, tmp_path)
    store = open_store("file", home)
    record = store.load(store.key("tracker", url))
    assert record is not None

    done = cli(world, "logout", "tracker", "--local-only", home=home)

    assert done.returncode == 0, done.stderr
    assert "Revoked" not in done.stdout
    assert [e for e in world.auth_server.events if e["endpoint"] == "revoke"] == []
    assert world.auth_server.verify_access_token(record.access_token) is not None
    assert store.load(store.key("tracker", url)) is None


def test_logout_deletes_locally_when_the_authorization_server_is_gone(
    demo_world_factory: Callable[..., DemoWorld], tmp_path: Path
) -> None:
    world = demo_world_factory(auto_approve=True)
    home, url = _logged_in(world, tmp_path)
    store = open_store("file", home)
    # The issuer of the stored record no longer answers (a port where nothing listens).
    record = store.load(store.key("tracker", url))
    assert record is not None
    gone = f"http://127.0.0.1:{refused_port()}"
    store.save(store.key("tracker", url), records.replace(record, issuer=gone))

    done = cli(world, "logout", "tracker", home=home)

    assert done.returncode == 0, done.stderr
    assert (
        f"Not revoked at the authorization server: the metadata of {gone} could not be read"
        in done.stdout
    )
    assert store.load(store.key("tracker", url)) is None
