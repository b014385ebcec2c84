"""The FlowTrace of a login as a timeline: one line per step, newest state of each step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rich.table import Table
from rich.text import Text
from textual.app import App
from textual.widgets import Static

from mcpdeck.tui.safe_text import plain
from mcpdeck.tui.widgets.look import themed

STEP_WORDS = {
    "probe": "Probe",
    "discovery": "Discovery",
    "registration": "Registration",
    "authorize": "Authorize",
    "browser": "Browser",
    "waiting": "Waiting",
    "callback": "Callback",
    "token": "Token exchange",
    "refresh": "Refresh",
    "stored": "Stored",
    "step_up": "Step-up",
    "logout": "Logout",
    "http": "HTTP",
    "done": "Done",
    "error": "Error",
}
STATUS_GLYPHS = {
    "start": ("…", "accent"),
    "ok": ("✓", "success"),
    "fail": ("✗", "error"),
    "info": ("·", "foreground-muted"),
    "skip": ("–", "foreground-muted"),
}


class TraceRow(Protocol):
    @property
    def step(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def elapsed_ms(self) -> float | None: ...


def trace_table(app: App[Any], rows: Sequence[TraceRow], scrub: Callable[[str], str]) -> Table:
    """One line per step: glyph, step, summary; a long summary wraps under itself."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for row in rows:
        glyph, variable = STATUS_GLYPHS.get(row.status, ("·", "foreground"))
        summary = plain(row.summary, scrub)
        if row.elapsed_ms is not None and " ms" not in row.summary:
            summary.append(scrub(f" {row.elapsed_ms:.0f} ms"), style="dim")
        grid.add_row(
            themed(app, glyph, variable), plain(STEP_WORDS.get(row.step, row.step)), summary
        )
    return grid


@dataclass
class TimelineEntry:
    step: str
    status: str
    summary: str
    elapsed_ms: float | None = None


class Timeline(Static):
    """Shows each event; a step's "start" line is replaced by its outcome when it arrives."""

    def __init__(self, scrub: Callable[[str], str], **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._scrub = scrub
        self.entries: list[TimelineEntry] = []

    def on_mount(self) -> None:
        self.update(Text("starting…", style="dim"))

    def add(self, entry: TimelineEntry) -> None:
        last = self.entries[-1] if self.entries else None
        if last is not None and last.step == entry.step and last.status == "start":
            self.entries[-1] = entry
        else:
            self.entries.append(entry)
        self.update(trace_table(self.app, self.entries, self._scrub))
