"""`Enter`/`v`: the doctor's report of one server, in tabs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from mcpdeck.tui.errors import one_line
from mcpdeck.tui.format import plural
from mcpdeck.tui.model import FindingView, ReportView
from mcpdeck.tui.safe_text import plain
from mcpdeck.tui.widgets.deck_footer import DeckFooter
from mcpdeck.tui.widgets.facts import Facts
from mcpdeck.tui.widgets.look import themed
from mcpdeck.tui.widgets.timeline import trace_table

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.diagnostics.edits import ConfigEdit
    from mcpdeck.tui.app import McpdeckApp

TABS = (
    ("overview", "Overview"),
    ("auth", "Auth"),
    ("tools", "Tools"),
    ("resources", "Resources"),
    ("templates", "Templates"),
    ("prompts", "Prompts"),
    ("log", "Log"),
    ("findings", "Findings"),
)
# On a narrow terminal the tab bar uses these shorter words so all eight tabs fit in 80 columns.
SHORT_LABELS = {"resources": "Res", "templates": "Tmpl"}
NARROW_TABS = 110
FINDING_WIDTH = 28
SEVERITY_LOOK = {"error": ("✗", "error"), "warning": ("!", "warning"), "info": ("·", "accent")}

ToolsKnown = Callable[[str, int | None], None]


class DiagnosticScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="diag.back", tooltip="close the diagnostic view"),
        Binding("r", "rerun", "Run again", id="diag.rerun", tooltip="re-run the doctor"),
        Binding("l", "login", "Login", id="diag.login", tooltip="OAuth login to this server"),
        Binding("question_mark", "help", "Help", id="diag.help", tooltip="every key"),
        Binding(
            "enter",
            "apply_finding",
            "Apply fix",
            show=False,
            id="diag.apply",
            tooltip="apply the selected finding's config fix (asks first)",
        ),
        Binding("h", "history", "Call history", id="diag.history", tooltip="calls made here"),
        *[
            Binding(
                str(i),
                f"tab('{key}')",
                f"Show tab: {label}",
                show=False,
                id=f"diag.tab_{key}",
                tooltip=f"switch to the {label} tab",
            )
            for i, (key, label) in enumerate(TABS, start=1)
        ],
    ]

    app: McpdeckApp

    def __init__(self, name: str, loaded: LoadedConfig, on_tools: ToolsKnown | None = None) -> None:
        super().__init__(id="diagnose")
        self.server_name = name
        self.loaded = loaded
        self.report: ReportView | None = None
        self._on_tools = on_tools
        self._counts: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Header(icon="☰")
        yield Static("", id="diag-status")
        with TabbedContent(id="tabs", initial="overview"):
            with TabPane("Overview", id="overview"):
                yield VerticalScroll(Facts(id="overview-body"))
            with TabPane("Auth", id="auth"):
                yield VerticalScroll(
                    Facts(id="auth-body"),
                    Static("", id="auth-chain-title"),
                    Static("", id="auth-chain"),
                )
            with TabPane("Tools", id="tools"), Horizontal(classes="master-detail"):
                yield DataTable(id="tools-table", cursor_type="row")
                yield VerticalScroll(Static(id="tool-detail"), id="tool-detail-box")
            for key in ("resources", "templates", "prompts"):
                with TabPane(key.capitalize(), id=key):
                    yield DataTable(id=f"{key}-table", cursor_type="row")
                    yield Static("", id=f"{key}-empty", classes="empty-tab")
            with TabPane("Log", id="log"):
                yield VerticalScroll(Static(id="log-body"))
            with TabPane("Findings", id="findings"), Horizontal(classes="master-detail"):
                yield DataTable(id="findings-table", cursor_type="row")
                yield VerticalScroll(Static(id="finding-detail"), id="finding-detail-box")
        yield DeckFooter()

    def secondary_actions(self) -> set[str]:
        return set()

    def hidden_actions(self) -> set[str]:
        server = self.loaded.servers.get(self.server_name)
        if server is None or server.transport != "streamable_http":
            return {"login"}
        return set()

    def on_resize(self) -> None:
        self._label_tabs()

    def _label_tabs(self) -> None:
        narrow = self.size.width < NARROW_TABS
        tabs = self.query_one(TabbedContent)
        for key, label in TABS:
            word = SHORT_LABELS.get(key, label) if narrow else label
            count = self._counts.get(key)
            if count is not None:
                word = f"{word} {count}" if narrow else f"{word} ({count})"
            tabs.get_tab(key).label = word

    def on_mount(self) -> None:
        self.title = "mcpdeck"
        self.sub_title = f"diagnosis of {self.server_name}"
        tools = self.query_one("#tools-table", DataTable)
        tools.add_column("Tool", key="name")
        tools.add_column("Exposed", key="exposed")
        for key, first in (
            ("resources", "URI"),
            ("templates", "URI template"),
            ("prompts", "Arguments"),
        ):
            table = self.query_one(f"#{key}-table", DataTable)
            table.add_column("Name", key="name")
            table.add_column(first, key="detail")
            table.add_column("Description", key="description")
        findings = self.query_one("#findings-table", DataTable)
        findings.add_column("Severity", key="severity")
        findings.add_column("Finding", key="message")
        findings.add_column("Fix", key="fix")
        self.run_diagnosis()

    def _m(self, template: str, /, **values: object) -> Content:
        return self.app.markup(template, **values)

    # -- the worker ----------------------------------------------------------------------

    @work(exclusive=True, group="diagnose", exit_on_error=False)
    async def run_diagnosis(self) -> ReportView:
        self.query_one("#tabs").loading = True
        self.query_one("#diag-status", Static).update(
            self._m(
                "Diagnosing [b]$name[/b]: config, auth, session, inventory…", name=self.server_name
            )
        )
        return await self.app.services.diagnose(self.loaded, self.server_name)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "diagnose":
            if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, ReportView):
                self.query_one("#tabs").loading = False
                self.show_report(event.worker.result)
            elif event.state == WorkerState.ERROR:
                self.query_one("#tabs").loading = False
                error = one_line(event.worker.error) if event.worker.error else "failed"
                self.query_one("#diag-status", Static).update(
                    self._m(
                        "[$error]✗ The diagnosis failed: $why[/] — press [b]r[/b] to try again.",
                        why=error,
                    )
                )
                self.app.notify(
                    self.app.outside(f"Diagnosis failed: {error}"), markup=False, severity="error"
                )
        elif event.worker.group == "fix" and event.state == WorkerState.SUCCESS:
            self.run_diagnosis()
        else:
            self.app.report_failure(event)

    # -- rendering -----------------------------------------------------------------------

    def show_report(self, report: ReportView) -> None:
        self.report = report
        errors = sum(1 for f in report.findings if f.severity == "error")
        warnings = sum(1 for f in report.findings if f.severity == "warning")
        if report.session_error:
            head = self._m("[$error]✗ session failed:[/] $why", why=report.session_error)
        else:
            exposed = sum(1 for t in report.tools if t.exposed)
            head = Content.from_markup(
                f"[$success]✓ session ok[/]  {exposed} of {plural(len(report.tools), 'tool')}"
                " exposed"
            )
        verdict = Content.from_markup(
            f"[$error]{plural(errors, 'error')}[/], [$warning]{plural(warnings, 'warning')}[/]"
            if report.findings
            else "[$success]no findings[/]"
        )
        self.query_one("#diag-status", Static).update(
            Content.assemble(
                self._m("[b]$name[/b]   ", name=report.name),
                head,
                "   ",
                verdict,
                Content.from_markup("  [dim](press 1–8 for tabs)[/]"),
            )
        )
        self.query_one("#overview-body", Facts).show(self._scrubbed(report.overview))
        self.query_one("#auth-body", Facts).show(
            self._scrubbed(report.auth), "No authentication data."
        )
        chain_title = self.query_one("#auth-chain-title", Static)
        chain_title.update("[b $accent]Discovery chain[/]" if report.discovery else "")
        chain_title.display = bool(report.discovery)
        self.query_one("#auth-chain", Static).update(
            trace_table(self.app, report.discovery, self.app.scrub)
        )
        self._fill_tools(report)
        for key, items in (
            ("resources", report.resources),
            ("templates", report.templates),
            ("prompts", report.prompts),
        ):
            table = self.query_one(f"#{key}-table", DataTable)
            table.clear()
            for i, item in enumerate(items):
                table.add_row(
                    *(self._plain(v) for v in (item.name, item.detail, item.description)),
                    key=str(i),
                )
            empty = self.query_one(f"#{key}-empty", Static)
            empty.display = not items
            why = report.session_error
            empty.update(
                self._m("[dim]No $kind: $why[/]", kind=key, why=why)
                if why
                else f"[dim]The server lists no {key}.[/]"
            )
        self.query_one("#log-body", Static).update(
            trace_table(self.app, report.log, self.app.scrub)
            if report.log
            else "[dim]No HTTP exchange recorded.[/]"
        )
        self._fill_findings(report.findings)
        self._counts = {
            "tools": len(report.tools),
            "resources": len(report.resources),
            "templates": len(report.templates),
            "prompts": len(report.prompts),
            "findings": len(report.findings),
        }
        self._label_tabs()
        if self._on_tools is not None:
            self._on_tools(report.name, report.tool_count)

    def _scrubbed(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, self.app.outside(v)) for k, v in pairs]

    def _plain(self, value: object) -> Text:
        # DataTable parses a str cell as markup: outside text goes in as Text.
        return plain(value, self.app.scrub)

    def _fill_tools(self, report: ReportView) -> None:
        table = self.query_one("#tools-table", DataTable)
        table.clear()
        for i, tool in enumerate(report.tools):
            exposed = (
                themed(self.app, "exposed", "success")
                if tool.exposed
                else themed(
                    self.app, self.app.outside(f"hidden ({tool.hidden_by or 'filter'})"), "warning"
                )
            )
            table.add_row(self._plain(tool.name), exposed, key=str(i))
        self._show_tool(0)

    def _show_tool(self, index: int) -> None:
        box = self.query_one("#tool-detail", Static)
        tools = self.report.tools if self.report else []
        if not tools:
            why = self.report.session_error if self.report and self.report.session_error else None
            box.update(
                self._m("[dim]No tools: $why[/]", why=why)
                if why
                else "[dim]The server lists no tools.[/]"
            )
            return
        tool = tools[min(index, len(tools) - 1)]
        # The server's key order (type, properties, required) reads better than sorted keys.
        schema = (
            json.dumps(tool.input_schema, indent=2, ensure_ascii=False)
            if tool.input_schema
            else None
        )
        state = (
            "exposed to the client"
            if tool.exposed
            else f"hidden by {tool.hidden_by or 'the tool filters'}"
        )
        box.update(
            self._m(
                "[b]$name[/b]  [dim]$state · Enter calls it[/]\n\n"
                + ("$description" if tool.description else "[dim]no description[/]")
                + "\n\n[b]Input schema[/b]\n"
                + ("$schema" if schema else "[dim]none given[/]"),
                name=tool.name,
                state=state,
                description=tool.description or "",
                schema=schema or "",
            )
        )

    def _fill_findings(self, findings: list[FindingView]) -> None:
        table = self.query_one("#findings-table", DataTable)
        table.clear()
        for i, finding in enumerate(findings):
            glyph, var = SEVERITY_LOOK.get(finding.severity, ("·", "foreground"))
            fix = "Enter: apply" if finding.edit else ("see detail" if finding.fix else "")
            # The whole message is in the detail beside; here it leaves room for the Fix column.
            message = self.app.outside(finding.message)
            if len(message) > FINDING_WIDTH:
                message = message[: FINDING_WIDTH - 1] + "…"
            table.add_row(
                themed(self.app, f"{glyph} {finding.severity}", var),
                Text(message),
                fix,
                key=str(i),
            )
        self._show_finding(0)

    def _show_finding(self, index: int) -> None:
        box = self.query_one("#finding-detail", Static)
        findings = self.report.findings if self.report else []
        if not findings:
            box.update("[$success]✓ Nothing to fix.[/]")
            return
        f = findings[min(index, len(findings) - 1)]
        glyph, var = SEVERITY_LOOK.get(f.severity, ("·", "foreground"))
        template = ""
        if f.edit:  # first: on a small terminal the end of a long detail is below the fold
            template += (
                "[b]Enter[/b] applies the config change below (you will be asked first).\n\n"
            )
        template += f"[${var}][b]{glyph} $severity[/b][/]  $message\n\n"
        if f.fix:
            template += "[b]Fix[/b]  $fix\n\n"
        if f.edit or f.edit_text:
            template += "[b]Config change[/b]\n$change\n\n"
        box.update(
            self._m(
                template.rstrip("\n"),
                severity=f.severity,
                message=f.message,
                fix=f.fix or "",
                change=f.edit_text,
            )
        )

    # -- events --------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#tools-table")
    def _tool_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_tool(event.cursor_row)

    @on(DataTable.RowHighlighted, "#findings-table")
    def _finding_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_finding(event.cursor_row)

    @on(DataTable.RowSelected, "#tools-table")
    @on(DataTable.RowSelected, "#resources-table")
    @on(DataTable.RowSelected, "#templates-table")
    @on(DataTable.RowSelected, "#prompts-table")
    def _item_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a tool calls it, on a resource reads it, on a prompt gets it."""
        from mcpdeck.tui.screens.call_open import open_item

        if self.report is not None and event.data_table.id:
            kind = event.data_table.id.removesuffix("-table")
            open_item(self, self.loaded, self.report, kind, event.cursor_row)

    def action_history(self) -> None:
        from mcpdeck.tui.screens.call_open import open_history

        if self.report is not None:
            open_history(self, self.loaded, self.report)

    @on(DataTable.RowSelected, "#findings-table")
    def _finding_selected(self, event: DataTable.RowSelected) -> None:
        self._apply(event.cursor_row)

    def _apply(self, row: int) -> None:
        if self.report is None or not self.report.findings:
            self.app.notify("Nothing to apply: this server has no findings.")
            return
        finding = self.report.findings[min(max(row, 0), len(self.report.findings) - 1)]
        if not finding.edit:
            self.app.notify("This finding has no config change to apply; see its fix.")
            return
        from mcpdeck.tui.screens.confirm import ConfirmScreen

        edit = finding.edit

        def answered(yes: bool | None) -> None:
            if yes:
                self.apply_fix(edit)

        self.app.push_screen(
            ConfirmScreen(
                "Apply this fix?",
                self._m(
                    "$change\n\nComments and other entries are kept.",
                    change=finding.edit_text,
                ),
            ),
            answered,
        )

    @work(group="fix", exit_on_error=False)
    async def apply_fix(self, edit: ConfigEdit) -> None:
        said = await self.app.services.apply_fix(self.loaded, self.server_name, edit)
        self.app.notify(self.app.outside(f"Applied: {said}. Checking again…"), markup=False)
        self.loaded = await self.app.services.load_config()

    def action_tab(self, key: str) -> None:
        self.query_one(TabbedContent).active = key

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # The Findings tab's one action is Enter on a finding: the table takes the keys at once.
        if event.pane.id == "findings" and not self.query_one("#tabs").loading:
            self.query_one("#findings-table", DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply_finding":
            return self.query_one(TabbedContent).active == "findings"
        return True

    def action_apply_finding(self) -> None:
        """Enter anywhere in the Findings tab: the highlighted finding, as Enter on its row."""
        table = self.query_one("#findings-table", DataTable)
        table.focus()
        self._apply(table.cursor_row)

    def action_help(self) -> None:
        self.app.action_help()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_rerun(self) -> None:
        self.run_diagnosis()

    def action_login(self) -> None:
        server = self.loaded.visible().get(self.server_name)
        if server is None or server.transport != "streamable_http":
            self.app.notify("Only remote (HTTP) servers log in with OAuth.", severity="warning")
            return
        from mcpdeck.tui.screens.login import LoginScreen

        def done(result: str | None) -> None:
            if result == "ok":
                self.run_diagnosis()

        self.app.push_screen(LoginScreen(self.server_name, self.loaded), done)
