"""What a call returned, as plain data both faces render: content items by type, structured
content checked against the tool's ``outputSchema``, the redacted JSON-RPC exchange.

Built from the JSON the server sent (not the SDK's models), so what is shown is what came over
the wire, including what a stricter client would have refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mcpdeck.redact import redact, redact_obj

ContentKind = Literal[
    "text", "markdown", "json", "image", "audio", "resource", "resource_link", "unknown"
]
CallKind = Literal["tool", "resource", "prompt"]
Outcome = Literal["ok", "tool_error", "failed", "auth_required", "step_up", "cancelled", "timeout"]

# Lines starting like Markdown blocks, or inline Markdown that plain prose rarely has.
_MARKDOWN = re.compile(
    r"(^|\n)\s{0,3}(#{1,6}\s|[-*+]\s|\d+\.\s|>\s|```|\|.*\|)|\*\*[^*\n]+\*\*|\[[^\]\n]+\]\([^)\s]+\)|`[^`\n]+`"
)


def looks_like_markdown(text: str) -> bool:
    return bool(_MARKDOWN.search(text))


def _json_text(text: str) -> Any | None:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def decoded_size(data: str) -> int | None:
    """Bytes of a base64 payload, or None when it is not valid base64."""
    try:
        return len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        return None


@dataclass
class ContentItem:
    kind: ContentKind
    text: str = ""  # text, Markdown, pretty JSON, or the description of binary content
    mime_type: str | None = None
    uri: str | None = None
    name: str | None = None
    size: int | None = None  # bytes of binary content
    data: str | None = None  # base64 of an image/audio/blob, kept so the user can save it
    problem: str | None = None  # something wrong with the item (bad base64, …)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v is not None and k != "data"}
        redacted: dict[str, Any] = redact_obj(out)
        return redacted


def _describe_binary(kind: str, mime: str | None, data: Any) -> tuple[str, int | None, str | None]:
    if not isinstance(data, str):
        return f"{kind} ({mime or 'unknown type'}) without data", None, "no base64 data"
    size = decoded_size(data)
    if size is None:
        return f"{kind} ({mime or 'unknown type'}), data is not valid base64", None, "bad base64"
    return f"{kind} ({mime or 'unknown type'}), {human_size(size)}", size, None


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def _text_item(text: str, mime: str | None = None, uri: str | None = None) -> ContentItem:
    parsed = _json_text(text) if (mime is None or "json" in mime or mime == "text/plain") else None
    if parsed is not None:
        pretty = json.dumps(parsed, indent=2, ensure_ascii=False)
        return ContentItem("json", pretty, mime_type=mime, uri=uri)
    if (mime or "").startswith("text/markdown") or (mime is None and looks_like_markdown(text)):
        return ContentItem("markdown", text, mime_type=mime, uri=uri)
    return ContentItem("text", text, mime_type=mime, uri=uri)


def _resource_contents(res: Mapping[str, Any]) -> ContentItem:
    uri = str(res.get("uri") or "")
    mime = res.get("mimeType")
    mime = mime if isinstance(mime, str) else None
    if isinstance(res.get("text"), str):
        item = _text_item(res["text"], mime, uri)
        if item.kind == "text" and mime is None:
            item.kind = "resource"
        return item
    desc, size, problem = _describe_binary("blob", mime, res.get("blob"))
    blob = res.get("blob")
    return ContentItem(
        "resource",
        desc,
        mime_type=mime,
        uri=uri,
        size=size,
        data=blob if isinstance(blob, str) and problem is None else None,
        problem=problem,
    )


def content_item(raw: Any) -> ContentItem:
    """One content block of a tool result or prompt message."""
    if not isinstance(raw, Mapping):
        return ContentItem("unknown", json.dumps(raw), problem="not an object")
    kind = raw.get("type")
    mime = raw.get("mimeType") if isinstance(raw.get("mimeType"), str) else None
    if kind == "text":
        return _text_item(str(raw.get("text", "")))
    if kind in ("image", "audio"):
        desc, size, problem = _describe_binary(str(kind), mime, raw.get("data"))
        data = raw.get("data")
        return ContentItem(
            kind,
            desc,
            mime_type=mime,
            size=size,
            data=data if isinstance(data, str) and problem is None else None,
            problem=problem,
        )
    if kind == "resource":
        inner = raw.get("resource")
        if isinstance(inner, Mapping):
            item = _resource_contents(inner)
            if item.kind in ("text", "markdown", "json"):
                item.name = "embedded resource"
            return item
        return ContentItem("unknown", json.dumps(raw), problem="resource without contents")
    if kind == "resource_link":
        name = raw.get("name") if isinstance(raw.get("name"), str) else None
        described = raw.get("description")
        return ContentItem(
            "resource_link",
            described if isinstance(described, str) else "",
            mime_type=mime,
            uri=str(raw.get("uri") or ""),
            name=name,
        )
    return ContentItem("unknown", json.dumps(raw, indent=2), problem=f"content type {kind!r}")


@dataclass
class StepUp:
    """A 403 ``insufficient_scope``: what the token holds, what the server asks for."""

    held: list[str]
    required: list[str]
    challenge: str  # the WWW-Authenticate value, for display
    description: str | None = None  # the server's error_description

    @property
    def missing(self) -> list[str]:
        return [s for s in self.required if s not in self.held]

    @property
    def union(self) -> list[str]:
        return [*self.held, *[s for s in self.required if s not in self.held]]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = redact_obj(
            {
                "held": self.held,
                "required": self.required,
                "missing": self.missing,
                "challenge": self.challenge,
                "description": self.description,
            }
        )
        return out


@dataclass
class Progress:
    progress: float
    total: float | None = None
    message: str | None = None

    def words(self) -> str:
        amount = f"{self.progress:g}" + (f"/{self.total:g}" if self.total is not None else "")
        return amount + (f" {self.message}" if self.message else "")


@dataclass
class CallResult:
    """The outcome of one tools/call, resources/read or prompts/get, as shown and saved."""

    kind: CallKind
    server: str
    target: str  # the tool or prompt name, or the resource URI
    arguments: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome = "ok"
    items: list[ContentItem] = field(default_factory=list)
    structured: Any = None
    has_structured: bool = False
    # "valid", or why the structured content does not match the tool's outputSchema.
    output_check: str | None = None
    description: str | None = None  # a prompt's description
    roles: list[str] = field(default_factory=list)  # a prompt's message roles, one per item
    error: str | None = None  # one line: why the call failed
    fix: str | None = None
    step_up: StepUp | None = None
    elapsed_ms: float | None = None
    progress: list[Progress] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)  # the JSON-RPC request, redacted
    response: dict[str, Any] | None = None  # the JSON-RPC response, redacted
    exchanges: list[dict[str, Any]] = field(default_factory=list)  # HTTP exchanges, redacted
    stepped_up: bool = False  # the call was retried after a step-up login

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "server": self.server,
            "target": self.target,
            "arguments": self.arguments,
            "outcome": self.outcome,
            "error": self.error,
            "fix": self.fix,
            "elapsed_ms": round(self.elapsed_ms, 1) if self.elapsed_ms is not None else None,
            "items": [i.to_json() for i in self.items],
            "output_check": self.output_check,
            "step_up": self.step_up.to_json() if self.step_up else None,
            "stepped_up": self.stepped_up,
            "progress": [p.__dict__ for p in self.progress],
            "request": self.request,
            "response": self.response,
        }
        if self.has_structured:
            out["structured_content"] = self.structured
        redacted: dict[str, Any] = redact_obj(out)
        return redacted


def check_output(schema: Mapping[str, Any] | None, structured: Any, present: bool) -> str | None:
    """``valid``, or why ``structuredContent`` does not satisfy the tool's ``outputSchema``."""
    if not schema:
        return None
    if not present:
        return "the tool declares an outputSchema but returned no structuredContent"
    import jsonschema

    try:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return f"the tool's outputSchema is not valid JSON Schema: {exc.message}"
    errors = sorted(cls(schema).iter_errors(structured), key=lambda e: list(e.path))
    if not errors:
        return "valid"
    first = errors[0]
    where = "/".join(str(p) for p in first.path)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (
        f"does not match outputSchema: {first.message}" + (f" at {where}" if where else "") + more
    )


