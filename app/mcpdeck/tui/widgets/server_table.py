"""The server list: one row per configured server, updated cell by cell as results arrive."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from mcpdeck.config.model import ServerConfig
from mcpdeck.tui.format import STATUS_LOOK, source_badge, status_key, time_left, transport_word
from mcpdeck.tui.model import Probe
from mcpdeck.tui.widgets.look import themed

# (key, label, fixed width or None): cells that change later get a width fitting every value.
COLUMNS = (
    ("name", "Name", None),
    ("transport", "Transport", None),
    ("source", "Source", 19),
    ("enabled", "Enabled", None),
    ("auth", "Auth", max(len(g) + 1 + len(w) for g, w, _ in STATUS_LOOK.values())),
    ("expires", "Expires in", 11),
    ("tools", "Tools", 5),
)


@dataclass
class RowState:
    server: ServerConfig
    probe: Probe | None = None
    checking: bool = True
    tool_count: int | None = None


class ServerTable(DataTable[Text | str]):
    """Rows keyed by server name."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def selected_name(self) -> str | None:
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def show_rows(self, rows: list[RowState], now: float) -> None:
        """Replace every row, keeping the cursor on the same server when it is still listed."""
        keep = self.selected_name
        self.clear()
        for row in rows:
            self.add_row(*self._cells(row, now), key=row.server.name)
        if keep is not None:
            names = [r.server.name for r in rows]
            if keep in names:
                self.move_cursor(row=names.index(keep))

    def update_row(self, row: RowState, now: float) -> None:
        name = row.server.name
        if name not in self.rows:
            return
        for (key, _, _), value in zip(COLUMNS, self._cells(row, now), strict=True):
            self.update_cell(name, key, value, update_width=key == "name")

    def tick(self, rows: list[RowState], now: float) -> None:
        """Only the countdown column changes with time."""
        for row in rows:
            if row.server.name in self.rows:
                self.update_cell(row.server.name, "expires", self._expires(row, now))

    def _cells(self, row: RowState, now: float) -> list[Text | str]:
        server = self.app
        s = row.server
        badge, badge_var = source_badge(s)
        key = status_key(s, row.probe, row.checking)
        glyph, word, var = STATUS_LOOK[key]
        enabled = themed(server, "yes", "success") if s.enabled else themed(server, "no", "warning")
        tools = "" if row.tool_count is None else str(row.tool_count)
        return [
            Text(s.name, style="bold", end=""),
            transport_word(s),
            themed(server, badge, badge_var),
            enabled,
            themed(server, f"{glyph} {word}", var),
            self._expires(row, now),
            tools,
        ]

    def _expires(self, row: RowState, now: float) -> Text | str:
        probe = row.probe
        if probe is None or probe.expires_at is None or probe.auth_status != "authenticated":
            return ""
        left = probe.expires_at - now
        if left <= 0:
            word = "refresh due" if probe.refreshable else "expired"
            return themed(self.app, word, "warning")
        return themed(self.app, time_left(left), "warning" if left < 60 else "foreground")
