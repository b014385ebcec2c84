"""Managed requirements (``requirements.toml`` next to the system config), as Codex applies them.

``[mcp_servers.NAME.identity]`` allowlists a server by its command or URL; once the file has an
``mcp_servers`` table, every server it does not allow is disabled.
"""

from __future__ import annotations

from pathlib import Path

from mcpdeck.config.layer import Layer
from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.config.toml_file import read_layer

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any


def apply_requirements(loaded: LoadedConfig, file: Path) -> None:
    """Mark every server ``file`` does not allow with ``requirement_reason``."""
    layer = Layer("system", file, trusted=True)
    read_layer(layer, loaded, loaded_by_codex=True, record=False)
    if layer.document is None:
        return
    loaded.requirements_file = file
    allowed = layer.document.get("mcp_servers")
    if not isinstance(allowed, dict):
        return
    reason = f"requirements ({file})"
    for name, server in loaded.servers.items():
        if not _allowed_by(allowed.get(name), server):
            server.requirement_reason = reason


def _allowed_by(requirement: Any, server: ServerConfig) -> bool:
    if not isinstance(requirement, dict):
        return False
    identity = requirement.get("identity")
    if not isinstance(identity, dict):
        return False
    if "command" in identity:
        return server.transport == "stdio" and server.command == identity["command"]
    if "url" in identity:
        return server.transport == "streamable_http" and server.url == identity["url"]
    return False
