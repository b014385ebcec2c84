"""mcpdeck: manage MCP servers configured the Codex CLI way, and their authentication.

This package's ``__init__`` stays empty on purpose: importing any submodule must never pull in
Textual, the MCP SDK or authlib (``mcpdeck list --json`` has a start-up budget).
"""

__version__ = "0.1.0"
