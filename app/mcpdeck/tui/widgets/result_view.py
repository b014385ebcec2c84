"""One call's result, by content type: text, Markdown, JSON, images and audio described,
embedded resources and links listed, structured content with its outputSchema check, errors as
errors; or the raw JSON-RPC exchange (redacted) when asked for."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from mcpdeck.session.results import CallResult, ContentItem
from mcpdeck.tui.safe_text import markup, outside

Scrub = Callable[[str], str]

_HEADS = {
    "ok": ("✓", "success"),
    "tool_error": ("✗", "error"),
    "failed": ("✗", "error"),
    "auth_required": ("🔑", "warning"),
    "step_up": ("🔑", "warning"),
    "cancelled": ("–", "warning"),
    "timeout": ("✗", "error"),
}
_OUTCOME_WORDS = {
    "ok": "done",
    "tool_error": "the tool reported an error",
    "failed": "failed",
    "auth_required": "authentication required",
    "step_up": "more scopes needed",
    "cancelled": "cancelled",
    "timeout": "timed out",
}


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f" in {value:.0f} ms" if value < 10_000 else f" in {value / 1000:.1f} s"


def _same_as_a_json_item(r: CallResult) -> bool:
    """Servers often send structured content twice (as JSON text too): say so, show it once."""
    for item in r.items:
        if item.kind == "json":
            try:
                if json.loads(item.text) == r.structured:
                    return True
            except ValueError:
                continue
    return False


class ResultView(VerticalScroll):
    DEFAULT_CSS: ClassVar[str] = """
    ResultView { height: 1fr; padding: 0 1; }
    ResultView .result-head { text-style: bold; margin-bottom: 1; }
    ResultView .item-title { color: $accent; margin-top: 1; }
    ResultView .item-body { padding-left: 2; }
    ResultView .item-json { padding-left: 2; color: $text; }
    ResultView .problem { color: $warning; padding-left: 2; }
    ResultView .error-body { color: $error; padding-left: 2; }
    ResultView .section { margin-top: 1; text-style: bold; }
    ResultView Markdown { padding: 0 0 0 2; margin: 0; }
    """

    def __init__(self, scrub: Scrub, **kw: Any) -> None:
        super().__init__(**kw)
        self.scrub = scrub
        self.result: CallResult | None = None
        self.raw = False

    def _m(self, template: str, /, **values: object) -> Content:
        """mcpdeck's markup with server text in its ``$variables`` (never parsed)."""
        return markup(template, self.scrub, **values)

    def _plain(self, text: str, classes: str) -> Static:
        """Server text as it came (scrubbed): never parsed as markup."""
        return Static(outside(text, self.scrub), markup=False, classes=classes)

    def show(self, result: CallResult | None, *, raw: bool | None = None) -> None:
        self.result = result
        if raw is not None:
            self.raw = raw
        self.remove_children()
        if result is None:
            self.mount(Static("[dim]No result yet: fill in the form and press F5 to call.[/]"))
            return
        self.mount_all(self._raw(result) if self.raw else self._rendered(result))
        self.scroll_home(animate=False)

    # -- the rendered view -----------------------------------------------------------------

    def _rendered(self, r: CallResult) -> list[Any]:
        glyph, var = _HEADS.get(r.outcome, ("·", "foreground"))
        again = " after step-up" if r.stepped_up else ""
        out: list[Any] = [
            Static(
                f"[${var}]{glyph} {_OUTCOME_WORDS.get(r.outcome, r.outcome)}[/]{again}"
                f"[dim]{_ms(r.elapsed_ms)}[/]",
                classes="result-head",
            )
        ]
        if r.error and r.outcome != "tool_error":
            out.append(self._plain(r.error, "error-body"))
            if r.step_up is not None:
                step = r.step_up
                out.append(
                    Static(
                        self._m(
                            "Scopes held:     $held\nScopes required: $required\n"
                            "Missing:         [b]$missing[/b]\n[dim]Challenge: $challenge[/]",
                            held=" ".join(step.held) or "none",
                            required=" ".join(step.required) or "unspecified",
                            missing=" ".join(step.missing) or "—",
                            challenge=step.challenge,
                        ),
                        classes="item-body",
                    )
                )
            if r.fix:
                out.append(Static(self._m("Fix: $fix", fix=r.fix), classes="item-body"))
        if r.description:
            out.append(Static(self._m("[dim]$text[/]", text=r.description)))
        for index, item in enumerate(r.items):
            role = r.roles[index] if index < len(r.roles) else None
            out.extend(self._item(item, role, error=r.outcome == "tool_error"))
        if r.has_structured:
            out.append(Static("Structured content", classes="section"))
            check = r.output_check
            if check == "valid":
                out.append(
                    Static("[$success]✓ matches the tool's outputSchema[/]", classes="item-body")
                )
            elif check:
                out.append(Static(self._m("! $text", text=check), classes="problem"))
            if _same_as_a_json_item(r):
                out.append(
                    Static("[dim]the same value as the JSON text above[/]", classes="item-body")
                )
            else:
                text = json.dumps(r.structured, indent=2, ensure_ascii=False)
                out.append(self._plain(text, "item-json"))
        elif r.output_check and r.output_check != "valid":
            out.append(Static(self._m("! $text", text=r.output_check), classes="problem"))
        if r.progress:
            last = r.progress[-1]
            out.append(
                Static(
                    self._m(
                        f"[dim]{len(r.progress)} progress update(s), last: $text[/]",
                        text=last.words(),
                    )
                )
            )
        if r.items or r.has_structured or r.step_up:
            out.append(Static("[dim]F3 shows the raw JSON-RPC exchange.[/]", classes="section"))
        return out

    def _item(self, item: ContentItem, role: str | None, *, error: bool) -> list[Any]:
        who = f"{role}: " if role else ""
        body_class = "error-body" if error else "item-body"
        out: list[Any] = []
        if item.kind in ("text", "markdown", "json"):
            where = f" {item.uri}" if item.uri else ""
            title = {"text": "text", "markdown": "Markdown", "json": "JSON"}[item.kind]
            if item.name:
                title = f"{item.name} ({title})"
            out.append(Static(self._m("$line", line=f"{who}{title}{where}"), classes="item-title"))
            if item.kind == "markdown" and not error:
                out.append(Markdown(outside(item.text, self.scrub)))
            else:
                out.append(
                    self._plain(item.text, "item-json" if item.kind == "json" else body_class)
                )
        elif item.kind in ("image", "audio") or (item.kind == "resource" and item.data):
            icon = {"image": "🖼", "audio": "♪"}.get(item.kind, "📄")
            where = f"  {item.uri}" if item.uri else ""
            out.append(
                Static(
                    self._m("$line", line=f"{who}{icon} {item.text}{where}"), classes="item-title"
                )
            )
            out.append(Static("[dim]F4 saves it to a file.[/]", classes="item-body"))
        elif item.kind == "resource":
            out.append(
                Static(
                    self._m("$line", line=f"{who}📄 resource {item.uri or ''}"),
                    classes="item-title",
                )
            )
            out.append(self._plain(item.text, body_class))
        elif item.kind == "resource_link":
            name = f"{item.name}  " if item.name else ""
            mime = f"  ({item.mime_type})" if item.mime_type else ""
            out.append(
                Static(
                    self._m("$line", line=f"{who}→ link {name}{item.uri or ''}{mime}"),
                    classes="item-title",
                )
            )
            if item.text:
                out.append(self._plain(item.text, "item-body"))
        else:
            out.append(Static(self._m("$who? unknown content", who=who), classes="item-title"))
            out.append(self._plain(item.text, "item-json"))
        if item.problem and item.kind != "unknown":
            out.append(Static(self._m("! $text", text=item.problem), classes="problem"))
        return out

    # -- the raw view ----------------------------------------------------------------------

    def _raw(self, r: CallResult) -> list[Any]:
        out: list[Any] = [
            Static("[b]JSON-RPC request[/b] [dim](redacted; F3 goes back)[/]", classes="section"),
            self._plain(json.dumps(r.request, indent=2, ensure_ascii=False), "item-json"),
            Static("[b]JSON-RPC response[/b]", classes="section"),
            self._plain(json.dumps(r.response, indent=2, ensure_ascii=False), "item-json")
            if r.response is not None
            else Static("[dim]none: the call did not get that far[/]", classes="item-json"),
        ]
        if r.exchanges:
            lines = []
            for e in r.exchanges:
                outcome = e.get("status") if e.get("status") is not None else e.get("error")
                rpc = f" ({e['rpc_method']})" if e.get("rpc_method") else ""
                lines.append(f"{e.get('method')} {e.get('url')}{rpc} → {outcome}")
                if e.get("www_authenticate"):
                    lines.append(f"    WWW-Authenticate: {e['www_authenticate']}")
            out.append(Static("[b]HTTP exchanges[/b]", classes="section"))
            out.append(self._plain("\n".join(lines), "item-json"))
        return out
