"""A lowlevel MCP server whose every list paginates, so clients must follow cursors."""

from __future__ import annotations

import os
from typing import Any

import mcp_types as types
from mcp.server.lowlevel.server import Server

TOOL_NAMES = [f"tool_{i}" for i in range(7)]
RESOURCE_URIS = [f"memo://note/{i}" for i in range(5)]
TEMPLATE_URIS = [f"memo://user/{{id}}/item{i}" for i in range(3)]
PROMPT_NAMES = [f"prompt_{i}" for i in range(4)]
PAGE = 3
INSTRUCTIONS = "Catalog server for tests: everything paginates."


def _page(
    items: list[Any], params: types.PaginatedRequestParams | None
) -> tuple[list[Any], str | None]:
    start = int(params.cursor) if params and params.cursor else 0
    end = start + PAGE
    return items[start:end], (str(end) if end < len(items) else None)


def build_server(*, prompts: bool = True, name: str = "catalog") -> Server[Any]:
    async def list_tools(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        tools = [
            types.Tool(name=n, description=f"{n} does a thing", input_schema={"type": "object"})
            for n in TOOL_NAMES
        ]
        tools.append(
            types.Tool(
                name="get_env",
                description="returns an environment variable",
                input_schema={"type": "object", "properties": {"name": {"type": "string"}}},
            )
        )
        page, cursor = _page(tools, params)
        return types.ListToolsResult(tools=page, next_cursor=cursor)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        if params.name == "get_env":
            key = (params.arguments or {}).get("name", "")
            text = os.environ.get(key, "<unset>")
        elif params.name == "cwd":
            text = os.getcwd()
        else:
            text = f"called {params.name}"
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    async def list_resources(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        resources = [
            types.Resource(uri=u, name=f"note {i}", mime_type="text/plain")
            for i, u in enumerate(RESOURCE_URIS)
        ]
        page, cursor = _page(resources, params)
        return types.ListResourcesResult(resources=page, next_cursor=cursor)

    async def list_templates(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        templates = [
            types.ResourceTemplate(uri_template=u, name=f"item {i}")
            for i, u in enumerate(TEMPLATE_URIS)
        ]
        page, cursor = _page(templates, params)
        return types.ListResourceTemplatesResult(resource_templates=page, next_cursor=cursor)

    async def list_prompts(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        items = [
            types.Prompt(
                name=n, description=f"{n} prompt", arguments=[types.PromptArgument(name="topic")]
            )
            for n in PROMPT_NAMES
        ]
        page, cursor = _page(items, params)
        return types.ListPromptsResult(prompts=page, next_cursor=cursor)

    return Server(
        name,
        version="1.2.3",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_list_prompts=list_prompts if prompts else None,
    )
