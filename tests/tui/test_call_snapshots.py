"""Snapshots of the call screen: a generated form (and its validation errors) and each kind of
result, from real calls to server-everything and the demo world. What varies is frozen: the
clock, the call's duration (12 ms), temp paths, ports and the server's time of day."""

from __future__ import annotations

import os
import re
from typing import Any

from textual.widgets import Input, Select

from mcpdeck.session.results import CallResult
from mcpdeck.tui.app import McpdeckApp, make_app
from mcpdeck.tui.history import CallRequest
from mcpdeck.tui.screens.call import CallScreen
from mcpdeck.tui.services import Services

from .calls_helpers import finish, open_diagnosis, open_row
from .conftest import FrozenClock, World, demo_scrub, follow_redirects, settle

SIZE = (130, 34)

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "description": "One line that says what is wrong."},
        "priority": {"type": "integer", "enum": [1, 2, 3], "default": 2},
        "labels": {"type": "array", "items": {"type": "string"}, "description": "Tags."},
        "urgent": {"type": "boolean", "default": False},
        "estimate": {"type": ["number", "null"], "description": "Hours, or null."},
        "team": {
            "type": "object",
            "properties": {
                "key": {"type": "string", "enum": ["LIN", "WEB"]},
                "notify": {"type": "boolean"},
            },
            "required": ["key"],
        },
        "target": {
            "oneOf": [
                {"type": "string"},
                {"type": "object", "properties": {"id": {"type": "integer"}}},
            ]
        },
    },
    "required": ["title", "team"],
}


class FrozenCalls(Services):
    """The real services; only the call's measured duration is pinned for the picture."""

    async def call(self, loaded: Any, request: CallRequest, on_progress: Any = None) -> CallResult:
        result = await super().call(loaded, request, on_progress)
        result.elapsed_ms = 12.0
        return result


def _scrub(base: Any) -> Any:
    def scrub(text: str) -> str:
        return re.sub(r"\d{1,2}:\d{2}:\d{2}\s?[AP]M", "10:00:00 AM", base(text))

    return scrub


def everything_app(world: World) -> McpdeckApp:
    from tests.calls.everything import stdio_config

    world.write_user(stdio_config())
    services = FrozenCalls(world.home, world.project, env=dict(os.environ))
    return make_app(
        services,
        clock=FrozenClock(),
        scrub=_scrub(world.scrub),
        cursor_blink=False,
        subtitle="snapshot",
    )


def _run(tool: str, values: dict[str, str] | None = None, *, keys: tuple[str, ...] = ()) -> Any:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await open_diagnosis(pilot, app, "everything")
        call = await open_row(pilot, app, "tools", tool)
        for key, value in (values or {}).items():
            widget = call.query_one(f"#f-{key}")
            if isinstance(widget, Select):
                widget.value = value
            else:
                assert isinstance(widget, Input)
                widget.value = value
        await pilot.press("f5")
        await finish(pilot, app)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()

    return run_before


async def _form(pilot: Any, *, errors: bool = False) -> None:
    app = pilot.app
    await settle(pilot, app)
    loaded = await app.services.load_config()
    screen = CallScreen(
        loaded,
        CallRequest("linear", "tool", "file_bug"),
        schema=FORM_SCHEMA,
        description="File a bug with everything a form can hold.",
    )
    await app.push_screen(screen)
    await pilot.pause()
    if errors:
        screen.query_one("#f-estimate", Input).value = "soon"
        await pilot.press("f5")
        await pilot.pause()


def test_call_form(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    app = make_app(
        Services(world.home, world.project),
        clock=FrozenClock(),
        scrub=world.scrub,
        cursor_blink=False,
        subtitle="snapshot",
    )

    async def run_before(pilot: Any) -> None:
        await _form(pilot)

    assert snap_compare(app, terminal_size=(130, 48), run_before=run_before)


def test_call_form_errors(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    app = make_app(
        Services(world.home, world.project),
        clock=FrozenClock(),
        scrub=world.scrub,
        cursor_blink=False,
        subtitle="snapshot",
    )

    async def run_before(pilot: Any) -> None:
        await _form(pilot, errors=True)

    assert snap_compare(app, terminal_size=(130, 48), run_before=run_before)


def test_result_image(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        everything_app(world), terminal_size=SIZE, run_before=_run("get-tiny-image")
    )


def test_result_resource_links(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    app = everything_app(world)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=_run("get-resource-links", {"count": "2"})
    )


def test_result_embedded_resource(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    app = everything_app(world)
    assert snap_compare(app, terminal_size=SIZE, run_before=_run("get-resource-reference"))


def test_result_structured_content(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    app = everything_app(world)
    run = _run("get-structured-content", {"location": "New York"})
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_result_raw_exchange(snap_compare, world: World) -> None:  # type: ignore[no-untyped-def]
    app = everything_app(world)
    run = _run("get-sum", {"a": "2", "b": "40"}, keys=("f3",))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def _demo_app(world: Any) -> McpdeckApp:
    services = FrozenCalls(
        world.codex_home,
        world.project_dir,
        env={**os.environ, **world.env},
        open_browser=False,
        browser=follow_redirects,
    )
    return make_app(
        services, clock=FrozenClock(), scrub=demo_scrub(world), cursor_blink=False, subtitle="demo"
    )


def test_result_markdown_and_tool_error(snap_compare, demo_world) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await open_diagnosis(pilot, app, "docs")
        call = await open_row(pilot, app, "tools", "read_page")
        call.query_one("#f-slug", Input).value = "nope"
        await pilot.press("f5")
        await finish(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        call = await open_row(pilot, app, "tools", "read_page")
        call.query_one("#f-slug", Input).value = "oauth"
        await pilot.press("f5")
        await finish(pilot, app)
        await pilot.press("f6")  # the history shows both, the error first in time
        await pilot.pause()

    assert snap_compare(_demo_app(demo_world), terminal_size=SIZE, run_before=run_before)


def test_result_prompt_messages(snap_compare, demo_world) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await open_diagnosis(pilot, app, "staging")
        await open_row(pilot, app, "prompts", "release_notes")
        await finish(pilot, app)

    assert snap_compare(_demo_app(demo_world), terminal_size=SIZE, run_before=run_before)


def test_step_up_question(snap_compare, demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=True)

    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await settle(pilot, app)
        await app.services.login(await app.services.load_config(), "linear", lambda e: None)
        await open_diagnosis(pilot, app, "linear")
        call = await open_row(pilot, app, "tools", "create_issue")
        call.query_one("#f-title", Input).value = "Needs write access"
        await pilot.press("f5")
        await finish(pilot, app)

    assert snap_compare(_demo_app(world), terminal_size=SIZE, run_before=run_before)
