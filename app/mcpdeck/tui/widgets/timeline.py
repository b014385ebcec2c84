"""The FlowTrace of a login as a timeline: one line per step, newest state of each step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.markup import escape
from textual.widgets import Static

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
    "start": ("…", "$accent"),
    "ok": ("✓", "$success"),
    "fail": ("✗", "$error"),
    "info": ("·", "$foreground-muted"),
    "skip": ("–", "$foreground-muted"),
}


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

    def add(self, entry: TimelineEntry) -> None:
        last = self.entries[-1] if self.entries else None
        if last is not None and last.step == entry.step and last.status == "start":
            self.entries[-1] = entry
        else:
            self.entries.append(entry)
        self.update(self.render_markup())

    def render_markup(self) -> str:
        lines = []
        for e in self.entries:
            glyph, colour = STATUS_GLYPHS.get(e.status, ("·", "$foreground"))
            took = (
                f" [dim]{e.elapsed_ms:.0f} ms[/]"
                if e.elapsed_ms is not None and " ms" not in e.summary
                else ""
            )
            word = STEP_WORDS.get(e.step, e.step)
            summary = escape(self._scrub(e.summary))
            lines.append(f"[{colour}]{glyph}[/] [b]{word:<14}[/b] {summary}{took}")
        return "\n".join(lines) if lines else "[dim]starting…[/]"
