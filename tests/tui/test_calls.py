"""Calling tools, reading resources and getting prompts from the TUI, against real servers:
the demo world (step-up end to end) and the unmodified server-everything (every content kind,
progress, cancel)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input, Select, Static

from mcpdeck.credentials.record import CredentialKey
from mcpdeck.credentials.select import open_store
from mcpdeck.tui.screens.call import CallScreen
from mcpdeck.tui.screens.confirm import ConfirmScreen
from mcpdeck.tui.screens.history import HistoryScreen
from mcpdeck.tui.widgets.tool_form import ToolForm

from .calls_helpers import everything_app, finish, open_diagnosis, open_row, result_text
from .conftest import World, settle
from .test_demo import app_for


async def test_step_up_end_to_end_in_the_tui(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=True)
    app = app_for(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        # A default login: the scopes the server's 401 named, not issues:write.
        await app.services.login(await app.services.load_config(), "linear", lambda e: None)
        await open_diagnosis(pilot, app, "linear")
        call = await open_row(pilot, app, "tools", "create_issue")
        call.query_one("#f-title", Input).value = "Crash on empty list"
        await pilot.press("f5")
        await finish(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)  # the 403 became a question
        body = str(app.screen.query_one("#confirm-body", Static).render())
        assert "403 insufficient_scope" in body
        assert "Scopes held:      issues:read offline_access" in body
        assert "Scopes required:  issues:read issues:write" in body
        await pilot.press("y")  # the step-up login (live timeline), then the retry
        await finish(pilot, app)
        await finish(pilot, app)
        assert app.screen is call
        assert call.result is not None and call.result.outcome == "ok", call.result
        assert call.result.stepped_up
        assert call.result.structured["title"] == "Crash on empty list"
        assert "done after step-up" in result_text(app)
        history = app.history.of("linear")
        assert [r.outcome for _, r in history] == ["ok", "step_up"]
    store = open_store("file", world.codex_home)
    server_url = world.urls["linear"]
    record = store.load(CredentialKey.for_server(world.codex_home, "linear", server_url))
    assert record is not None and "issues:write" in record.granted_scopes


async def test_validation_errors_are_shown_and_nothing_is_sent(world: World) -> None:
    app = everything_app(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_diagnosis(pilot, app, "everything")
        call = await open_row(pilot, app, "tools", "get-sum")
        call.query_one("#f-b", Input).value = "two"
        await pilot.press("f5")
        await pilot.pause()
        assert str(call.query_one("#f-a-error", Static).render()) == "✗ required"
        assert str(call.query_one("#f-b-error", Static).render()) == "✗ 'two' is not a number"
        assert "Not sent: 2 field(s) to fix" in str(call.query_one("#call-status", Static).render())
        assert call.worker is None and app.history.of("everything") == []
        # Fixed, it goes out, and the schema's own rules were checked on the way.
        call.query_one("#f-a", Input).value = "2"
        call.query_one("#f-b", Input).value = "40.5"
        await pilot.press("f5")
        await finish(pilot, app)
        assert call.result is not None and call.result.outcome == "ok"
        assert "42.5" in result_text(app)


async def test_escape_cancels_a_running_call(world: World) -> None:
    app = everything_app(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_diagnosis(pilot, app, "everything")
        call = await open_row(pilot, app, "tools", "trigger-long-running-operation")
        call.query_one("#f-duration", Input).value = "60"
        call.query_one("#f-steps", Input).value = "60"
        await pilot.press("f5")
        for _ in range(200):  # until the first progress notification is on screen
            await asyncio.sleep(0.05)
            if call.last_progress is not None:
                break
        await pilot.pause()
        status = str(call.query_one("#call-status", Static).render())
        assert "progress 1/60" in status and "Escape cancels" in status
        await pilot.press("escape")
        await finish(pilot, app)
        assert app.screen is call  # the first Escape cancels; it does not leave
        assert call.result is not None and call.result.outcome == "cancelled"
        assert "cancelled" in result_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CallScreen)


async def test_results_by_content_type_and_saving_an_image(world: World, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    app = everything_app(world, MCPDECK_SAVE_DIR=str(saved))
    async with app.run_test(size=(140, 40)) as pilot:
        await open_diagnosis(pilot, app, "everything")
        await open_row(pilot, app, "tools", "get-tiny-image")
        await pilot.press("f5")
        await finish(pilot, app)
        text = result_text(app)
        assert "🖼 image (image/png), " in text and "F4 saves it" in text
        await pilot.press("f4")
        await finish(pilot, app)
        (png,) = saved.iterdir()
        assert png.read_bytes()[:4] == b"\x89PNG"
        await pilot.press("f3")
        await pilot.pause()
        raw = result_text(app)
        assert '"method": "tools/call"' in raw and '"name": "get-tiny-image"' in raw
        await pilot.press("escape")
        await pilot.pause()

        call = await open_row(pilot, app, "tools", "get-structured-content")
        select = call.query_one("#f-location", Select)
        select.value = "Chicago"
        await pilot.press("f5")
        await finish(pilot, app)
        assert "✓ matches the tool's outputSchema" in result_text(app)
        await pilot.press("escape")
        await pilot.pause()

        await open_row(pilot, app, "tools", "get-resource-links")
        await pilot.press("f5")
        await finish(pilot, app)
        assert "→ link Blob Resource 1  demo://resource/dynamic/blob/1" in result_text(app)
        await pilot.press("escape")
        await pilot.pause()

        await open_row(pilot, app, "tools", "get-resource-reference")
        await pilot.press("f5")  # the defaults: Text, 1
        await finish(pilot, app)
        assert "embedded resource (text) demo://resource/dynamic/text/1" in result_text(app)


async def test_resources_templates_and_prompts_from_their_tabs(demo_world) -> None:  # type: ignore[no-untyped-def]
    app = app_for(demo_world)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_diagnosis(pilot, app, "staging")
        call = await open_row(pilot, app, "resources", "environment")
        await finish(pilot, app)  # a resource is read at once
        assert call.result is not None and call.result.outcome == "ok"
        assert "region=local-1 cluster=demo" in result_text(app)
        await pilot.press("escape")
        await pilot.pause()
        call = await open_row(pilot, app, "prompts", "release_notes")
        await finish(pilot, app)  # no arguments: fetched at once
        assert "user: text" in result_text(app)
        assert "api 2.4.1" in result_text(app)


async def test_history_reruns_a_call_with_one_key(world: World) -> None:
    app = everything_app(world)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_diagnosis(pilot, app, "everything")
        call = await open_row(pilot, app, "tools", "echo")
        call.query_one("#f-message", Input).value = "hello again"
        await pilot.press("f5")
        await finish(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("enter")  # the one key: runs it again
        await finish(pilot, app)
        again = app.screen
        assert isinstance(again, CallScreen)
        assert again.result is not None and again.result.outcome == "ok"
        assert "Echo: hello again" in result_text(app)
        assert again.query_one(ToolForm).values() == {"message": "hello again"}
        assert [r.outcome for _, r in app.history.of("everything")] == ["ok", "ok"]


async def test_a_resource_template_is_filled_in_then_read(world: World) -> None:
    app = everything_app(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_diagnosis(pilot, app, "everything")
        call = await open_row(pilot, app, "templates", "Dynamic Text Resource")
        await pilot.press("f5")
        await pilot.pause()
        assert str(call.query_one("#f-resourceId-error", Static).render()) == "✗ required"
        call.query_one("#f-resourceId", Input).value = "7"
        await pilot.press("f5")
        await finish(pilot, app)
        assert call.result is not None and call.result.outcome == "ok", call.result
        assert call.request.target == "demo://resource/dynamic/text/7"
        assert "Resource 7: This is a plaintext resource" in result_text(app)
