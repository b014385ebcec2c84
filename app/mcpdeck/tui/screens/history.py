"""The calls made to one server in this session (newest first); Enter runs one again."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mcpdeck.tui.history import CallHistory, CallRequest
from mcpdeck.tui.safe_text import plain
from mcpdeck.tui.widgets.look import themed

if TYPE_CHECKING:
    from mcpdeck.tui.app import McpdeckApp

_OUTCOME = {
    "ok": ("✓ ok", "success"),
    "tool_error": ("✗ tool error", "error"),
    "failed": ("✗ failed", "error"),
    "timeout": ("✗ timeout", "error"),
    "auth_required": ("🔑 login", "warning"),
    "step_up": ("🔑 scopes", "warning"),
    "cancelled": ("– cancelled", "warning"),
}
ARGS_WIDTH = 40


class HistoryScreen(ModalScreen[CallRequest | None]):
    DEFAULT_CSS: ClassVar[str] = """
    HistoryScreen #history-box { width: 110; max-width: 95%; height: auto; max-height: 80%; }
    HistoryScreen DataTable { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="history.close"),
    ]

    app: McpdeckApp

    def __init__(
        self, server: str, history: CallHistory, *, only: tuple[str, str] | None = None
    ) -> None:
        super().__init__()
        self.server = server
        # (kind, name): the history of one tool, resource or prompt; None: the whole server's.
        self.entries = [
            (request, result)
            for request, result in history.of(server)
            if only is None or (request.kind, request.title or request.target) == only
        ]

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box", classes="dialog"):
            yield Static(
                self.app.markup("Calls to [b]$server[/b] in this session", server=self.server),
                classes="dialog-title",
            )
            yield DataTable(id="history-table", cursor_type="row")
            yield Static("", id="history-empty")
            yield Static("[b]Enter[/b] run again    [b]Escape[/b] close", classes="dialog-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("What", key="what")
        table.add_column("Arguments", key="args")
        table.add_column("Outcome", key="outcome")
        table.add_column("Time", key="time")
        for i, (request, result) in enumerate(self.entries):
            args = json.dumps(request.arguments, ensure_ascii=False) if request.arguments else ""
            if len(args) > ARGS_WIDTH:
                args = args[: ARGS_WIDTH - 1] + "…"
            words, var = _OUTCOME.get(result.outcome, (result.outcome, "foreground"))
            ms = f"{result.elapsed_ms:.0f} ms" if result.elapsed_ms is not None else ""
            table.add_row(
                plain(f"{request.kind} {request.target}", self.app.scrub),
                plain(args, self.app.scrub),
                themed(self.app, words, var),
                ms,
                key=str(i),
            )
        empty = self.query_one("#history-empty", Static)
        empty.update("" if self.entries else "[dim]No calls yet in this session.[/]")
        empty.display = not self.entries
        table.display = bool(self.entries)
        table.focus()

    @on(DataTable.RowSelected, "#history-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        request, _ = self.entries[event.cursor_row]
        self.dismiss(request)

    def action_close(self) -> None:
        self.dismiss(None)
