"""Theme-aware styling for Rich ``Text`` cells (DataTable cells cannot use TCSS variables)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App


def themed(app: App[object], text: str, variable: str, *, bold: bool = False) -> Text:
    """``text`` coloured with the current theme's ``$variable`` (user text is never parsed)."""
    color = app.theme_variables.get(variable)
    style = f"bold {color}" if bold and color else (color or ("bold" if bold else ""))
    return Text(text, style=style, end="")
