"""``-c key=value`` and ``-p NAME`` as Codex's command line takes them.

A value is read as a TOML value when it is one (``3``, ``true``, ``["a"]``, ``{command = "x"}``)
and as a plain string otherwise (``-c mcp_servers.x.command=echo``), like Codex.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

PROFILE_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` -> (dotted key, value); ValueError with Codex's words when malformed."""
    key, sep, raw = text.partition("=")
    if not sep:
        raise ValueError(f"invalid override (missing '='): {text}")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ValueError(f"invalid override (empty key): {text}")
    raw = raw.strip()
    try:
        value: Any = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip("\"'") if len(raw) >= 2 and raw[0] == raw[-1] in "\"'" else raw
    return key, value


def check_profile(name: str) -> str:
    """Codex takes a plain profile name (letters, digits, '-' and '_')."""
    if not PROFILE_RE.match(name):
        raise ValueError(f"invalid --profile value `{name}`; pass a plain name such as `work`")
    return name
