"""The main screen against real config files: list, badges, banner, empty state, filter."""

from __future__ import annotations

import gc

from mcpdeck.tui.screens.main import MainScreen
from mcpdeck.tui.widgets.auth_panel import AuthPanel
from mcpdeck.tui.widgets.server_table import ServerTable

from .conftest import World, build, help_text, settle

CONFIG = """\
[mcp_servers.local]
command = "python3"
args = ["-m", "tool"]

[mcp_servers.docs]
url = "http://127.0.0.1:1/docs"
bearer_token_env_var = "DOCS_TOKEN"

[mcp_servers.off]
command = "true"
enabled = false
"""


def cell(table: ServerTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column))


async def test_lists_every_server_with_status_words(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world, env={"DOCS_TOKEN": "x" * 10})
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        assert list(table.rows) == ["local", "docs", "off"]
        assert cell(table, "local", "transport") == "stdio"
        assert cell(table, "docs", "transport") == "http"
        assert cell(table, "docs", "auth") == "◆ bearer token"
        assert cell(table, "local", "auth") == "· no auth"
        assert cell(table, "off", "enabled") == "no"
        assert cell(table, "local", "source") == "user"


async def test_auth_panel_follows_the_selection(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world, env={})
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("down")
        panel = app.screen.query_one(AuthPanel)
        text = str(panel.query_one("#auth-body").render())
        assert "docs" in text
        assert "DOCS_TOKEN" in text and "not set" in text


async def test_project_servers_carry_their_badge(world: World) -> None:
    world.write_user(CONFIG)
    world.write_project('[mcp_servers.staging]\ncommand = "true"\n', trusted=False)
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        assert cell(table, "staging", "source") == "project (untrusted)"


async def test_config_error_banner_keeps_valid_servers(world: World) -> None:
    world.write_user(CONFIG + '\n[mcp_servers.both]\ncommand = "x"\nurl = "http://y"\n')
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        banner = app.screen.query_one("#banner")
        assert banner.display
        text = str(banner.render())
        assert "/w/home/config.toml:" in text
        table = app.screen.query_one(ServerTable)
        assert "local" in table.rows and "docs" in table.rows
        assert cell(table, "both", "auth") == "✗ invalid"


async def test_syntax_error_names_file_and_line(world: World) -> None:
    world.write_user('[mcp_servers.a]\ncommand = "x"\n[mcp_servers.b\n')
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        text = str(app.screen.query_one("#banner").render())
        assert "/w/home/config.toml:3" in text


async def test_empty_state_explains_and_offers_add_and_demo(world: World) -> None:
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        empty = app.screen.query_one("#empty")
        assert empty.display
        text = str(empty.render())
        assert "No MCP servers configured yet" in text
        assert "mcpdeck demo" in text and "press a" in text


async def test_filter_narrows_the_list_and_escape_restores_it(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"http")
        table = app.screen.query_one(ServerTable)
        assert list(table.rows) == ["docs"]
        await pilot.press("escape")
        assert list(table.rows) == ["local", "docs", "off"]
        assert table.has_focus


async def test_config_change_on_disk_reloads(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        world.write_user(CONFIG + '\n[mcp_servers.extra]\ncommand = "true"\n')
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.watch_files()
        await settle(pilot, app)
        assert "extra" in screen.query_one(ServerTable).rows


async def test_help_lists_every_main_binding(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot, app)
        keys = {b.key for b in MainScreen.BINDINGS}
        await pilot.press("question_mark")
        text = help_text(app)
        words = {"enter": "Enter", "slash": "/", "question_mark": "?", "R": "R"}
        for key in keys:
            assert words.get(key, key) in text, key


async def test_the_app_leaves_the_garbage_collector_alone(world: World) -> None:
    """gc.freeze is the process's choice (run_tui), never a side effect of the App itself."""
    world.write_user(CONFIG)
    frozen = gc.get_freeze_count()
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.pause()
    assert gc.get_freeze_count() == frozen
