"""The TUI's bindings by id: what the settings file may remap and what the palette lists."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from textual.binding import Binding


def all_bindings() -> list[Binding]:
    """Every binding with an id, on every screen (imported here to keep start-up lazy)."""
    from mcpdeck.tui.app import McpdeckApp
    from mcpdeck.tui.screens.add import AddServerScreen
    from mcpdeck.tui.screens.confirm import ConfirmScreen
    from mcpdeck.tui.screens.diagnose import DiagnosticScreen
    from mcpdeck.tui.screens.help import HelpScreen
    from mcpdeck.tui.screens.login import LoginScreen
    from mcpdeck.tui.screens.main import MainScreen

    out: list[Binding] = []
    for owner in (
        McpdeckApp,
        MainScreen,
        DiagnosticScreen,
        LoginScreen,
        AddServerScreen,
        ConfirmScreen,
        HelpScreen,
    ):
        out.extend(b for b in owner.BINDINGS if isinstance(b, Binding) and b.id)
    return out


def binding_ids() -> set[str]:
    return {b.id for b in all_bindings() if b.id}


class LazyBindingIds(Collection[str]):
    """:func:`binding_ids`, gathered when first asked: only a settings file that remaps keys
    needs them, and gathering imports every screen (the diagnostic screen, the login and add
    forms: 25-40 ms of the first paint, on every start)."""

    def __init__(self) -> None:
        self._ids: set[str] | None = None

    def _all(self) -> set[str]:
        if self._ids is None:
            self._ids = binding_ids()
        return self._ids

    def __contains__(self, item: object) -> bool:
        return item in self._all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
