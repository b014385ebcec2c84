"""Label/value pairs in two columns; a long value wraps under itself, not under the labels."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static


class Facts(Static):
    """Values are plain text (never markup), so server-supplied strings cannot style the view."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.plain = ""

    def show(self, pairs: list[tuple[str, str]], empty: str = "Nothing.") -> None:
        self.plain = "\n".join(f"{k}  {v}" for k, v in pairs)
        if not pairs:
            self.update(Text(empty, style="dim"))
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for key, value in pairs:
            grid.add_row(Text(key), Text(value))
        self.update(grid)
