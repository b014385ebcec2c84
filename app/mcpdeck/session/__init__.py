"""MCP sessions through the official ``mcp`` SDK: stdio and streamable HTTP, auth, inventory.

The SDK is heavy, so nothing here imports it at module level: ``mcpdeck list`` imports none of
it. Import the submodules directly (``mcpdeck.session.connect``, ``mcpdeck.session.inventory``,
``mcpdeck.session.models``).
"""
