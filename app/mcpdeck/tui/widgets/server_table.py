"""The server list: one line per server, each line rendered once and cached until it changes.

A DataTable re-renders every visible cell whenever any cell changes; with a hundred status
results arriving in a burst that costs tens of milliseconds per frame. Here a result redraws
its own line only (the line API), so keys stay answered while probes stream in.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mcpdeck.tui.format import STATUS_LOOK, source_badge, status_key, time_left, transport_word
from mcpdeck.tui.model import RowState
from mcpdeck.tui.safe_text import outside
from mcpdeck.tui.widgets.look import theme_color

# (key, label, width)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("name", "Name", 0),  # sized to the longest name
    ("transport", "Transport", 10),
    ("source", "Source", 20),
    ("enabled", "Enabled", 8),
    ("auth", "Auth", 2 + max(len(g) + 1 + len(w) for g, w, _ in STATUS_LOOK.values())),
    ("expires", "Expires", 9),
    ("tools", "Tools", 6),
)
# Which columns stay when the table is narrow: Name, Auth and Expires always; the others are
# dropped from the end of this list first (an 80-column terminal keeps Enabled and Tools).
KEEP_ORDER = ("name", "auth", "expires", "enabled", "tools", "transport", "source")
NAME_MIN = 12  # a long name is cut to this (with …) before Auth or Expires would go


Cell = tuple[str, str | None, bool]  # text, theme variable, bold


class ServerTable(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    # No repaint: watch_cursor redraws the two lines that changed; a repaint would re-render
    # every visible line (and re-run the terminal's colour filter on each) per key press.
    cursor: reactive[int] = reactive(0, repaint=False)

    COMPONENT_CLASSES: ClassVar[set[str]] = {"server-table--cursor", "server-table--cursor-blurred"}
    DEFAULT_CSS = """
    ServerTable > .server-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    ServerTable > .server-table--cursor-blurred {
        background: $block-cursor-blurred-background;
    }
    """

    class Highlighted(Message):
        def __init__(self, name: str | None) -> None:
            super().__init__()
            self.name = name

    class ColumnsChanged(Message):
        """The visible columns changed (the table was resized): the header line follows."""

    class Selected(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._rows: list[RowState] = []
        self._index: dict[str, int] = {}
        self._cells: dict[str, list[Cell]] = {}
        self._strips: dict[tuple[str, bool, bool], Strip] = {}
        self._name_width = 8
        self._now = 0.0
        self._last_widths: list[tuple[str, str, int]] = []
        self._fit_width = 0  # the width the columns were chosen for (0: not laid out yet)

    # -- what tests and the screen read ---------------------------------------------------

    @property
    def rows(self) -> dict[str, RowState]:
        return {r.server.name: r for r in self._rows}

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def selected_name(self) -> str | None:
        if not self._rows:
            return None
        return self._rows[min(self.cursor, len(self._rows) - 1)].server.name

    def get_cell(self, name: str, column: str) -> str:
        keys = [k for k, _, _ in COLUMNS]
        return self._cells[name][keys.index(column)][0]

    @property
    def visible_columns(self) -> list[str]:
        return [k for k, _, _ in self._widths()]

    def header_text(self) -> str:
        return "".join(label.ljust(w)[:w] for _, label, w in self._widths())

    # -- updates ----------------------------------------------------------------------------

    def show_rows(
        self, rows: list[RowState], now: float, *, all_names: list[str] | None = None
    ) -> None:
        """Replace every row, keeping the cursor on the same server when it is still listed.

        ``all_names`` (every server, filtered out or not) sizes the name column, so the
        columns stay put under their header while the user types a filter.
        """
        keep = self.selected_name
        previous = self.cursor
        self._now = now
        self._rows = list(rows)
        self._index = {r.server.name: i for i, r in enumerate(self._rows)}
        names = all_names if all_names is not None else [r.server.name for r in self._rows]
        self._name_width = max([len(n) for n in names] + [6]) + 2
        widths = self._widths()
        cells = {r.server.name: self._make_cells(r, now) for r in self._rows}
        if widths != self._last_widths:
            self._strips.clear()
            self._last_widths = widths
        else:  # lines whose text did not change keep their rendering
            for name, row_cells in cells.items():
                if self._cells.get(name) != row_cells:
                    self._forget(name)
        self._cells = cells
        self.virtual_size = Size(self._total_width(), len(self._rows))
        # A removed server leaves the cursor where it was (on its neighbour), not at the top.
        target = self._index.get(keep, previous) if keep is not None else previous
        self.set_reactive(ServerTable.cursor, min(target, max(len(self._rows) - 1, 0)))
        self.refresh()
        self.post_message(self.Highlighted(self.selected_name))

    def update_row(self, row: RowState, now: float) -> None:
        name = row.server.name
        index = self._index.get(name)
        if index is None:
            return
        cells = self._make_cells(row, now)
        if cells != self._cells.get(name):
            self._cells[name] = cells
            self._forget(name)
            self.refresh_line(index)

    def tick(self, rows: list[RowState], now: float) -> None:
        """Only the countdown column changes with time: redraw the lines whose text changed.

        Only rows that show a countdown are rebuilt: rebuilding all of 1000 rows every second
        held the UI thread for 0.18 s per tick (cProfile, busy machine): a late key press.
        """
        for row in rows:
            if row.refreshing or (row.probe is not None and row.probe.expires_at is not None):
                self.update_row(row, now)

    def move_to(self, name: str) -> None:
        if name in self._index:
            self.cursor = self._index[name]

    def _forget(self, name: str) -> None:
        for key in [k for k in self._strips if k[0] == name]:
            del self._strips[key]

    # -- cells ------------------------------------------------------------------------------

    def _make_cells(self, row: RowState, now: float) -> list[Cell]:
        s = row.server
        badge, badge_var = source_badge(s)
        key = status_key(s, row.probe, row.checking, row.bearer_set)
        glyph, word, var = STATUS_LOOK[key]
        expires, expires_var = self._expires(row, now)
        return [
            (outside(s.name), None, True),  # a name from another repo reaches the terminal
            (transport_word(s), None, False),
            (badge, badge_var, False),
            ("yes", "success", False) if s.enabled else ("no", "warning", False),
            (f"{glyph} {word}", var, False),
            (expires, expires_var, False),
            ("" if row.tool_count is None else str(row.tool_count), None, False),
        ]

    @staticmethod
    def _expires(row: RowState, now: float) -> tuple[str, str | None]:
        probe = row.probe
        if probe is None or probe.expires_at is None or probe.auth_status != "authenticated":
            return "", None
        left = probe.expires_at - now
        if row.refreshing:
            return f"↻ {time_left(left)}" if left > 0 else "↻ refresh", "warning"
        if left <= 0:
            return ("refresh" if probe.refreshable else "expired"), "warning"
        return time_left(left), ("warning" if left < 60 else None)

    def _widths(self) -> list[tuple[str, str, int]]:
        """The columns that fit the table's width, in their usual order."""
        sized = {k: (label, w or self._name_width) for k, label, w in COLUMNS}
        room = self._fit_width - 1  # the leading space
        if self._fit_width <= 0 or sum(w for _, w in sized.values()) <= room:
            return [(k, label, w) for k, (label, w) in sized.items()]
        keep = list(KEEP_ORDER)
        while len(keep) > 3 and sum(sized[k][1] for k in keep) > room:
            keep.pop()
        if sum(sized[k][1] for k in keep) > room:  # even the three: shorten the names
            others = sum(sized[k][1] for k in keep if k != "name")
            label, _ = sized["name"]
            sized["name"] = (label, max(room - others, NAME_MIN))
        return [(k, *sized[k]) for k, _, _ in COLUMNS if k in keep]

    def _total_width(self) -> int:
        return sum(w for _, _, w in self._widths())

    # -- rendering --------------------------------------------------------------------------

    def _style(self, variable: str | None, bold: bool, base: Style) -> Style:
        return base + Style(color=theme_color(self.app, variable), bold=bold or None)

    def _strip(self, name: str, cursor: bool) -> Strip:
        focused = self.has_focus and cursor
        key = (name, cursor, focused)
        strip = self._strips.get(key)
        if strip is None:
            if cursor:
                component = "server-table--cursor" if focused else "server-table--cursor-blurred"
                base = self.get_component_rich_style(component)
            else:
                base = self.rich_style
            segments = [Segment(" ", base)]
            shown = {k for k, _, _ in self._widths()}
            cells = [
                c for (k, _, _), c in zip(COLUMNS, self._cells[name], strict=True) if k in shown
            ]
            for (text, variable, bold), (_, _, width) in zip(cells, self._widths(), strict=True):
                cell = text if len(text) < width else text[: max(width - 2, 0)] + "… "
                style = base if cursor else self._style(variable, bold, base)
                segments.append(Segment(cell.ljust(width), style))
            strip = Strip(segments).simplify()
            self._strips[key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        name = self._rows[index].server.name
        strip = self._strip(name, index == self.cursor)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    # -- cursor -----------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._rows) - 1)) if self._rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True, immediate=True)
        self.post_message(self.Highlighted(self.selected_name))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width == self._fit_width:
            return
        self._fit_width = width
        widths = self._widths()
        if widths != self._last_widths:
            self._strips.clear()
            self._last_widths = widths
            self.virtual_size = Size(self._total_width(), len(self._rows))
            self.refresh()
            self.post_message(self.ColumnsChanged())

    def on_focus(self) -> None:
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(self.scrollable_content_region.height - 1, 1)

    def action_edge(self, direction: int) -> None:
        self.cursor = 0 if direction < 0 else len(self._rows) - 1

    def action_select(self) -> None:
        name = self.selected_name
        if name is not None:
            self.post_message(self.Selected(name))

    def on_click(self, event: Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._rows):
            if index == self.cursor and event.chain >= 2:
                self.action_select()
            self.cursor = index
