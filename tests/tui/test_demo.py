"""The TUI against the demo world: a real login (auto-approve), the doctor's tabs, a fix."""

from __future__ import annotations

import tomllib

from mcpdeck.credentials.record import CredentialKey
from mcpdeck.credentials.select import open_store
from mcpdeck.diagnostics.edits import SetKey, UnsetKey
from mcpdeck.tui.app import make_app
from mcpdeck.tui.screens.confirm import ConfirmScreen
from mcpdeck.tui.screens.diagnose import DiagnosticScreen
from mcpdeck.tui.screens.main import MainScreen
from mcpdeck.tui.widgets.server_table import ServerTable

from .conftest import FrozenClock, demo_scrub, demo_services, settle


def app_for(world, **kwargs):  # type: ignore[no-untyped-def]
    return make_app(
        demo_services(world, **kwargs),
        clock=FrozenClock(),
        scrub=demo_scrub(world),
        cursor_blink=False,
        subtitle="demo",
    )


async def select(pilot, app, name: str) -> None:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(ServerTable)
    table.move_to(name)
    await pilot.pause()


async def test_login_against_the_demo_authorization_server(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=True)
    app = app_for(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await select(pilot, app, "linear")
        table = app.screen.query_one(ServerTable)
        assert table.get_cell("linear", "auth") == "○ login available"
        await pilot.press("l")
        await settle(pilot, app)
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert table.get_cell("linear", "auth") == "● authenticated"
        # the panel's last login is the store's issue time of the new tokens
        assert "Last login" in str(app.screen.query_one("#auth-body").render())
        store = open_store("file", world.codex_home)
        assert store.locate(
            CredentialKey.for_server(world.codex_home, "linear", world.urls["linear"])
        )
        # then log out again: revoked at the authorization server (RFC 7009), then the record
        # is gone from every store
        token = store.load(
            CredentialKey.for_server(world.codex_home, "linear", world.urls["linear"])
        )
        assert token is not None
        await pilot.press("o", "y")
        await settle(pilot, app)
        assert world.auth_server.verify_access_token(token.access_token) is None
        assert [e["outcome"] for e in world.auth_server.events if e["endpoint"] == "revoke"] == [
            "ok",
            "ok",
        ]
        assert (
            store.locate(CredentialKey.for_server(world.codex_home, "linear", world.urls["linear"]))
            is None
        )
        assert table.get_cell("linear", "auth") == "○ login available"


async def test_every_diagnostic_tab_shows_the_report(demo_world) -> None:  # type: ignore[no-untyped-def]
    app = app_for(demo_world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await select(pilot, app, "local")
        await pilot.press("v")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, DiagnosticScreen)
        assert screen.report is not None

        def text(selector: str) -> str:
            widget = screen.query_one(selector)
            return str(getattr(widget, "plain", None) or widget.render())

        await pilot.press("1")
        assert "Defined in" in text("#overview-body") and "/demo/" in text("#overview-body")
        await pilot.press("2")
        assert "Status" in text("#auth-body")
        await pilot.press("3")
        tools = screen.query_one("#tools-table")
        assert tools.row_count == len(screen.report.tools) > 0  # type: ignore[attr-defined]
        assert screen.report.tools[0].name in text("#tool-detail")
        # the input schema the server sent for the selected tool, pretty-printed JSON
        schema = screen.report.tools[0].input_schema
        assert schema.get("type") == "object"
        assert '"type": "object"' in text("#tool-detail")
        for key, items in (
            ("resources", screen.report.resources),
            ("templates", screen.report.templates),
            ("prompts", screen.report.prompts),
        ):
            await pilot.press(str(["resources", "templates", "prompts"].index(key) + 4))
            assert screen.query_one(f"#{key}-table").row_count == len(items)  # type: ignore[attr-defined]
        await pilot.press("7")
        assert screen.query_one("#log-body").render()
        await pilot.press("8")
        assert text("#finding-detail")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one(ServerTable).get_cell("local", "tools") == str(
            sum(1 for t in screen.report.tools if t.exposed)
        )


async def test_apply_a_findings_config_fix_then_check_again(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=True)
    app = app_for(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await select(pilot, app, "broken")
        await pilot.press("l")  # the doctor sees more once it holds a token
        await settle(pilot, app)
        await settle(pilot, app)
        await pilot.press("v")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, DiagnosticScreen) and screen.report is not None
        fixable = [i for i, f in enumerate(screen.report.findings) if f.edit]
        assert fixable, [f.message for f in screen.report.findings]
        finding = screen.report.findings[fixable[0]]
        await pilot.press("8")
        findings = screen.query_one("#findings-table")
        findings.focus()
        findings.move_cursor(row=fixable[0])  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        before = world.config_path.read_text()
        await pilot.press("y")
        await settle(pilot, app)
        after = world.config_path.read_text()
        assert after != before
        assert "# Misconfigured on purpose" in after  # comments kept
        edit = finding.edit
        assert edit is not None
        servers = tomllib.loads(after)["mcp_servers"]["broken"]
        assert isinstance(edit, SetKey | UnsetKey)
        if isinstance(edit, SetKey):
            assert servers.get(edit.key.split(".")[0]) is not None
        else:
            assert edit.key.split(".")[0] not in servers
        assert screen.report is not None
        # the check ran again on the edited file: nobody proposes that edit any more
        assert all(f.edit != edit for f in screen.report.findings)


async def test_login_dialog_accepts_the_pasted_callback_url(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    """The browser is on another machine: the redirected URL is pasted into the dialog."""
    import asyncio

    from mcpdeck.tui.screens.login import LoginScreen
    from tests.integration.test_login_paste import _authorize_elsewhere

    world = demo_world_factory(auto_approve=True)
    app = app_for(world)
    app.services.browser = None  # no opener: nothing reaches the listener by itself
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await select(pilot, app, "linear")
        await pilot.press("l")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, LoginScreen) and app.screen.url:
                break
        screen = app.screen
        assert isinstance(screen, LoginScreen) and screen.url
        paste = screen.query_one("#login-paste")
        assert paste.display
        callback = await asyncio.to_thread(_authorize_elsewhere, screen.url)
        await pilot.press("p")
        assert paste.has_focus
        paste.value = callback  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot, app)
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one(ServerTable).get_cell("linear", "auth") == "● authenticated"
