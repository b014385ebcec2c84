"""The event loop stays free while 100 status probes run against a slow real HTTP server."""

from __future__ import annotations

import asyncio
import os
import time

from mcpdeck.tui.screens.main import MainScreen
from mcpdeck.tui.widgets.server_table import ServerTable

from .conftest import World, build, settle
from .slow_server import slow_server

SERVERS = 100
MAX_LAG_SEC = 0.050


class LagMeter:
    """A ticker coroutine: how late each 5 ms sleep wakes up is how long the loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.ticks = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        interval = 0.005
        while not self._stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(interval)
            self.worst = max(self.worst, time.perf_counter() - start - interval)
            self.ticks += 1

    def stop(self) -> None:
        self._stop.set()


async def test_loop_never_blocked_while_100_probes_run(world: World) -> None:
    with slow_server(0.2) as base:
        world.write_user(
            "".join(f'[mcp_servers.s{i:03d}]\nurl = "{base}/mcp{i}"\n\n' for i in range(SERVERS))
        )
        app = build(world, env=dict(os.environ))
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot, app)  # first load and first round of probes
            screen = app.screen
            assert isinstance(screen, MainScreen)
            meter = LagMeter()
            ticker = asyncio.create_task(meter.run())
            await pilot.press("R")  # every server probed again, in workers
            await pilot.press("down", "down", "slash", "s", "escape")  # keys answered meanwhile
            await settle(pilot, app)
            meter.stop()
            await ticker
            table = screen.query_one(ServerTable)
            assert table.row_count == SERVERS
            assert all(not row.checking for row in screen.rows.values())
            assert meter.ticks > 10
            assert meter.worst < MAX_LAG_SEC, f"event loop blocked for {meter.worst * 1000:.0f} ms"
