"""Quitting while probes are in flight: the probes are stopped, not waited for.

A real loopback server accepts the probe's request and never answers; the probe timeout is a
minute. Before the fix the probe thread could not be cancelled, so the connection stayed open
(and the process's exit waited) until that timeout. Now the probes run in a child process that
is killed when its worker is cancelled, and reaped before the cancelled worker finishes: a quit's
event loop never closes with the worker still dying (no "unclosed transport", no asyncio
warning about a closed loop, no zombie).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from mcpdeck.tui.services import Services
from tests.tui.conftest import World, build

PROBE_TIMEOUT = 60.0
# Below every timeout of the probe (its request gives up after 10 s): only a cancelled probe
# closes its connection this soon.
EVENTUALLY = 5.0


@asynccontextmanager
async def silent_server() -> AsyncIterator[tuple[str, asyncio.Event, asyncio.Event]]:
    """Reads a request, never answers; says when a request arrived and when the client left."""
    asked, left = asyncio.Event(), asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            asked.set()
            await reader.read()  # returns at EOF: the client closed its end
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        left.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/mcp", asked, left
    finally:
        server.close()


def _probe_workers(*, zombies: bool = False) -> list[int]:
    """Child processes of this test running the probe worker (from /proc); ``zombies``: count
    the exited but not yet reaped ones too."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if parent != os.getpid() or (state == "Z" and not zombies):
            continue
        # a zombie has no command line left: any child of this test's process counts then
        if b"mcpdeck.probe_worker" in cmdline or state == "Z":
            found.append(int(entry.name))
    return found


async def _eventually_no_workers() -> None:
    deadline = asyncio.get_running_loop().time() + EVENTUALLY
    while _probe_workers() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert _probe_workers() == []


async def test_cancelling_a_probe_closes_its_connection(world: World) -> None:
    async with silent_server() as (url, asked, left):
        world.write_user(f'[mcp_servers.slow]\nurl = "{url}"\n')
        services = Services(
            world.home, world.project, env=dict(os.environ), probe_timeout=PROBE_TIMEOUT
        )
        loaded = await services.load_config()
        results: list[object] = []
        task = asyncio.create_task(services.probe(loaded, results.append))
        await asyncio.wait_for(asked.wait(), EVENTUALLY)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert task.cancelled()
        # The cancelled probe returned only once its worker was gone and reaped.
        assert _probe_workers(zombies=True) == []
        await asyncio.wait_for(left.wait(), EVENTUALLY)
        assert results == []


@asynccontextmanager
async def _app_with_a_silent_server(
    world: World,
) -> AsyncIterator[tuple[Any, asyncio.Event, asyncio.Event]]:
    """The app on one server that never answers: (app, the server was asked, the client left)."""
    async with silent_server() as (url, asked, left):
        world.write_user(f'[mcp_servers.slow]\nurl = "{url}"\n')
        services = Services(
            world.home, world.project, env=dict(os.environ), probe_timeout=PROBE_TIMEOUT
        )
        yield build(world, services), asked, left


async def test_quitting_the_app_cancels_probes_in_flight(world: World) -> None:
    async with _app_with_a_silent_server(world) as (app, asked, left):
        async with app.run_test() as pilot:
            await asyncio.wait_for(asked.wait(), EVENTUALLY)
            assert _probe_workers()
            await pilot.press("ctrl+q")
        await asyncio.wait_for(left.wait(), EVENTUALLY)
    await _eventually_no_workers()


def test_a_quit_ends_the_probe_worker_before_the_event_loop_closes(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """As `mcpdeck tui` runs: the app in an event loop of its own, closed right after the quit,
    with a probe blocked reading an answer that never comes."""

    async def session() -> None:
        async with (
            _app_with_a_silent_server(world) as (app, asked, _left),
            app.run_test() as pilot,
        ):
            await asyncio.wait_for(asked.wait(), EVENTUALLY)
            await pilot.press("ctrl+q")

    caplog.set_level(logging.WARNING, logger="asyncio")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        asyncio.run(session())
        gc.collect()  # an unclosed transport would warn as it is collected
    # Checked at once, no waiting: nothing of the worker outlives the loop.
    assert _probe_workers(zombies=True) == []
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_probe_worker_sees_the_same_overrides(world: World) -> None:
    """`-c` overrides reach the probe worker: it probes the servers the TUI shows."""
    from tests.loopback import refused_port

    url = f"http://127.0.0.1:{refused_port()}/mcp"
    services = Services(
        world.home,
        world.project,
        env=dict(os.environ),
        overrides=[("mcp_servers.from-override.url", url)],
    )
    loaded = await services.load_config()
    assert "from-override" in loaded.servers
    results: list[object] = []
    await services.probe(loaded, results.append)
    assert [getattr(r, "name", None) for r in results] == ["from-override"]
    assert "connection failed" in getattr(results[0], "detail", "")
