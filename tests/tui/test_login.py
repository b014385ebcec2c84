"""Login and logout from the main screen.

The login here runs through a Services double that emits the real FlowTrace event sequence and
then waits (``doubles.PausedLoginServices``): it lets the test look at the modal mid-flow and
cancel it. The full login against the demo authorization server is in test_demo.py.
"""

from __future__ import annotations

import os

from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.credentials.select import open_store
from mcpdeck.errors import McpdeckError
from mcpdeck.tui.screens.login import LoginScreen
from mcpdeck.tui.screens.main import MainScreen
from mcpdeck.tui.widgets.timeline import Timeline
from tests.loopback import refused_port

from .conftest import World, build, settle
from .doubles import AUTH_URL, PausedLoginServices


def remote_config() -> str:
    port = refused_port()
    return (
        'mcp_oauth_credentials_store = "file"\n\n'
        f'[mcp_servers.linear]\nurl = "http://127.0.0.1:{port}/mcp"\n'
    )


def services(world: World, **kwargs: object) -> PausedLoginServices:
    return PausedLoginServices(world.home, world.project, env=dict(os.environ), **kwargs)


async def test_login_shows_the_timeline_and_url_then_finishes(world: World) -> None:
    world.write_user(remote_config())
    svc = services(world)
    app = build(world, svc)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await svc.waiting.wait()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        timeline = screen.query_one(Timeline)
        steps = [e.step for e in timeline.entries]
        assert steps[:3] == ["probe", "discovery", "discovery"] and steps[-1] == "waiting"
        assert screen.url == AUTH_URL
        assert "gives up in" in str(screen.query_one("#login-countdown").render())
        await pilot.press("c")  # copies the URL (clipboard is the app's)
        assert app.clipboard == AUTH_URL
        svc.approve.set()
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert svc.stored


async def test_escape_cancels_the_login_and_stores_nothing(world: World) -> None:
    world.write_user(remote_config())
    svc = services(world)
    app = build(world, svc)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await svc.waiting.wait()
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert svc.listener_closed and not svc.stored


async def test_a_failed_login_is_shown_in_words_and_remembered(world: World) -> None:
    world.write_user(remote_config())
    svc = services(
        world, fail_with=McpdeckError("the browser returned access_denied", hint="try again")
    )
    app = build(world, svc)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await svc.waiting.wait()
        svc.approve.set()
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        text = str(screen.query_one("#login-result").render())
        assert "access_denied" in text and "Nothing was stored" in text
        await pilot.press("escape")
        await settle(pilot, app)
        main = app.screen
        assert isinstance(main, MainScreen)
        assert "access_denied" in main.last_errors["linear"]


async def test_logout_confirms_then_deletes_the_stored_record(world: World) -> None:
    world.write_user(remote_config())
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        main = app.screen
        assert isinstance(main, MainScreen)
        loaded = main.loaded
        assert loaded is not None
        server = loaded.servers["linear"]
        assert server.url
        store = open_store("file", world.home)
        key = CredentialKey.for_server(world.home, "linear", server.url)
        store.save(
            key,
            CredentialRecord(
                server_name="linear",
                server_url=server.url,
                client_id="c",
                issuer="http://127.0.0.1:1",
                access_token="secret-access-token-123",
            ),
        )
        await pilot.press("o", "n")
        await settle(pilot, app)
        assert store.locate(key) is not None
        await pilot.press("o", "y")
        await settle(pilot, app)
        assert open_store("file", world.home).locate(key) is None
        assert "linear" in world.user_file.read_text()  # config untouched


async def test_headless_login_shows_the_whole_url_as_a_link_and_copy_tells_the_truth(
    world: World,
) -> None:
    from rich.text import Text

    from mcpdeck.tui.app import make_app

    from .conftest import FrozenClock

    world.write_user(remote_config())
    svc = PausedLoginServices(world.home, world.project, env={"TMUX": "/tmp/tmux-1/default,1,0"})
    app = make_app(svc, clock=FrozenClock(), scrub=world.scrub, cursor_blink=False)
    said: list[str] = []
    original = app.notify
    app.notify = lambda message, **kw: (said.append(str(message)), original(message, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await svc.waiting.wait()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        box = screen.query_one("#login-url")
        shown = box.content
        assert isinstance(shown, Text)
        text = shown.plain
        assert AUTH_URL.replace("4444", "PORT") in text  # whole, not cut by a border
        links = {span.style.link for span in shown.spans if hasattr(span.style, "link")}
        assert AUTH_URL in links  # an OSC 8 hyperlink to the real URL
        assert box.region.width >= 76  # the dialog takes the whole width of a small terminal
        keys = str(screen.query_one("#login-keys").render())
        assert "u" in keys and "Escape" in keys
        assert screen.query_one("#login-keys").region.bottom <= 24  # visible without scrolling
        await pilot.press("c")
        await pilot.pause()
        note = said[-1]
        assert "cannot see whether it did" in note and "tmux set -g set-clipboard on" in note
        await pilot.press("u")  # the headless test driver cannot hand the terminal over
        await pilot.pause()
        assert "press c to copy it" in said[-1]
        await pilot.press("escape")
        await settle(pilot, app)
