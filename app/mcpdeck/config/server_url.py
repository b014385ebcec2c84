"""What counts as a server URL when adding one: MCP's streamable HTTP needs http or https."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# "ftp://x", "ws://x", "file:///x": anything written as scheme://… is meant as a URL.
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def looks_like_url(text: str) -> bool:
    return bool(SCHEME_RE.match(text.strip()))


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an MCP server URL, in words; None when it can."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        return (
            f"{parts.scheme or 'a missing'} scheme: MCP servers are reached over http:// or "
            "https:// (streamable HTTP)"
        )
    if not parts.hostname:
        return "the URL has no host"
    return None
