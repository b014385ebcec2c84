"""`mcpdeck add NAME --url URL` logs in at once when the server advertises OAuth."""

from __future__ import annotations

import json
from pathlib import Path

from mcpdeck.demo.world import DemoWorld
from tests.integration.helpers import cli


def test_add_with_an_oauth_server_logs_in_and_stores_credentials(
    demo_world: DemoWorld, tmp_path: Path
) -> None:
    home = tmp_path / "codex"
    home.mkdir()
    # The file store keeps the credentials in this temporary CODEX_HOME, not the OS keyring.
    (home / "config.toml").write_text('mcp_oauth_credentials_store = "file"\n')
    url = demo_world.urls["linear"]

    added = cli(demo_world, "add", "tracker", "--url", url, home=home)
    assert added.returncode == 0, added.stderr
    assert "Logged in to 'tracker'" in added.stdout
    assert "tracker" in (home / "config.toml").read_text()

    listed = cli(demo_world, "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    (entry,) = [s for s in json.loads(listed.stdout) if s["name"] == "tracker"]
    assert entry["auth_status"] == "authenticated", entry["auth"]
    assert entry["auth"]["store"] == "file"
    assert "issues:read" in entry["auth"]["scopes"]


def test_add_with_no_login_leaves_the_server_unauthenticated(
    demo_world: DemoWorld, tmp_path: Path
) -> None:
    home = tmp_path / "codex"
    home.mkdir()
    (home / "config.toml").write_text('mcp_oauth_credentials_store = "file"\n')
    url = demo_world.urls["linear"]
    added = cli(demo_world, "add", "tracker", "--url", url, "--no-login", home=home)
    assert added.returncode == 0, added.stderr
    assert "Logged in" not in added.stdout
    listed = json.loads(cli(demo_world, "list", "--json", home=home).stdout)
    assert listed[0]["auth_status"] == "oauth_available"


def test_add_of_a_server_without_oauth_says_so(demo_world: DemoWorld, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    home.mkdir()
    added = cli(demo_world, "add", "stage", "--url", demo_world.urls["staging"], home=home)
    assert added.returncode == 0, added.stderr
    assert "does not advertise OAuth" in added.stdout and "Logged in" not in added.stdout
