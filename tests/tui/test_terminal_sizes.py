"""The screens at the sizes real terminals have: 80x24 (ssh), 120x40, 200x60."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent
from textual.widgets._footer import FooterKey

from mcpdeck.tui.screens.diagnose import TABS, DiagnosticScreen
from mcpdeck.tui.widgets.auth_panel import AuthPanel
from mcpdeck.tui.widgets.server_table import COLUMNS, ServerTable

from .conftest import World, build, settle
from .doubles import FixedReportServices

CONFIG = """\
[mcp_servers.a-rather-long-server-name]
url = "http://127.0.0.1:1/mcp"

[mcp_servers.local]
command = "python3"

[mcp_servers.docs]
url = "http://127.0.0.1:1/docs"
bearer_token_env_var = "DOCS_TOKEN"
"""


def footer_keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [k.key for k in app.screen.query(FooterKey) if k.region.right <= app.size.width]


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (200, 60)])
async def test_name_auth_expires_and_the_quit_key_always_fit(world: World, size) -> None:  # type: ignore[no-untyped-def]
    world.write_user(CONFIG)
    app = build(world, env={})
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        columns = table.visible_columns
        assert {"name", "auth", "expires"} <= set(columns)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        header = str(app.screen.query_one("#servers-header").render())
        assert "Auth" in header and "Expires" in header
        keys = footer_keys(app)
        assert "q" in keys and "question_mark" in keys
        shown = app.export_screenshot()  # what the terminal shows, not what the DOM holds
        assert ">Quit<" in shown.replace("&#160;", "") and ">Help<" in shown.replace("&#160;", "")
        if size[0] >= 200:
            assert columns == [k for k, _, _ in COLUMNS]


async def test_panel_docks_below_on_a_narrow_terminal_and_p_toggles_it(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world, env={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        panel = app.screen.query_one(AuthPanel)
        assert panel.region.y > table.region.y
        assert panel.region.width >= 70
        await pilot.press("p")
        assert not panel.display
        assert table.region.height > 10
        await pilot.press("p")
        assert panel.display


async def test_panel_sits_beside_the_list_on_a_wide_terminal(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world, env={})
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        panel = app.screen.query_one(AuthPanel)
        assert panel.region.x >= table.region.right
        assert panel.region.y <= table.region.y


async def test_resizing_keeps_the_columns_under_their_header(world: World) -> None:
    world.write_user(CONFIG)
    app = build(world, env={})
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        wide = table.visible_columns
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        narrow = table.visible_columns
        assert len(narrow) < len(wide)
        header = str(app.screen.query_one("#servers-header").render())
        assert "Source" not in header


async def test_every_diagnostic_tab_label_fits_in_80_columns(world: World) -> None:
    world.write_user(CONFIG)
    services = FixedReportServices(world.home, world.project, env={})
    app = build(world, services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("v")
        await settle(pilot, app)
        assert isinstance(app.screen, DiagnosticScreen)
        tabs = app.screen.query_one(TabbedContent)
        for key, _ in TABS:
            tab = tabs.get_tab(key)
            assert tab.region.right <= 80, f"tab {key} ends at column {tab.region.right}"
        assert str(tabs.get_tab("findings").label).startswith("Findings")
        assert "question_mark" in footer_keys(app)


async def test_the_add_form_keys_and_buttons_fit_in_24_rows(world: World) -> None:
    from textual.widgets import Button

    world.write_user(CONFIG)
    app = build(world, env={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await pilot.pause()
        add = app.screen.query_one("#add-ok", Button)
        keys = app.screen.query_one("#add-keys")
        assert 0 < add.region.bottom <= 24 and add.region.height > 0
        assert 0 < keys.region.bottom <= 24 and keys.region.height > 0
