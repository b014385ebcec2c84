"""``-c key=value`` and ``-p NAME`` as Codex's command line takes them, and as layers.

A value is read as a TOML value when it is one (``3``, ``true``, ``["a"]``, ``{command = "x"}``)
and as a plain string otherwise (``-c mcp_servers.x.command=echo``), like Codex. The ``-c``
pairs make one layer above the project files; a profile is a file of its own
(``$CODEX_HOME/NAME.config.toml``), and the legacy ``profile``/``[profiles.NAME]`` keys of the
user file make Codex refuse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import tomli

from mcpdeck.config.layer import Layer
from mcpdeck.config.model import ConfigProblem, LoadedConfig

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
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
        value: Any = tomli.loads(f"value = {raw}")["value"]
    except tomli.TOMLDecodeError:
        value = raw.strip("\"'") if len(raw) >= 2 and raw[0] == raw[-1] in "\"'" else raw
    return key, value


def check_profile(name: str) -> str:
    """Codex takes a plain profile name (letters, digits, '-' and '_')."""
    if not PROFILE_RE.match(name):
        raise ValueError(f"invalid --profile value `{name}`; pass a plain name such as `work`")
    return name


def override_layer(overrides: Sequence[tuple[str, Any]]) -> Layer:
    """The ``-c`` pairs as one layer (``a.b=1`` is ``{"a": {"b": 1}}``)."""
    layer = Layer("override", Path("-c"), trusted=True)
    if not overrides:
        return layer
    document: dict[str, Any] = {}
    for dotted, value in overrides:
        parts = dotted.split(".")
        target = document
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        target[parts[-1]] = value
    layer.document = document
    return layer


def check_legacy_profile(
    user: Layer, profile: str | None, codex_home: Path, loaded: LoadedConfig
) -> None:
    """Codex refuses a user file that still selects or defines profiles the old way."""
    document = user.document or {}
    selected = document.get("profile")
    if isinstance(selected, str):
        loaded.problems.append(
            ConfigProblem(
                f'legacy `profile = "{selected}"` config is no longer supported; use '
                f"`--profile {selected}` with `{selected}.config.toml` instead",
                user.file,
                line=user.top_level_line("profile"),
                key="profile",
                refuses=True,
            )
        )
        return
    profiles = document.get("profiles")
    if profile and isinstance(profiles, dict) and profile in profiles:
        loaded.problems.append(
            ConfigProblem(
                f"--profile `{profile}` cannot be used while this file contains a legacy "
                f"`[profiles.{profile}]` table; move those settings into "
                f"{codex_home / f'{profile}.config.toml'} and remove the table",
                user.file,
                line=user.lines.get(("profiles", profile)),
                key=f"profiles.{profile}",
                refuses=True,
            )
        )
