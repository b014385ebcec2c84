"""`?`: every key of every screen, in words."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Server list",
        [
            ("↑ ↓ / j k", "select a server"),
            ("Enter / v", "open the diagnostic view of the selected server"),
            ("l", "log in (OAuth) to the selected server"),
            ("o", "log out: delete its stored credentials (config kept)"),
            ("r", "re-check the selected server's auth status"),
            ("R", "re-check every server"),
            ("/", "filter the list by name, transport, source or status"),
            ("a", "add a server (user config, or the project's)"),
            ("d", "remove the selected server from its config file"),
            ("e", "enable or disable the selected server"),
            ("ctrl+p", "command palette: every action by name"),
            ("p", "show or hide the authentication panel"),
            ("?  / F1", "this help (on every screen)"),
            ("q / ctrl+q", "quit"),
        ],
    ),
    (
        "Login window",
        [
            ("u", "show the authorization URL alone in the terminal, to select and copy it"),
            ("c", "ask the terminal to copy the URL (OSC 52; tmux: set -g set-clipboard on)"),
            ("Escape", "cancel the login (nothing is stored) or close when finished"),
        ],
    ),
    (
        "Diagnostic view",
        [
            ("1 … 8", "Overview, Auth, Tools, Resources, Templates, Prompts, Log, Findings"),
            ("← →", "previous / next tab (when the tab bar has the focus)"),
            ("Tab", "move the focus between the tab bar and the tab's content"),
            ("↑ ↓", "select a tool or a finding: its detail is shown beside it"),
            ("Enter", "in Findings: apply the selected finding's fix (asks first), check again"),
            ("r", "run the diagnosis again"),
            ("l", "log in to this server"),
            ("Escape", "back to the server list"),
        ],
    ),
    (
        "Add form",
        [
            ("Tab", "next field (shift+Tab: previous)"),
            ("Enter", "next field; on a complete form: add the server"),
            ("ctrl+s", "add the server"),
            ("Escape", "cancel: nothing is written"),
        ],
    ),
    (
        "Everywhere",
        [
            ("y / n", "answer a confirmation (Enter: yes, Escape: no)"),
            ("Escape", "close a window"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            # The way out comes first: at 24 rows the end of this list is below the fold.
            yield Static(
                "[b]mcpdeck — keys[/b]   [dim]Escape or ? closes this help; ↑ ↓ scroll[/]\n"
            )
            sections = list(KEYS)
            changed = getattr(self.app, "user_keymap", {})
            if changed:  # the defaults below are what these replace
                sections.insert(
                    0, ("Changed in your settings file", [(k, i) for i, k in changed.items()])
                )
            for section, keys in sections:
                yield Static(f"[b $accent]{escape(section)}[/]")
                # A grid, so a long description wraps under itself, not under the keys.
                grid = Table.grid(padding=(0, 2))
                grid.add_column(width=12, no_wrap=True, style="bold")
                grid.add_column()
                for key, what in keys:
                    grid.add_row(Text(key), Text(what))  # never parsed as markup
                yield Static(grid, classes="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
