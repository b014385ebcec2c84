"""Snapshots (pytest-textual-snapshot) with everything that varies frozen: the clock, temp paths
and ports (scrubbed), the cursor blink, the version (subtitle). Update with --snapshot-update
after looking at the new SVGs."""

from __future__ import annotations

import os

import pytest

from mcpdeck.tui.app import make_app
from mcpdeck.tui.screens.diagnose import TABS
from tests.loopback import refused_port

from .conftest import FrozenClock, World
from .doubles import FixedReportServices

SIZE = (130, 34)


def config(port: int) -> str:
    return f"""\
[mcp_servers.linear]
url = "http://127.0.0.1:{port}/mcp"
scopes = ["issues:read"]

[mcp_servers.docs]
url = "http://127.0.0.1:{port}/docs"
bearer_token_env_var = "SNAP_DOCS_TOKEN"

[mcp_servers.local]
command = "python3"
args = ["-m", "tools"]

[mcp_servers.paused]
command = "true"
enabled = false
"""


def app_for(world: World):  # type: ignore[no-untyped-def]
    services = FixedReportServices(
        world.home, world.project, env={"SNAP_DOCS_TOKEN": "x" * 12, "PATH": os.environ["PATH"]}
    )
    app = make_app(
        services, clock=FrozenClock(), scrub=world.scrub, cursor_blink=False, subtitle="snapshot"
    )
    return app, services


async def settled(pilot) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    for _ in range(3):
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
        await pilot.pause()


def test_main_screen(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    world.write_project('[mcp_servers.staging]\ncommand = "true"\n', trusted=False)
    app, _ = app_for(world)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled)


def test_empty_state(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    app, _ = app_for(world)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled)


def test_config_error_banner(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    world.write_user(
        config(refused_port())
        + '\n[mcp_servers.both]\ncommand = "x"\nurl = "http://127.0.0.1:1/x"\n'
        + '\n[mcp_servers.typo]\ncommand = "x"\nstartup_timeout_sec = "ten"\n'
    )
    app, _ = app_for(world)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled)


def test_login_modal_mid_flow(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    app, services = app_for(world)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("l")
        await services.waiting.wait()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("tab", [key for key, _ in TABS])
def test_diagnostic_tab(snap_compare, world: World, tab: str) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    app, _ = app_for(world)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("v")
        await settled(pilot)
        await pilot.press(str([k for k, _ in TABS].index(tab) + 1))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


TERMINALS = {"80x24": (80, 24), "120x40": (120, 40), "200x60": (200, 60)}


@pytest.mark.parametrize("terminal", list(TERMINALS))
def test_main_screen_at_terminal_size(snap_compare, world: World, terminal: str) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    world.write_project('[mcp_servers.staging]\ncommand = "true"\n', trusted=False)
    app, _ = app_for(world)
    assert snap_compare(app, terminal_size=TERMINALS[terminal], run_before=settled)


@pytest.mark.parametrize("terminal", list(TERMINALS))
def test_findings_tab_at_terminal_size(snap_compare, world: World, terminal: str) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    app, _ = app_for(world)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("v")
        await settled(pilot)
        await pilot.press("8")
        await pilot.pause()

    assert snap_compare(app, terminal_size=TERMINALS[terminal], run_before=run_before)


@pytest.mark.parametrize("terminal", list(TERMINALS))
def test_login_modal_at_terminal_size(snap_compare, world: World, terminal: str) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    app, services = app_for(world)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("l")
        await services.waiting.wait()
        await pilot.pause()

    assert snap_compare(app, terminal_size=TERMINALS[terminal], run_before=run_before)


def test_add_form_at_80x24(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    app, _ = app_for(world)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("a", *"v", "tab", *"ftp://x", "tab")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_help_at_80x24(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    world.write_user(config(refused_port()))
    app, _ = app_for(world)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
