"""A stored token is tried when a server is checked (the TUI's probes): a 401 shows as "token
rejected by the server", not "authenticated" (issue 13, item 4). Against the demo's servers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from mcpdeck.config.loader import load_config
from mcpdeck.credentials.select import open_store
from mcpdeck.demo.world import DemoWorld
from mcpdeck.status_probe import compute_statuses
from tests.integration.helpers import cli


def _home(world: DemoWorld, tmp_path: Path) -> Path:
    home = tmp_path / "codex"
    home.mkdir()
    (home / "config.toml").write_text(
        'mcp_oauth_credentials_store = "file"\n\n'
        f'[mcp_servers.linear]\nurl = "{world.urls["linear"]}"\n\n'
        f'[mcp_servers.broken]\nurl = "{world.urls["broken"]}"\n'
        f'oauth_resource = "{world.urls["linear"]}"\n'
    )
    for name in ("linear", "broken"):
        done = cli(world, "login", name, home=home)
        assert done.returncode == 0, done.stderr
    return home


async def test_a_token_the_server_rejects_is_not_authenticated(
    demo_world_factory: Callable[..., DemoWorld], tmp_path: Path
) -> None:
    world = demo_world_factory(auto_approve=True)
    home = _home(world, tmp_path)
    loaded = load_config(home, home)
    store = open_store("file", home)

    # What the store alone says (list): both look fine.
    plain = await compute_statuses(loaded, store)
    assert plain["broken"].auth_status == "authenticated"

    checked = await compute_statuses(loaded, store, check_tokens=True)
    assert checked["linear"].auth_status == "authenticated"
    assert checked["broken"].auth_status == "oauth_available"
    assert checked["broken"].auth.detail.startswith("token rejected by the server (401")

    # The doctor tries it too, and says why.
    report = json.loads(cli(world, "doctor", "broken", "--json", home=home).stdout)["servers"][0]
    assert report["auth"]["status"] == "oauth_available"
    assert report["auth"]["detail"].startswith("token rejected by the server (401)")
    assert {"token_audience", "oauth_resource_mismatch"} & {f["id"] for f in report["findings"]}


async def test_a_revoked_token_is_found_out(
    demo_world_factory: Callable[..., DemoWorld], tmp_path: Path
) -> None:
    world = demo_world_factory(auto_approve=True)
    home = _home(world, tmp_path)
    loaded = load_config(home, home)
    world.auth_server.revoke_all()
    checked = await compute_statuses(loaded, open_store("file", home), check_tokens=True)
    assert checked["linear"].auth_status == "oauth_available"
    assert "token rejected by the server" in checked["linear"].auth.detail
