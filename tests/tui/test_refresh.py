"""Background token refresh against a private demo world whose tokens live 60 s.

A 60 s token's refresh margin is a quarter of its lifetime (15 s), so a fresh one is not
refreshed at once: the test ages the stored record by 50 s (no waiting) so the real token
provider refreshes it; the app decides *when* by its own clock, which the test moves from a
frozen past instant to now to make the row's countdown cross the margin.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mcpdeck import records
from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.credentials.select import open_store
from mcpdeck.tui.app import McpdeckApp, make_app
from mcpdeck.tui.refresh_policy import REFRESH_COOLDOWN_SEC
from mcpdeck.tui.screens.main import MainScreen
from mcpdeck.tui.widgets.server_table import ServerTable

from .conftest import FrozenClock, demo_scrub, demo_services, settle

TOKEN_LIFETIME = 60.0


def app_for(world: Any, clock: FrozenClock) -> McpdeckApp:
    return make_app(
        demo_services(world),
        clock=clock,
        scrub=demo_scrub(world),
        cursor_blink=False,
        subtitle="demo",
    )


def record_notes(app: McpdeckApp) -> list[tuple[str, str]]:
    """Every toast the app raises, as (text, severity)."""
    notes: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        notes.append((str(message), str(kwargs.get("severity", "information"))))
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return notes


async def until(pilot: Any, app: McpdeckApp, done: Callable[[], bool], what: str) -> None:
    """Let the app's 1 s tick run until ``done``; a generous deadline only guards a hang."""
    deadline = time.monotonic() + 20
    while not done():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.05)
    await settle(pilot, app)


def stored(world: Any) -> CredentialRecord | None:
    store = open_store("file", world.codex_home)
    return store.load(CredentialKey.for_server(world.codex_home, "linear", world.urls["linear"]))


def age_stored(world: Any, seconds: float) -> None:
    """The stored token as if obtained ``seconds`` earlier."""
    store = open_store("file", world.codex_home)
    key = CredentialKey.for_server(world.codex_home, "linear", world.urls["linear"])
    record = store.load(key)
    assert record is not None and record.expires_at is not None
    store.save(
        key,
        records.replace(
            record,
            obtained_at=record.obtained_at - seconds,
            expires_at=record.expires_at - seconds,
        ),
    )


def panel_text(app: McpdeckApp) -> str:
    return str(app.screen.query_one("#auth-body").render())


async def log_in_to_linear(pilot: Any, app: McpdeckApp) -> MainScreen:
    await settle(pilot, app)
    table = app.screen.query_one(ServerTable)
    table.move_to("linear")
    await pilot.pause()
    await pilot.press("l")
    await settle(pilot, app)
    await settle(pilot, app)
    main = app.screen
    assert isinstance(main, MainScreen)
    assert table.get_cell("linear", "auth") == "● authenticated"
    return main


async def test_a_token_inside_the_margin_is_refreshed_in_the_background(
    demo_world_factory: Any,
) -> None:
    world = demo_world_factory(auto_approve=True, token_lifetime=TOKEN_LIFETIME)
    clock = FrozenClock()  # far in the past: the fresh token looks valid for months
    app = app_for(world, clock)
    notes = record_notes(app)
    async with app.run_test(size=(140, 40)) as pilot:
        main = await log_in_to_linear(pilot, app)
        first = stored(world)
        assert first is not None and first.expires_at is not None
        assert first.last_refresh_at is None
        # The countdown is far from the margin: whatever the ticks, nothing is due.
        assert not any(main.refresh_policy.is_due(r, clock.now) for r in main.rows.values())
        assert stored(world) == first

        age_stored(world, 50)  # 10 s left of 60: inside the 15 s margin
        clock.now = first.expires_at - 10  # the row's countdown is inside the margin too
        await until(pilot, app, lambda: any("refreshed" in t for t, _ in notes), "refresh")

        second = stored(world)
        assert second is not None and second.expires_at is not None
        assert second.last_refresh_at is not None
        assert second.expires_at > first.expires_at
        assert second.access_token != first.access_token
        table = main.query_one(ServerTable)
        assert table.get_cell("linear", "auth") == "● authenticated"
        assert main.rows["linear"].probe is not None
        assert main.rows["linear"].probe.expires_at == second.expires_at
        assert ("linear: token refreshed in the background.", "information") in notes
        assert "Refreshed" in panel_text(app) and "refreshing" not in panel_text(app)

        # The new 60 s token is outside its margin (and the cool-down would hold it anyway):
        # it is not refreshed on every tick.
        row = main.rows["linear"]
        assert not main.refresh_policy.is_due(row, clock.now)
        assert not main.refresh_policy.is_due(row, clock.now + REFRESH_COOLDOWN_SEC / 2)


async def test_a_rejected_refresh_asks_for_a_login_and_is_not_retried(
    demo_world_factory: Any,
) -> None:
    world = demo_world_factory(auto_approve=True, token_lifetime=TOKEN_LIFETIME)
    clock = FrozenClock()
    app = app_for(world, clock)
    notes = record_notes(app)
    async with app.run_test(size=(140, 40)) as pilot:
        main = await log_in_to_linear(pilot, app)
        world.auth_server.revoke_all()
        login_record = stored(world)
        assert login_record is not None and login_record.expires_at is not None
        age_stored(world, 50)
        clock.now = login_record.expires_at - 10
        await until(pilot, app, lambda: any(s == "warning" for _, s in notes), "warning toast")

        record = stored(world)
        assert record is not None and record.unusable_reason is not None
        table = main.query_one(ServerTable)
        assert table.get_cell("linear", "auth") == "○ login available"
        assert "refresh token rejected; log in again" in panel_text(app)
        assert [t for t, s in notes if s == "warning"] == [
            "linear: the refresh token was rejected; press l to log in again."
        ]
        # Never retried on its own: not now, not long after the cool-down.
        assert "linear" in main.refresh_policy.blocked
        assert "linear" not in main.refresh_policy.in_flight
        for later in (clock.now, clock.now + 10 * REFRESH_COOLDOWN_SEC):
            assert not main.refresh_policy.is_due(main.rows["linear"], later)
        assert stored(world) == record

        # Logging in again replaces the rejected record.
        clock.now = FrozenClock().now
        await pilot.press("l")
        await settle(pilot, app)
        await settle(pilot, app)
        assert table.get_cell("linear", "auth") == "● authenticated"
        assert "linear" not in main.last_errors
