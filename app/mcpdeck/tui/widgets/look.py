"""Theme-aware styling for Rich renderables (cells and lines cannot use TCSS variables)."""

from __future__ import annotations

from typing import Any

from rich.color import Color as RichColor
from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.color import Color, ColorParseError


def theme_color(app: App[Any], variable: str | None) -> RichColor | None:
    """The current theme's ``$variable`` as a Rich colour (None when unknown or unparsable)."""
    if not variable:
        return None
    value = app.theme_variables.get(variable)
    if not value:
        return None
    try:
        return Color.parse(value).rich_color
    except (ColorParseError, ValueError):
        return None


def themed(app: App[Any], text: str, variable: str, *, bold: bool = False) -> Text:
    """``text`` coloured with the current theme's ``$variable`` (user text is never parsed)."""
    return Text(text, style=Style(color=theme_color(app, variable), bold=bold or None), end="")
