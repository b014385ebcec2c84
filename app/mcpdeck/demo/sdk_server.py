"""Construction of SDK MCPServer instances for the demo."""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.mcpserver import MCPServer


def new_server(name: str, **kwargs: Any) -> MCPServer[Any]:
    """An MCPServer that leaves the process's logging alone.

    MCPServer's constructor calls ``logging.basicConfig`` with a rich handler on stderr, which
    would scribble over the TUI; basicConfig does nothing while the root logger has a handler.
    """
    root = logging.getLogger()
    placeholder = None
    if not root.handlers:
        placeholder = logging.NullHandler()
        root.addHandler(placeholder)
    try:
        return MCPServer(name, log_level="WARNING", **kwargs)
    finally:
        if placeholder is not None:
            root.removeHandler(placeholder)
