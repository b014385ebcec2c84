"""Probe results arriving in a burst reach the table through one message, not one each.

How the queue splits a burst into passes is tested without Textual (tests/unit/test_probe_queue.py).
"""

from __future__ import annotations

from textual.message import Message

from mcpdeck.tui.messages import ProbesPending
from mcpdeck.tui.model import Probe
from mcpdeck.tui.screens.main import MainScreen
from mcpdeck.tui.widgets.server_table import ServerTable

from .conftest import World, build, settle

SERVERS = 50


async def test_a_burst_of_results_is_one_message(world: World) -> None:
    world.write_user(
        "".join(f'[mcp_servers.s{i:02d}]\ncommand = "true"\n\n' for i in range(SERVERS))
    )
    pending: list[Message] = []
    app = build(world)
    async with app.run_test(
        size=(140, 40),
        message_hook=lambda m: pending.append(m) if isinstance(m, ProbesPending) else None,
    ) as pilot:
        await settle(pilot, app)
        main = app.screen
        assert isinstance(main, MainScreen)
        table = main.query_one(ServerTable)
        assert {table.get_cell(n, "auth") for n in main.rows} == {"· no auth"}
        pending.clear()
        for name in main.rows:  # as the probe reader does, faster than the screen reads them
            main.probe_arrived(Probe(name=name, auth_status="bearer_token", detail="burst"))
        for _ in range(4):
            await pilot.pause()
        assert len({id(m) for m in pending}) == 1  # the hook may see one message twice
        assert {table.get_cell(n, "auth") for n in main.rows} == {"◆ bearer token"}
