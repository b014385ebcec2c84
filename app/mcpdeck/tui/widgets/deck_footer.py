"""The footer: on a narrow terminal only the keys a newcomer needs, so `?` and `q` stay visible."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Below NARROW_FOOTER columns the footer drops the screen's secondary keys (help and ctrl+p
# list them all); below COMPACT_FOOTER it packs the keys without padding.
NARROW_FOOTER = 130
COMPACT_FOOTER = 150


@runtime_checkable
class FooterKeys(Protocol):
    def secondary_actions(self) -> set[str]:
        """Actions left out of the footer on a narrow terminal (still in `?` and ctrl+p)."""

    def hidden_actions(self) -> set[str]:
        """Actions that do not apply to what is selected (pressing the key says why)."""


class DeckFooter(Footer):
    _narrow = False

    def compose(self) -> ComposeResult:
        screen = self.screen
        width = self.size.width or self.app.size.width
        narrow = width < NARROW_FOOTER
        self.compact = width < COMPACT_FOOTER
        self._narrow = narrow
        drop: set[str] = set()
        if isinstance(screen, FooterKeys):
            drop = screen.hidden_actions() | (screen.secondary_actions() if narrow else set())
        for widget in super().compose():
            if isinstance(widget, FooterKey) and _action_name(widget.action) in drop:
                continue
            yield widget

    def on_resize(self, event: Resize) -> None:
        width = event.size.width
        if (self.compact, self._narrow) != (width < COMPACT_FOOTER, width < NARROW_FOOTER):
            self.call_after_refresh(self.recompose)


def _action_name(action: str) -> str:
    return action.split("(")[0].rsplit(".", 1)[-1]
