"""Everything a server offers (tools, resources, templates, prompts), every page of it, and
which tools a client exposes after ``enabled_tools`` / ``disabled_tools``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from mcpdeck.redact import redact
from mcpdeck.session.connect import McpSession
from mcpdeck.session.models import (
    Inventory,
    PromptInfo,
    ResourceInfo,
    TemplateInfo,
    ToolFilterReport,
    ToolInfo,
)

# A paginator that never ends must not hang the doctor.
MAX_PAGES = 200
_METHOD_NOT_FOUND = -32601

T = TypeVar("T")


def apply_tool_filters(
    tool_names: Sequence[str],
    enabled_tools: Sequence[str] | None,
    disabled_tools: Sequence[str] | None,
) -> tuple[dict[str, str | None], ToolFilterReport]:
    """Codex's rule: the allow-list first (when set), then the deny-list.

    Returns tool name -> the filter that hides it (None when exposed), and the report.
    """
    hidden_by: dict[str, str | None] = {}
    allowed = set(enabled_tools) if enabled_tools is not None else None
    denied = set(disabled_tools or ())
    for name in tool_names:
        if allowed is not None and name not in allowed:
            hidden_by[name] = "enabled_tools"
        elif name in denied:
            hidden_by[name] = "disabled_tools"
        else:
            hidden_by[name] = None
    known = set(tool_names)
    report = ToolFilterReport(
        exposed=[n for n in tool_names if hidden_by[n] is None],
        hidden=[n for n in tool_names if hidden_by[n] is not None],
        unknown_enabled=[n for n in (enabled_tools or ()) if n not in known],
        unknown_disabled=[n for n in (disabled_tools or ()) if n not in known],
    )
    return hidden_by, report


async def _all_pages(
    fetch: Callable[[Any], Awaitable[Any]], items_of: Callable[[Any], list[T]]
) -> tuple[list[T], int]:
    from mcp_types import PaginatedRequestParams

    items: list[T] = []
    cursor: str | None = None
    seen: set[str] = set()
    pages = 0
    while pages < MAX_PAGES:
        params = PaginatedRequestParams(cursor=cursor) if cursor is not None else None
        result = await fetch(params)
        pages += 1
        items.extend(items_of(result))
        cursor = result.next_cursor
        if not cursor or cursor in seen:
            break
        seen.add(cursor)
    return items, pages


async def list_inventory(session: McpSession) -> Inventory:
    """List every kind the server advertises, following cursors to the last page."""
    from mcp.shared.exceptions import MCPError

    raw = session.raw
    caps = session.info.capabilities
    inventory = Inventory()
    started = time.perf_counter()

    kinds: list[tuple[str, str, Callable[[Any], Awaitable[Any]], Callable[[Any], list[Any]]]] = [
        ("tools", "tools", lambda p: raw.list_tools(params=p), lambda r: list(r.tools)),
        (
            "resources",
            "resources",
            lambda p: raw.list_resources(params=p),
            lambda r: list(r.resources),
        ),
        (
            "templates",
            "resources",
            lambda p: raw.list_resource_templates(params=p),
            lambda r: list(r.resource_templates),
        ),
        ("prompts", "prompts", lambda p: raw.list_prompts(params=p), lambda r: list(r.prompts)),
    ]
    found: dict[str, list[Any]] = {}
    for kind, capability, fetch, items_of in kinds:
        if capability not in caps:
            inventory.not_offered.append(kind)
            continue
        try:
            items, pages = await _all_pages(fetch, items_of)
        except MCPError as exc:
            if exc.code == _METHOD_NOT_FOUND:
                inventory.not_offered.append(kind)
            else:
                inventory.errors[kind] = redact(exc.message)
            continue
        except TimeoutError:
            inventory.errors[kind] = "timed out"
            continue
        found[kind] = items
        inventory.pages[kind] = pages

    tools = found.get("tools", [])
    hidden_by, inventory.filters = apply_tool_filters(
        [t.name for t in tools], session.server.enabled_tools, session.server.disabled_tools
    )
    inventory.tools = [
        ToolInfo(
            name=t.name,
            title=t.title,
            description=t.description,
            exposed=hidden_by[t.name] is None,
            hidden_by=hidden_by[t.name],
            input_schema=dict(t.input_schema or {}),
        )
        for t in tools
    ]
    inventory.resources = [
        ResourceInfo(str(r.uri), r.name, r.title, r.description, r.mime_type)
        for r in found.get("resources", [])
    ]
    inventory.templates = [
        TemplateInfo(str(t.uri_template), t.name, t.title, t.description, t.mime_type)
        for t in found.get("templates", [])
    ]
    inventory.prompts = [
        PromptInfo(
            p.name,
            p.title,
            p.description,
            [a.name for a in (p.arguments or [])],
            [a.name for a in (p.arguments or []) if a.required],
            {a.name: a.description for a in (p.arguments or []) if a.description},
        )
        for p in found.get("prompts", [])
    ]
    session.timings.inventory_ms = (time.perf_counter() - started) * 1000
    return inventory
