"""The TUI against hostile text: the diagnostic view of a hostile MCP server and the login
screen of a hostile authorization server never crash on markup (`[[x=a:b]`, a trailing `\\`),
and in a real terminal (tmux) no clipboard write, title change or escape reaches it. A crashed
TUI exits non-zero with the terminal restored (issue 12, findings 1 and 4)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from textual.widgets import DataTable, Static

from mcpdeck.tui.app import make_app
from mcpdeck.tui.screens.diagnose import DiagnosticScreen
from mcpdeck.tui.screens.login import LoginScreen
from mcpdeck.tui.services import Services
from tests.adversarial.conftest import HOSTILE_STDIO, REPO_NAME, Deck, toml_string
from tests.adversarial.hostile_http import Hostility, hostile_server
from tests.adversarial.payloads import (
    CLIPBOARD_PAYLOAD,
    HOSTILE,
    MARKUP_CRASH,
    TRAILING_BACKSLASH,
)
from tests.adversarial.tmux import tmux_running, wait_exit


def _hostile_stdio(deck: Deck) -> None:
    deck.write_user(
        f"[mcp_servers.hostile]\ncommand = {toml_string(sys.executable)}\n"
        f"args = [{toml_string(str(HOSTILE_STDIO))}]\n"
    )


def _app(deck: Deck):  # type: ignore[no-untyped-def]
    services = Services(deck.home, deck.repo, env=deck.env())
    return make_app(services, cursor_blink=False, subtitle="test")


def _text(widget: Static) -> str:
    return str(widget.render())


async def _workers_done(pilot, app) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    for _ in range(4):
        await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        await pilot.pause()


async def test_diagnostic_view_of_a_hostile_server_shows_its_text_literally(deck: Deck) -> None:
    _hostile_stdio(deck)
    app = _app(deck)
    async with app.run_test(size=(160, 45)) as pilot:
        await _workers_done(pilot, app)
        await pilot.press("v")
        await _workers_done(pilot, app)
        screen = app.screen
        assert isinstance(screen, DiagnosticScreen) and screen.report is not None
        tools = screen.query_one("#tools-table", DataTable)
        names = [str(tools.get_row_at(i)[0]) for i in range(tools.row_count)]
        assert names == [MARKUP_CRASH, TRAILING_BACKSLASH]
        detail = _text(screen.query_one("#tool-detail", Static))
        assert MARKUP_CRASH in detail and "␛]52;c;" in detail and "\x1b" not in detail
        for tab in ("2", "3", "4", "5", "6", "7", "8", "1"):
            await pilot.press(tab)  # every tab renders the hostile strings
            await pilot.pause()
        await pilot.press("down")  # the tool whose name ends in a backslash
        await pilot.pause()
        assert TRAILING_BACKSLASH in _text(screen.query_one("#tool-detail", Static))
        assert app.is_running


async def test_login_screen_shows_a_hostile_error_literally(deck: Deck) -> None:
    error = f"{HOSTILE} {MARKUP_CRASH}"
    with hostile_server(Hostility(registration_error=error)) as base:
        deck.write_user(f'[mcp_servers.victim]\nurl = "{base}/mcp"\n')
        app = _app(deck)
        async with app.run_test(size=(160, 45)) as pilot:
            await _workers_done(pilot, app)
            await pilot.press("l")
            await _workers_done(pilot, app)
            screen = app.screen
            assert isinstance(screen, LoginScreen)
            result = _text(screen.query_one("#login-result", Static))
            assert "Login failed" in result
            assert MARKUP_CRASH in result and TRAILING_BACKSLASH in result
            assert "␛]52;c;" in result and "\x1b" not in result
            assert app.is_running


def test_in_a_real_terminal_nothing_reaches_clipboard_title_or_screen(
    deck: Deck, tmp_path: Path
) -> None:
    _hostile_stdio(deck)
    deck.write_repo(f'[mcp_servers.{toml_string(REPO_NAME)}]\ncommand = "echo"\n')
    exit_file = tmp_path / "exit"
    with tmux_running(deck.argv(), env=deck.env(), cwd=deck.repo, exit_file=exit_file) as tmux:
        screen = tmux.wait_for("hostile")
        assert CLIPBOARD_PAYLOAD not in tmux.buffers(), "OSC 52 reached the terminal"
        assert "pwned" not in tmux.title(), "OSC 2 reached the terminal"
        assert "␛" in screen  # the repository's server name, made visible
        tmux.keys("Home")  # the hostile server's row (names sort: hostile, x␛…)
        tmux.keys("v")
        tmux.wait_for(MARKUP_CRASH)  # the diagnostic view, with the server's tool names
        assert CLIPBOARD_PAYLOAD not in tmux.buffers()
        assert tmux.buffers().strip() == ""
        assert "pwned" not in tmux.title()
        tmux.keys("Escape")
        tmux.wait_gone(MARKUP_CRASH)  # back on the list (Escape then q at once would be Alt+q)
        tmux.keys("q")
        assert wait_exit(exit_file) == 0
        assert not tmux.alternate_screen()


def test_a_crashed_tui_exits_non_zero_and_restores_the_terminal(deck: Deck, tmp_path: Path) -> None:
    # A fault injected into a real run: a bug in a widget raises while the app is running.
    crash = (
        "import sys\n"
        "from mcpdeck.tui.widgets import auth_panel\n"
        "def boom(self, *args, **kwargs):\n"
        "    raise RuntimeError('injected fault')\n"
        "auth_panel.AuthPanel.show = boom\n"
        "from mcpdeck.cli import main\n"
        "sys.exit(main(['tui']))\n"
    )
    deck.write_user('[mcp_servers.one]\ncommand = "echo"\n')
    exit_file = tmp_path / "exit"
    argv = [sys.executable, "-c", crash]
    env = {**deck.env(), "PYTHONPATH": os.pathsep.join(sys.path)}
    with tmux_running(argv, env=env, cwd=deck.repo, exit_file=exit_file) as tmux:
        code = wait_exit(exit_file, timeout=60)
        assert code != 0
        assert not tmux.alternate_screen()  # back on the normal screen, the shell usable
        assert "injected fault" in tmux.screen()
