"""The command palette (`ctrl+p`): every action of the current screen, by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mcpdeck.tui.screens.diagnose import TABS

# (title, help, action on the main screen)
MAIN_COMMANDS: list[tuple[str, str, str]] = [
    ("Diagnose server", "open the doctor's report of the selected server", "diagnose"),
    ("Log in", "OAuth login to the selected server", "login"),
    ("Log out", "delete the selected server's stored credentials", "logout"),
    ("Re-check server", "probe the selected server's auth status again", "reprobe"),
    ("Re-check all servers", "probe every server's auth status again", "reprobe_all"),
    ("Filter servers", "filter the list by name, transport, source or status", "filter"),
    ("Add server", "add a server to the user or project config", "add"),
    ("Remove server", "remove the selected server from its config file", "remove"),
    ("Enable / disable server", "toggle the selected server's enabled flag", "toggle_enabled"),
    ("Trust project", "let Codex load this project's .codex/config.toml (asks first)", "trust"),
    ("Help: keys", "every key of every screen", "help"),
]
DIAGNOSE_COMMANDS: list[tuple[str, str, str]] = [
    ("Run the diagnosis again", "re-run the doctor for this server", "rerun"),
    ("Log in", "OAuth login to this server", "login"),
    ("Back to the server list", "close the diagnostic view", "back"),
    *[(f"Show tab: {label}", f"switch to the {label} tab", f"tab('{key}')") for key, label in TABS],
]


class DeckCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from mcpdeck.tui.screens.diagnose import DiagnosticScreen
        from mcpdeck.tui.screens.main import MainScreen

        screen = self.screen
        if isinstance(screen, MainScreen):
            table = MAIN_COMMANDS
        elif isinstance(screen, DiagnosticScreen):
            table = DIAGNOSE_COMMANDS
        else:
            return []
        out: list[tuple[str, str, Callable[[], object]]] = []
        for title, help_text, action in table:
            name = action.split("(")[0]
            if screen.check_action(name, ()) is not True:
                continue
            out.append((title, help_text, partial(screen.run_action, action)))
        return out

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
