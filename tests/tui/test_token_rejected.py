"""The TUI's checks try the stored token (issue 13, item 4): the demo's `broken` server rejects
the token a login obtains for it (its configured oauth_resource names linear), so its row says
so instead of "authenticated"."""

from __future__ import annotations

from typing import Any

from mcpdeck.tui.app import McpdeckApp, make_app
from mcpdeck.tui.widgets.server_table import ServerTable
from tests.integration.helpers import cli

from .conftest import FrozenClock, demo_scrub, demo_services, settle


def app_for(world: Any) -> McpdeckApp:
    return make_app(
        demo_services(world),
        clock=FrozenClock(),
        scrub=demo_scrub(world),
        cursor_blink=False,
        subtitle="demo",
    )


async def test_a_rejected_token_is_not_shown_as_authenticated(demo_world_factory: Any) -> None:
    world = demo_world_factory(auto_approve=True)
    for name in ("linear", "broken"):
        done = cli(world, "login", name)
        assert done.returncode == 0, done.stderr
    app = app_for(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await settle(pilot, app)
        table = app.screen.query_one(ServerTable)
        assert table.get_cell("linear", "auth") == "● authenticated"
        assert table.get_cell("broken", "auth") != "● authenticated"
        table.move_to("broken")
        await pilot.pause()
        await pilot.press("r")  # check again: still rejected
        await settle(pilot, app)
        await settle(pilot, app)
        assert table.get_cell("broken", "auth") != "● authenticated"
        assert "token rejected by the server" in str(app.screen.query_one("#auth-body").render())
