"""Keys, focus and what the rows say, driven with the pilot against real config files."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Tabs
from textual.widgets._footer import FooterKey

from mcpdeck.tui.screens.confirm import ConfirmScreen
from mcpdeck.tui.screens.diagnose import DiagnosticScreen
from mcpdeck.tui.screens.help import HelpScreen
from mcpdeck.tui.screens.login import LoginScreen
from mcpdeck.tui.widgets.auth_panel import AuthPanel
from mcpdeck.tui.widgets.server_table import ServerTable
from tests.loopback import refused_port

from .conftest import World, build, help_text, settle
from .doubles import FixedReportServices


def record_toasts(app: Any) -> list[str]:
    said: list[str] = []
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        said.append(str(message))
        original(message, **kwargs)

    app.notify = notify
    return said


def panel_text(app: Any) -> str:
    return str(app.screen.query_one(AuthPanel).query_one("#auth-body").render())


def footer_keys(app: Any) -> set[str]:
    return {k.key for k in app.screen.query(FooterKey)}


def http_and_stdio() -> str:
    """A remote server on a port that refuses (chosen per test: a port picked at import time
    may be taken by another process by the time the test runs) and a stdio server."""
    return f"""\
[mcp_servers.remote]
url = "http://127.0.0.1:{refused_port()}/mcp"

