"""Canonical form of resource indicators (RFC 8707), shared by the demo servers."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def canonical_resource(uri: str) -> str:
    """Lowercase scheme and host, no fragment, no trailing slash: the form the MCP spec names.

    Two spellings of one server (``HTTP://127.0.0.1:80/mcp/``) must bind to the same audience,
    while a different path or port must not.
    """
    parts = urlsplit(uri.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def is_loopback_http(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and (parts.hostname or "") in {"127.0.0.1", "localhost", "::1"}
