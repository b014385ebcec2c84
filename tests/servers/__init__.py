"""MCP servers for tests, built with the `mcp` SDK's server side (stdio and streamable HTTP)."""
