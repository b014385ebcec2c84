"""Driving the call screen from the diagnostic screen's tabs, as a user does."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from mcpdeck.tui.app import McpdeckApp, make_app
from mcpdeck.tui.screens.call import CallScreen
from mcpdeck.tui.screens.diagnose import DiagnosticScreen
from mcpdeck.tui.services import Services
from mcpdeck.tui.widgets.server_table import ServerTable

from .conftest import FrozenClock, World, settle


def everything_app(world: World, **env: str) -> McpdeckApp:
    from tests.calls.everything import stdio_config

    world.write_user(stdio_config())
    services = Services(world.home, world.project, env={**os.environ, **env})
    return make_app(
        services, clock=FrozenClock(), scrub=world.scrub, cursor_blink=False, subtitle="test"
    )


async def open_diagnosis(pilot: Any, app: McpdeckApp, server: str) -> DiagnosticScreen:
    await settle(pilot, app)
    app.screen.query_one(ServerTable).move_to(server)
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, DiagnosticScreen)
    assert screen.report is not None and not screen.report.session_error, screen.report
    return screen


async def open_row(pilot: Any, app: McpdeckApp, tab: str, name: str) -> CallScreen:
    """Enter on the row named ``name`` of a tab (tools, resources, templates, prompts)."""
    screen = app.screen
    assert isinstance(screen, DiagnosticScreen) and screen.report is not None
    rows = {
        "tools": [t.name for t in screen.report.tools],
        "resources": [r.name for r in screen.report.resources],
        "templates": [t.name for t in screen.report.templates],
        "prompts": [p.name for p in screen.report.prompts],
    }[tab]
    screen.action_tab(tab)
    await pilot.pause()
    table = screen.query_one(f"#{tab}-table")
    table.focus()
    table.move_cursor(row=rows.index(name))  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    call = app.screen
    assert isinstance(call, CallScreen)
    return call


async def finish(pilot: Any, app: McpdeckApp) -> None:
    """Wait for the call (and anything it started) to end and its result to be shown."""
    for _ in range(4):
        await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        await pilot.pause()


def result_text(app: McpdeckApp) -> str:
    from textual.widgets import Markdown, Static

    from mcpdeck.tui.widgets.result_view import ResultView

    view = app.screen.query_one(ResultView)
    parts = []
    for child in view.query("*"):
        if isinstance(child, Static):
            parts.append(str(child.render()))
        elif isinstance(child, Markdown):
            parts.append(child.source)
    return "\n".join(parts)
