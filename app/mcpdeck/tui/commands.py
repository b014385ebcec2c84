"""The command palette (`ctrl+p`): the current screen's own bindings, by name.

Built from the same Binding objects as the footer and the keymap, so a command, its key and
its title never drift apart: a binding with an id and a tooltip is a command.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


def palette_bindings(screen: object) -> list[Binding]:
    """The screen's bindings that are commands, in their declared order."""
    bindings = getattr(screen, "BINDINGS", [])
    return [b for b in bindings if isinstance(b, Binding) and b.id and b.tooltip]


class DeckCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        active: dict[str, Binding] = {}
        for entry in screen.active_bindings.values():  # the keys after the user's keymap
            if entry.binding.id:
                active.setdefault(entry.binding.id, entry.binding)
        out: list[tuple[str, str, Callable[[], object]]] = []
        for binding in palette_bindings(screen):
            name = binding.action.split("(")[0]
            if screen.check_action(name, ()) is not True:
                continue
            bound = active.get(binding.id or "")
            shown = self.app.get_key_display(bound) if bound is not None else ""
            help_text = binding.tooltip + (f"  (key: {shown})" if shown else "")
            out.append((binding.description, help_text, partial(screen.run_action, binding.action)))
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
