"""The demo's stdio MCP server (`local`): ``python -m mcpdeck.demo.stdio_server``."""

from __future__ import annotations

import os
from typing import Any

from mcp.server.mcpserver import MCPServer

from mcpdeck.demo.sdk_server import new_server


def build_local() -> MCPServer[Any]:
    server = new_server(
        "local",
        title="Local tools (demo)",
        instructions="A stdio server started by the client as a subprocess.",
        version="1.0.0",
    )

    @server.tool(description="Echo the text back.")
    def echo(text: str) -> str:
        return text

    @server.tool(description="Add two integers.")
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool(description="Greet someone with the greeting from the server's environment.")
    def greet(name: str) -> str:
        # DEMO_GREETING comes from the `env` table of the server's config entry.
        return f"{os.environ.get('DEMO_GREETING', 'Hello')}, {name}!"

    @server.resource("local://readme", name="readme", mime_type="text/plain")
    def readme() -> str:
        return "This server runs as a subprocess of the MCP client and talks over stdin/stdout."

    @server.prompt(description="Summarize a text in three bullet points.")
    def summarize(text: str) -> str:
        return f"Summarize in three bullet points:\n\n{text}"

    @server.prompt(description="Review code in a given language.")
    def code_review(language: str, code: str) -> str:
        return f"Review this {language} code for bugs and style:\n\n{code}"

    return server


def main() -> None:
    build_local().run("stdio")


if __name__ == "__main__":
    main()
