"""Words, glyphs and durations shown by the TUI. Pure functions (tested without a terminal)."""

from __future__ import annotations

import time

from mcpdeck.config.model import ServerConfig
from mcpdeck.timefmt import describe_time_left
from mcpdeck.tui.model import Probe

# status -> (glyph, word, theme variable). Never colour alone: glyph and word carry it too.
STATUS_LOOK: dict[str, tuple[str, str, str]] = {
    "authenticated": ("●", "authenticated", "success"),
    "oauth_available": ("○", "login available", "warning"),
    "bearer_token": ("◆", "bearer token", "accent"),
    "none": ("·", "no auth", "foreground-muted"),
    "bearer_unset": ("◆", "token var unset", "error"),
    "disabled": ("⊘", "disabled", "foreground-muted"),
    "untrusted": ("⊘", "not trusted", "error"),
    "checking": ("◌", "checking…", "foreground-muted"),
    "failed": ("✗", "probe failed", "error"),
    "invalid": ("✗", "invalid", "error"),
}


def status_key(
    server: ServerConfig, probe: Probe | None, checking: bool, bearer_set: bool | None = None
) -> str:
    """What the Auth column says. A server Codex will not start says so before any auth word;
    a bearer token whose variable is unset is not a credential."""
    if not server.valid:
        return "invalid"
    if not server.enabled:
        return "disabled"
    if not server.trusted:
        return "untrusted"
    if checking:
        return "checking"
    if probe is None or probe.failed:
        return "failed"
    if probe.auth_status == "bearer_token" and bearer_set is False:
        return "bearer_unset"
    return probe.auth_status if probe.auth_status in STATUS_LOOK else "none"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 tool', '2 tools', '1 needs a login' / '2 need a login' (give ``many`` when irregular)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def wrap_path(path: str, width: int) -> list[str]:
    """A path cut into lines of at most ``width`` at its separators (mid-name only when one
    name alone is longer than a line)."""
    width = max(width, 8)
    lines: list[str] = []
    line = ""
    for part in path.replace("/", "/\0").split("\0"):
        while len(part) > width:  # one name longer than a line
            if line:
                lines.append(line)
                line = ""
            lines.append(part[:width])
            part = part[width:]
        if len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    if line or not lines:
        lines.append(line)
    return lines


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


def field_layers(server: ServerConfig) -> dict[str, list[str]]:
    """layer -> the keys it sets, from the loader's per-field provenance."""
    out: dict[str, list[str]] = {}
    for key, where in server.provenance.items():
        out.setdefault(where.layer, []).append(key)
    return out


def source_badge(server: ServerConfig) -> tuple[str, str]:
    """(label, theme variable). A server whose fields come from both layers says so."""
    if server.source is not None and not server.source.trusted:
        return "project (untrusted)", "error"
    if len(field_layers(server)) > 1:
        return "user + project", "accent"
    if server.source is None or server.source.layer == "user":
        return "user", "foreground"
    return "project", "accent"


def endpoint(server: ServerConfig) -> str:
    if server.url:
        return server.url
    if server.command:
        return " ".join([server.command, *server.args])
    return ""
