"""Outside text into widgets: as Content, never parsed as markup.

mcpdeck's own markup is a template; server, authorization server and config text fills its
``$variables``, which Textual substitutes as plain text. So ``[[x=a:b]``, ``[/oops]`` or a
trailing backslash in a tool name shows as written instead of raising MarkupError or styling
the view. Every value passes the display boundary (redaction, control characters made visible).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.content import Content

from mcpdeck.redact import for_display

Scrub = Callable[[str], str]


def _keep(text: str) -> str:
    return text


def outside(value: object, scrub: Scrub = _keep) -> str:
    """``value`` as plain text ready for a widget: scrubbed, redacted, controls made visible."""
    return for_display(scrub(value if isinstance(value, str) else str(value)))


def markup(template: str, scrub: Scrub = _keep, /, **values: object) -> Content:
    """``template`` (mcpdeck's markup, never outside text) with ``$name`` filled by ``values``.

    Value names must not be theme variables (``$error``, ``$accent``…): those style the template.
    """
    return Content.from_markup(template, **{k: outside(v, scrub) for k, v in values.items()})


def plain(value: object, scrub: Scrub = _keep, style: str = "") -> Text:
    """Outside text as a Rich ``Text`` for tables and cells (a str cell would be parsed as markup)."""
    return Text(outside(value, scrub), style=style)
