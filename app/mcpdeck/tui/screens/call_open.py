"""Opening a call screen from the diagnostic screen: Enter on a tab's row, or ``h`` (history)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcpdeck.tui.history import CallRequest
from mcpdeck.tui.screens.call import CallScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.tui.app import McpdeckApp
    from mcpdeck.tui.model import ReportView


def open_item(
    screen: Screen[Any], loaded: LoadedConfig, report: ReportView, kind: str, index: int
) -> None:
    """Enter on row ``index`` of the tools, resources, templates or prompts tab."""
    app: McpdeckApp = screen.app  # type: ignore[assignment]
    server = report.name
    if kind == "tools" and index < len(report.tools):
        tool = report.tools[index]
        if not tool.exposed:
            app.notify(
                app.outside(
                    f"{tool.name} is hidden from Codex by {tool.hidden_by or 'a filter'};"
                    " mcpdeck can still call it."
                ),
                markup=False,
                severity="warning",
            )
        app.push_screen(
            CallScreen(
                loaded,
                CallRequest(server, "tool", tool.name),
                schema=tool.input_schema,
                description=tool.description,
            )
        )
    elif kind in ("resources", "templates") and index < len(getattr(report, kind)):
        item = getattr(report, kind)[index]
        template = kind == "templates"  # a form for the template's variables first
        app.push_screen(
            CallScreen(
                loaded,
                CallRequest(server, "resource", item.detail, title=item.name),
                description=item.description,
                template=item.detail if template else None,
                run_now=not template,
            )
        )
    elif kind == "prompts" and index < len(report.prompts):
        item = report.prompts[index]
        app.push_screen(
            CallScreen(
                loaded,
                CallRequest(server, "prompt", item.name),
                schema=item.input_schema,
                description=item.description,
                run_now=not item.input_schema.get("properties"),
            )
        )


def open_history(screen: Screen[Any], loaded: LoadedConfig, report: ReportView) -> None:
    """``h``: the server's calls in this session; Enter runs one again in its call screen."""
    from mcpdeck.tui.screens.history import HistoryScreen

    app: McpdeckApp = screen.app  # type: ignore[assignment]

    def chosen(request: CallRequest | None) -> None:
        if request is None:
            return
        schema: dict[str, Any] = {}
        description = ""
        if request.kind == "tool":
            tool = next((t for t in report.tools if t.name == request.target), None)
            schema = tool.input_schema if tool else {}
            description = tool.description if tool else ""
        elif request.kind == "prompt":
            prompt = next((p for p in report.prompts if p.name == request.target), None)
            schema = prompt.input_schema if prompt else {}
        app.push_screen(
            CallScreen(loaded, request, schema=schema, description=description, run_now=True)
        )

    app.push_screen(HistoryScreen(report.name, app.history), chosen)