def tool_result(
    result: CallResult, raw: Mapping[str, Any], output_schema: Mapping[str, Any] | None
) -> None:
    """Fill ``result`` from a CallToolResult as received."""
    content = raw.get("content")
    result.items = [content_item(c) for c in content] if isinstance(content, list) else []
    if "structuredContent" in raw:
        result.has_structured = True
        result.structured = raw.get("structuredContent")
    if raw.get("isError") is not True:
        # An error result owes no structured content (MCP 2025-06-18, "Output Schema").
        result.output_check = check_output(output_schema, result.structured, result.has_structured)
    if raw.get("isError") is True:
        result.outcome = "tool_error"
        first = next((i.text for i in result.items if i.kind in ("text", "markdown")), "")
        result.error = redact(first.splitlines()[0]) if first else "the tool reported an error"


def resource_result(result: CallResult, raw: Mapping[str, Any]) -> None:
    contents = raw.get("contents")
    result.items = (
        [_resource_contents(c) if isinstance(c, Mapping) else content_item(c) for c in contents]
        if isinstance(contents, list)
        else []
    )


def prompt_result(result: CallResult, raw: Mapping[str, Any]) -> None:
    description = raw.get("description")
    result.description = description if isinstance(description, str) else None
    messages = raw.get("messages")
    result.items = []
    result.roles = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, Mapping):
            continue
        result.roles.append(str(message.get("role", "?")))
        result.items.append(content_item(message.get("content")))


_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "application/pdf": ".pdf",
}


def save_item(folder: Path, stem: str, index: int, item: ContentItem) -> Path:
    """Write a binary item's bytes into ``folder`` (created 0700); returns the file's path.

    The name is made from the call's target and the item's position, never from anything
    the server chose, so a server cannot write outside ``folder``.
    """
    if item.data is None:
        raise ValueError("this item has no binary data")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:40] or "result"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{safe}-{index + 1}{_EXTENSIONS.get(item.mime_type or '', '.bin')}"
    path.write_bytes(base64.b64decode(item.data))
    return path
