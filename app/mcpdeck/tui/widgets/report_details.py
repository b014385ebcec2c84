"""The doctor's Tools and Findings tabs: a finding's row, and the detail beside each table.

Outside text (tool names, descriptions, schemas, finding messages) fills ``$variables`` of
mcpdeck's markup, never the markup itself (:mod:`mcpdeck.tui.safe_text`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App
from textual.content import Content

from mcpdeck.tui.model import FindingView, ReportView
from mcpdeck.tui.safe_text import markup, outside
from mcpdeck.tui.widgets.look import themed

Scrub = Callable[[str], str]

FINDING_WIDTH = 28
SEVERITY_LOOK = {"error": ("✗", "error"), "warning": ("!", "warning"), "info": ("·", "accent")}


def tool_detail(report: ReportView | None, index: int, scrub: Scrub) -> Content | str:
    """Tool ``index`` of the report: whether Codex sees it, its description and input schema."""
    tools = report.tools if report else []
    if not tools:
        why = report.session_error if report and report.session_error else None
        if why:
            return markup("[dim]No tools: $why[/]", scrub, why=why)
        return "[dim]The server lists no tools.[/]"
    tool = tools[min(index, len(tools) - 1)]
    # The server's key order (type, properties, required) reads better than sorted keys.
    schema = (
        json.dumps(tool.input_schema, indent=2, ensure_ascii=False) if tool.input_schema else None
    )
    state = (
        "exposed to the client"
        if tool.exposed
        else f"hidden by {tool.hidden_by or 'the tool filters'}"
    )
    return markup(
        "[b]$name[/b]  [dim]$state · Enter calls it[/]\n\n"
        + ("$description" if tool.description else "[dim]no description[/]")
        + "\n\n[b]Input schema[/b]\n"
        + ("$schema" if schema else "[dim]none given[/]"),
        scrub,
        name=tool.name,
        state=state,
        description=tool.description or "",
        schema=schema or "",
    )


def finding_cells(app: App[Any], finding: FindingView, scrub: Scrub) -> tuple[Text, Text, str]:
    """Severity, the message cut to its column, and what Enter does."""
    glyph, var = SEVERITY_LOOK.get(finding.severity, ("·", "foreground"))
    fix = "Enter: apply" if finding.edit else ("see detail" if finding.fix else "")
    # The whole message is in the detail beside; here it leaves room for the Fix column.
    message = outside(finding.message, scrub)
    if len(message) > FINDING_WIDTH:
        message = message[: FINDING_WIDTH - 1] + "…"
    return themed(app, f"{glyph} {finding.severity}", var), Text(message), fix


def finding_detail(report: ReportView | None, index: int, scrub: Scrub) -> Content | str:
    """Finding ``index``: severity, message, the fix, and the config change Enter would apply."""
    findings = report.findings if report else []
    if not findings:
        return "[$success]✓ Nothing to fix.[/]"
    f = findings[min(index, len(findings) - 1)]
    glyph, var = SEVERITY_LOOK.get(f.severity, ("·", "foreground"))
    template = ""
    if f.edit:  # first: on a small terminal the end of a long detail is below the fold
        template += "[b]Enter[/b] applies the config change below (you will be asked first).\n\n"
    template += f"[${var}][b]{glyph} $severity[/b][/]  $message\n\n"
    if f.fix:
        template += "[b]Fix[/b]  $fix\n\n"
    if f.edit or f.edit_text:
        template += "[b]Config change[/b]\n$change\n\n"
    return markup(
        template.rstrip("\n"),
        scrub,
        severity=f.severity,
        message=f.message,
        fix=f.fix or "",
        change=f.edit_text,
    )
