"""A hostile MCP server over stdio: every string it sends is an attack on the terminal or the
TUI's markup. Run as ``python tests/adversarial/hostile_stdio_server.py``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    import anyio
    import mcp_types as types
    from mcp.server.lowlevel.server import Server
    from mcp.server.stdio import stdio_server

    from tests.adversarial.payloads import HOSTILE, MARKUP_CRASH, TRAILING_BACKSLASH

    print(f"starting {HOSTILE}", file=sys.stderr, flush=True)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=MARKUP_CRASH, description=HOSTILE, input_schema={"type": "object"}),
                types.Tool(
                    name=TRAILING_BACKSLASH, description=HOSTILE, input_schema={"type": "object"}
                ),
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type="text", text=HOSTILE)])

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[types.Resource(uri="memo://x", name=HOSTILE, description=HOSTILE)]
        )

    async def list_prompts(ctx: Any, params: Any) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[types.Prompt(name=HOSTILE, description=HOSTILE)])

    server: Server[Any] = Server(
        HOSTILE,
        version=HOSTILE,
        instructions=HOSTILE,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_prompts=list_prompts,
    )

    async def run() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(run)


if __name__ == "__main__":
    main()
