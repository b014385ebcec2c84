"""`a`: add a server through a small form with inline validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from mcpdeck.tui.forms import AddForm, check
from mcpdeck.tui.safe_text import markup

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig
    from mcpdeck.tui.app import McpdeckApp

FIELDS = (
    ("name", "Name", "e.g. github"),
    ("target", "URL or command", "https://mcp.example.com/mcp   or   npx -y @acme/mcp-server"),
    ("bearer_env", "Bearer token env var (optional, URL only)", "ACME_TOKEN"),
    ("scopes", "OAuth scopes (optional, URL only)", "read write"),
    ("env", "Environment (optional, command only)", "KEY=value OTHER=value"),
)

AddResult = tuple[str, dict[str, Any], bool]


class AddServerScreen(ModalScreen[AddResult | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="add.cancel"),
        Binding("ctrl+s", "submit", "Add", id="add.submit"),
    ]

    app: McpdeckApp

    def __init__(self, loaded: LoadedConfig, scrub: Callable[[str], str]) -> None:
        super().__init__()
        self.loaded = loaded
        self._scrub = scrub
        self._touched: set[str] = set()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="add-box", classes="dialog"):
            yield Static("Add a server", classes="dialog-title")
            for key, label, placeholder in FIELDS:
                yield Label(label)
                yield Input(placeholder=placeholder, id=f"f-{key}")
                yield Static("", id=f"e-{key}", classes="field-error")
            yield Checkbox("Write to this project's config instead of the user's", id="f-project")
            yield Static(self._where(project=False), id="add-where")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add-ok")
                yield Button("Cancel", id="add-cancel")
            yield Static(
                "[b]Tab[/b] next field    [b]Enter[/b] next / add    [b]Escape[/b] cancel",
                classes="dialog-keys",
            )

    def _where(self, *, project: bool) -> Content:
        file = self.loaded.project_file() if project else self.loaded.user_file
        return markup("[dim]Goes to[/] $file", self._scrub, file=str(file))

    @on(Checkbox.Changed, "#f-project")
    def _where_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#add-where", Static).update(self._where(project=event.value))

    def on_mount(self) -> None:
        for inp in self.query(Input):
            inp.cursor_blink = self.app.cursor_blink
        self.query_one("#f-name", Input).focus()
        for key, *_ in FIELDS:
            self.query_one(f"#e-{key}").display = False

    def _form(self) -> AddForm:
        values = {key: self.query_one(f"#f-{key}", Input).value for key, *_ in FIELDS}
        return AddForm(**values, project=self.query_one("#f-project", Checkbox).value)

    def _show_errors(self, *, all_fields: bool) -> bool:
        result = check(self._form(), set(self.loaded.servers))
        for key, *_ in FIELDS:
            box = self.query_one(f"#e-{key}", Static)
            message = result.errors.get(key) if all_fields or key in self._touched else None
            box.update(markup("✗ $message", message=message) if message else "")
            box.display = message is not None
        return result.ok

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id and event.value:
            self._touched.add(event.input.id.removeprefix("f-"))
        self._show_errors(all_fields=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter: add when the form is complete; else stay on a wrong field, or move on."""
        key = (event.input.id or "").removeprefix("f-")
        result = check(self._form(), set(self.loaded.servers))
        if result.ok or key == FIELDS[-1][0]:
            self.action_submit()
        elif key in result.errors and event.value.strip():
            self._touched.add(key)
            self._show_errors(all_fields=False)
        else:
            self.focus_next()

    @on(Button.Pressed, "#add-ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#add-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_submit(self) -> None:
        if not self._show_errors(all_fields=True):
            return
        form = self._form()
        result = check(form, set(self.loaded.servers))
        self.dismiss((form.name.strip(), result.table, form.project))

    def action_cancel(self) -> None:
        self.dismiss(None)
