"""The form a tool's input schema becomes: one input per field, required marks, descriptions as
help, errors under the field; a raw JSON editor for the whole arguments as the fallback.

Renders :class:`mcpdeck.session.schema_form.FormModel`; knows nothing of MCP.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from mcpdeck.session.schema_form import FormField, FormModel, collect_arguments
from mcpdeck.tui.safe_text import markup, outside

_KIND_WORDS = {
    "string": "text",
    "number": "number",
    "integer": "integer",
    "boolean": "yes / no",
    "enum": "one of",
    "array": "list",
    "json": "JSON",
}


def field_id(leaf: FormField) -> str:
    """A widget id for a field key (ids allow letters, digits, - and _ only)."""
    return "f-" + "".join(c if c.isalnum() or c in "-_" else f"_{ord(c):x}_" for c in leaf.key)


def _hint(leaf: FormField) -> str:
    if leaf.kind == "array":
        item = _KIND_WORDS.get(leaf.item_kind or "json", "value")
        return f"{item}s, comma-separated (or a JSON array)"
    if leaf.kind == "json":
        return f"raw JSON ({leaf.why_json})" if leaf.why_json else "raw JSON"
    return _KIND_WORDS.get(leaf.kind, leaf.kind)


class ToolForm(VerticalScroll):
    """The fields of one call. ``values()`` reads them; ``show_errors`` marks them."""

    DEFAULT_CSS: ClassVar[str] = """
    ToolForm { height: 1fr; padding: 0 1; }
    ToolForm .field-label { margin-top: 1; }
    ToolForm .field-help { color: $text-muted; }
    ToolForm .field-error { color: $error; display: none; }
    ToolForm .field-error.-shown { display: block; }
    ToolForm .group { padding-left: 2; border-left: solid $primary-muted; height: auto; }
    ToolForm .group-title { margin-top: 1; text-style: bold; }
    ToolForm Input, ToolForm Select { width: 1fr; }
    ToolForm TextArea.json-field { height: 5; }
    ToolForm #raw-json { height: 1fr; min-height: 8; display: none; }
    ToolForm.-raw #raw-json { display: block; }
    ToolForm.-raw .form-fields { display: none; }
    ToolForm #form-note { color: $text-muted; }
    ToolForm #form-problem { color: $warning; }
    """

    def __init__(self, model: FormModel, *, initial: dict[str, Any] | None = None, **kw: Any):
        super().__init__(**kw)
        self.model = model
        self.initial = initial or {}
        self.raw_mode = model.raw_only is not None

    # -- building ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        model = self.model
        if model.schema_problem:
            yield Static(
                markup(
                    "! The tool's input schema is not valid JSON Schema: $problem."
                    " Arguments are sent without validation.",
                    problem=model.schema_problem,
                ),
                id="form-problem",
            )
        if model.raw_only:
            yield Static(
                markup("The arguments are edited as JSON ($why).", why=model.raw_only),
                id="form-note",
            )
        elif not model.fields:
            yield Static("This takes no arguments.", id="form-note")
        with Vertical(classes="form-fields"):
            for item in model.fields:
                yield from self._compose_field(item)
        yield TextArea(
            json.dumps(self.initial or {}, indent=2),
            language="json",
            id="raw-json",
            soft_wrap=True,
            show_line_numbers=False,
        )

    def _initial_value(self, leaf: FormField) -> Any:
        node: Any = self.initial
        for part in leaf.path:
            if not isinstance(node, dict) or part not in node:
                return leaf.default if leaf.has_default else None
            node = node[part]
        return node

    def _compose_field(self, item: FormField) -> ComposeResult:
        if item.kind == "object":
            mark = " [$error]*[/]" if item.required else ""
            yield Static(markup(f"$label{mark}", label=item.label), classes="group-title")
            if item.description:
                yield Static(outside(item.description), markup=False, classes="field-help")
            with Vertical(classes="group"):
                for child in item.fields:
                    yield from self._compose_field(child)
            return
        mark = " [$error]*[/]" if item.required else ""
        nullable = ", or null" if item.nullable else ""
        yield Static(
            markup(
                f"[b]$label[/b]{mark}  [dim]$hint{nullable}[/]", label=item.label, hint=_hint(item)
            ),
            classes="field-label",
        )
        wid = field_id(item)
        value = self._initial_value(item)
        if item.kind == "boolean":
            yield Checkbox(
                markup("$label", label=item.title or item.label), value=bool(value), id=wid
            )
        elif item.kind == "enum":
            options = [(str(c) if isinstance(c, str) else json.dumps(c), c) for c in item.choices]
            yield Select(
                options,
                value=value if value in item.choices else Select.NULL,
                allow_blank=True,
                prompt="(not set)",
                id=wid,
            )
        elif item.kind == "json":
            text = json.dumps(value, indent=2) if value is not None else ""
            yield TextArea(
                text, language="json", id=wid, classes="json-field", show_line_numbers=False
            )
        else:
            from mcpdeck.session.schema_form import to_text

            text = to_text(item.kind, value, item.item_kind) if value is not None else ""
            placeholder = item.title or _hint(item)
            yield Input(text, placeholder=placeholder, id=wid)
        if item.description:
            yield Static(outside(item.description), markup=False, classes="field-help")
        yield Static("", id=f"{wid}-error", classes="field-error")

    # -- reading -------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Field key → what the user entered (text, a bool, or the chosen enum value)."""
        out: dict[str, Any] = {}
        for leaf in self.model.leaves():
            widget = self.query_one(f"#{field_id(leaf)}")
            if isinstance(widget, Checkbox):
                out[leaf.key] = widget.value
            elif isinstance(widget, Select):
                out[leaf.key] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, TextArea):
                out[leaf.key] = widget.text
            elif isinstance(widget, Input):
                out[leaf.key] = widget.value
        return out

    def arguments(self) -> tuple[Any, dict[str, str]]:
        """The arguments as they would be sent, and the errors found before sending."""
        if self.raw_mode:
            text = self.query_one("#raw-json", TextArea).text.strip() or "{}"
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                return None, {"": f"not valid JSON ({exc.msg} at line {exc.lineno})"}
            if not isinstance(value, dict):
                return None, {"": "the arguments must be a JSON object"}
            return value, {}
        return collect_arguments(self.model, self.values())

    # -- showing -------------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str]) -> None:
        for leaf in self.model.leaves():
            box = self.query_one(f"#{field_id(leaf)}-error", Static)
            words = errors.get(leaf.key)
            box.update(markup("✗ $words", words=words) if words else "")
            box.set_class(bool(words), "-shown")
        first = next((leaf for leaf in self.model.leaves() if leaf.key in errors), None)
        if first is not None and not self.raw_mode:
            self.query_one(f"#{field_id(first)}").focus()

    def toggle_raw(self) -> None:
        """Switch between the fields and one JSON editor, carrying the arguments across."""
        if self.model.raw_only is not None:
            return
        editor = self.query_one("#raw-json", TextArea)
        if not self.raw_mode:
            args, _ = collect_arguments(self.model, self.values())
            editor.text = json.dumps(args, indent=2, ensure_ascii=False)
            self.raw_mode = True
        else:
            self.raw_mode = False
        self.set_class(self.raw_mode, "-raw")
        self.focus_first()

    def on_mount(self) -> None:
        self.set_class(self.raw_mode, "-raw")
        # Tests and screenshots turn the blink off so pictures do not depend on timing.
        blink = bool(getattr(self.app, "cursor_blink", True))
        for widget in self.query(Input):
            widget.cursor_blink = blink
        for area in self.query(TextArea):
            area.cursor_blink = blink

    def focus_first(self) -> None:
        if self.raw_mode:
            self.query_one("#raw-json").focus()
            return
        for leaf in self.model.leaves():
            widget: Widget = self.query_one(f"#{field_id(leaf)}")
            widget.focus()
            return
