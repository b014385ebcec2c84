"""Words, glyphs and durations shown by the TUI. Pure functions (tested without a terminal)."""

from __future__ import annotations

import time

from mcpdeck.config.model import ServerConfig
from mcpdeck.status import describe_time_left
from mcpdeck.tui.model import Probe

# status -> (glyph, word, theme variable). Never colour alone: glyph and word carry it too.
STATUS_LOOK: dict[str, tuple[str, str, str]] = {
    "authenticated": ("●", "authenticated", "success"),
    "oauth_available": ("○", "login available", "warning"),
    "bearer_token": ("◆", "bearer token", "accent"),
    "none": ("·", "no auth", "foreground-muted"),
    "checking": ("◌", "checking…", "foreground-muted"),
    "failed": ("✗", "probe failed", "error"),
    "invalid": ("✗", "invalid", "error"),
}


def status_key(server: ServerConfig, probe: Probe | None, checking: bool) -> str:
    if not server.valid:
        return "invalid"
    if checking:
        return "checking"
    if probe is None or probe.failed:
        return "failed"
    return probe.auth_status if probe.auth_status in STATUS_LOOK else "none"


def time_left(seconds: float) -> str:
    """Compact countdown: '1:59:03', '4:10', '0:09', 'expired'."""
    if seconds <= 0:
        return "expired"
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def long_time_left(seconds: float) -> str:
    return describe_time_left(seconds) if seconds > 0 else "expired"


def clock_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def ago(seconds: float) -> str:
    if seconds < 60:
        return "just now"
    return f"{long_time_left(seconds)} ago"


def transport_word(server: ServerConfig) -> str:
    if server.transport == "stdio":
        return "stdio"
    if server.transport == "streamable_http":
        return "http"
    return "?"


def source_badge(server: ServerConfig) -> tuple[str, str]:
    """(label, theme variable)."""
    if server.source is None or server.source.layer == "user":
        return "user", "foreground"
    if not server.source.trusted:
        return "project (untrusted)", "error"
    return "project", "accent"


def endpoint(server: ServerConfig) -> str:
    if server.url:
        return server.url
    if server.command:
        return " ".join([server.command, *server.args])
    return ""
