"""Add, remove, enable/disable through the TUI: the file on disk is what changes."""

from __future__ import annotations

import tomllib

from mcpdeck.tui.screens.add import AddServerScreen
from mcpdeck.tui.widgets.server_table import ServerTable
from tests.loopback import refused_port

from .conftest import World, build, settle

CONFIG = """\
# my servers
[mcp_servers.local]
command = "python3"  # keep this comment

[mcp_servers.other]
command = "true"
"""


def servers_on_disk(world: World) -> dict:  # type: ignore[type-arg]
    return tomllib.loads(world.user_file.read_text()).get("mcp_servers", {})


async def test_add_a_remote_server_through_the_form(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        assert isinstance(app.screen, AddServerScreen)
        url = f"http://127.0.0.1:{refused_port()}/mcp"  # never leave the machine
        await pilot.press(*"linear", "tab", *url, "tab")
        await pilot.press("tab", *"read write")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        added = servers_on_disk(world)["linear"]
        assert added == {"url": url, "scopes": ["read", "write"]}
        assert "# keep this comment" in world.user_file.read_text()
        assert "linear" in app.screen.query_one(ServerTable).rows


async def test_add_form_validates_inline_and_refuses_bad_input(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("a", *"local")
        error = app.screen.query_one("#e-name")
        assert error.display and "already exists" in str(error.render())
        await pilot.press(*["backspace"] * 5, *"bad name!")
        assert "letters, digits" in str(error.render())
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, AddServerScreen)  # still open: nothing written
        assert app.screen.query_one("#e-target").display  # the missing URL is named too
        await pilot.press("escape")
        await settle(pilot, app)
        assert set(servers_on_disk(world)) == {"local", "other"}


async def test_add_a_command_server_to_the_project(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("a", *"tools", "tab", *"npx -y @acme/tools --fast")
        app.screen.query_one("#f-project").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        project = tomllib.loads(world.project_file.read_text())["mcp_servers"]["tools"]
        assert project == {"command": "npx", "args": ["-y", "@acme/tools", "--fast"]}
        assert "tools" not in servers_on_disk(world)


async def test_remove_asks_first_then_edits_the_file(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "d", "n")
        await settle(pilot, app)
        assert "other" in servers_on_disk(world)
        await pilot.press("d", "y")
        await settle(pilot, app)
        assert set(servers_on_disk(world)) == {"local"}
        assert "# my servers" in world.user_file.read_text()
        assert list(app.screen.query_one(ServerTable).rows) == ["local"]


async def test_enable_disable_toggles_the_flag_on_disk(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        assert servers_on_disk(world)["local"]["enabled"] is False
        table = app.screen.query_one(ServerTable)
        assert str(table.get_cell("local", "enabled")) == "no"
        await pilot.press("e")
        await settle(pilot, app)
        assert servers_on_disk(world)["local"].get("enabled", True) is True


async def test_trust_project_asks_first_then_codex_loads_the_project(world: World) -> None:
    from mcpdeck.tui.screens.confirm import ConfirmScreen

    world.write_user("")
    world.write_project('[mcp_servers.repo-tool]\ncommand = "echo"\n', trusted=False)
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        assert "untrusted" in str(table.get_cell("repo-tool", "source"))
        assert app.screen.check_action("trust", ()) is True
        await app.screen.run_action("trust")  # the palette's "Trust project"
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # asks first
        await pilot.press("n")
        await settle(pilot, app)
        assert "projects" not in tomllib.loads(world.user_file.read_text())
        await app.screen.run_action("trust")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot, app)
        projects = tomllib.loads(world.user_file.read_text())["projects"]
        assert projects[str(world.project.resolve())] == {"trust_level": "trusted"}
        assert "untrusted" not in str(table.get_cell("repo-tool", "source"))
        assert app.screen.check_action("trust", ()) is None