[mcp_servers.local]
command = "python3"
"""


async def test_enter_applies_the_finding_from_anywhere_in_the_findings_tab(world: World) -> None:
    world.write_user(http_and_stdio())
    services = FixedReportServices(world.home, world.project, env={})
    app = build(world, services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("v")
        await settle(pilot, app)
        await pilot.press("8")
        await pilot.pause()
        assert isinstance(app.focused, DataTable) and app.focused.id == "findings-table"
        app.screen.query_one(Tabs).focus()  # the tab bar has the keys, as after a Tab
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DiagnosticScreen)


async def test_after_the_first_server_is_added_keys_go_to_the_list(world: World) -> None:
    app = build(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert not app.screen.query_one("#body").display  # the empty state
        await pilot.press("a", *"first", "tab", *"python3 -m tool")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        assert "first" in table.rows
        assert app.focused is table
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.screen.query_one(ServerTable)
        assert app.screen.query_one("#filter", Input).value == ""
        assert "first" in app.screen.query_one(ServerTable).rows


async def test_question_mark_opens_help_on_every_screen(world: World) -> None:
    world.write_user(http_and_stdio())
    services = FixedReportServices(world.home, world.project, env={})
    app = build(world, services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        for opener in ([], ["v"], ["l"]):
            await pilot.press(*opener)
            await settle(pilot, app) if opener != ["l"] else await services.waiting.wait()
            under = type(app.screen)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen), f"? did nothing on {under.__name__}"
            first_line = help_text(app).splitlines()[0]
            assert "Escape" in first_line  # the way out is above the fold
            await pilot.press("escape")
            await pilot.pause()
            assert type(app.screen) is under
            if opener == ["v"]:
                await pilot.press("escape")
                await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("escape")
        await settle(pilot, app)


async def test_login_is_not_offered_on_a_stdio_server_and_says_why(world: World) -> None:
    world.write_user(http_and_stdio())
    app = build(world, env={})
    said = record_toasts(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        table.move_to("remote")
        await pilot.pause()
        assert "l" in footer_keys(app)
        table.move_to("local")
        await pilot.pause()
        await pilot.pause()
        assert "l" not in footer_keys(app) and "o" not in footer_keys(app)
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(app.screen, LoginScreen)
        assert any("stdio" in s and "only remote" in s for s in said)


async def test_recheck_all_says_it_started_and_what_it_found(world: World) -> None:
    world.write_user(http_and_stdio())
    app = build(world, env={})
    said = record_toasts(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("R")
        await settle(pilot, app)
        assert "Checking 2 servers again…" in said
        summary = [s for s in said if s.startswith("Checked 2 servers:")]
        assert summary and "1 probe failed" in summary[0] and "1 no auth" in summary[0]


async def test_disabled_and_unset_variable_states_are_shown_as_such(world: World) -> None:
    port = refused_port()
    world.write_user(
        f'[mcp_servers.off]\nurl = "http://127.0.0.1:{port}/mcp"\nenabled = false\n\n'
        f'[mcp_servers.docs]\nurl = "http://127.0.0.1:{port}/docs"\n'
        'bearer_token_env_var = "UNSET_TOKEN_VAR"\n'
    )
    app = build(world, env={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        assert table.get_cell("off", "auth") == "⊘ disabled"
        assert table.get_cell("docs", "auth") == "◆ token var unset"
        table.move_to("docs")
        await pilot.pause()
        assert "not set: the server gets no token" in panel_text(app)


async def test_fields_from_two_layers_are_named_and_remove_says_what_remains(
    world: World,
) -> None:
    port = refused_port()
    world.write_user(
        f'[mcp_servers.docs]\nurl = "http://127.0.0.1:{port}/docs"\nstartup_timeout_sec = 5\n'
    )
    world.write_project("[mcp_servers.docs]\ntool_timeout_sec = 30\n")
    app = build(world, env={})
    said = record_toasts(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        assert table.get_cell("docs", "source") == "user + project"
        text = panel_text(app)
        assert "User layer  url, startup_timeout_sec" in text
        assert "Proj layer  tool_timeout_sec" in text
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        body = str(app.screen.query_one("#confirm-body").render())
        assert "stays defined in the user layer" in body
        await pilot.press("y")
        await settle(pilot, app)
        assert "docs" in app.screen.query_one(ServerTable).rows
        note = [s for s in said if s.startswith("Removed docs")]
        assert note and "still defined in /w/home/config.toml:1 (user layer)" in note[0]


async def test_tool_counts_survive_a_reload(world: World) -> None:
    world.write_user(http_and_stdio())
    services = FixedReportServices(world.home, world.project, env={})
    app = build(world, services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("v")
        await settle(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        count = table.get_cell("remote", "tools")
        assert count.isdigit()
        await pilot.press("down", "e")  # an edit of another server reloads the config
        await settle(pilot, app)
        assert app.screen.query_one(ServerTable).get_cell("remote", "tools") == count


async def test_a_filter_that_matches_nothing_says_so(world: World) -> None:
    world.write_user(http_and_stdio())
    app = build(world, env={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"zzz")
        await pilot.pause()
        assert "No server matches “zzz”" in panel_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "remote" in panel_text(app)


async def test_a_long_path_wraps_at_its_separators(world: World) -> None:
    deep = world.root / "a-rather-long-directory-name" / "another-long-directory-name" / "h"
    deep.mkdir(parents=True)
    (deep / "config.toml").write_text(http_and_stdio())
    from mcpdeck.tui.services import Services

    app = build(world, Services(deep, world.project, env={}))
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot, app)
        text = panel_text(app)
        lines = [line.strip() for line in text.splitlines()]
        start = next(i for i, line in enumerate(lines) if line.startswith("Defined in"))
        path_lines = [lines[start].removeprefix("Defined in").strip(), lines[start + 1]]
        assert all(line.endswith("/") for line in path_lines[:1])
        assert "".join(path_lines).startswith("/w/a-rather-long-directory-name/")


async def test_keys_remapped_in_the_settings_file_drive_footer_and_palette(world: World) -> None:
    from textual.command import CommandPalette

    from mcpdeck.tui.commands import palette_bindings
    from mcpdeck.tui.screens.main import MainScreen

    settings = world.root / "settings.toml"
    settings.write_text('[keys]\n"main.login" = "L"\n"main.no_such_id" = "x"\n')
    world.write_user(http_and_stdio())
    services = FixedReportServices(
        world.home, world.project, env={"MCPDECK_SETTINGS": str(settings)}
    )
    app = build(world, services)
    said = record_toasts(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert any("keys.main.no_such_id: no such binding" in s for s in said)
        keys = footer_keys(app)
        assert "L" in keys and "l" not in keys
        # Every footer action of the list is a palette command: one list, no drift.
        palette = {b.action for b in palette_bindings(app.screen)}
        footer = {k.action for k in app.screen.query(FooterKey)} - {
            "app.quit",
            "command_palette",
        }
        assert footer <= palette
        assert {b.id for b in palette_bindings(MainScreen)} >= {"main.login", "main.diagnose"}
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Login")
        await pilot.pause(0.3)
        shown = " ".join(
            str(option.prompt) for option in app.screen.query_one("CommandList").options
        )
        assert "OAuth login to the selected server" in shown and "(key: L)" in shown
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("l")  # the old key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        shown = help_text(app)
        assert "Changed in your settings file" in shown and "L  main.login" in shown
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("L")
        await services.waiting.wait()
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("escape")
        await settle(pilot, app)
