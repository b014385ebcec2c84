"""Plain data the session layer hands upward: initialize facts, inventory, HTTP exchanges, errors.

No SDK types leak out of the session layer: the doctor, the TUI and JSON output read these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from mcpdeck.errors import McpdeckError
from mcpdeck.redact import redact, redact_obj
from mcpdeck.session.challenges import refuses_scope

SessionErrorKind = Literal[
    "invalid_config",  # the server entry cannot be started as written
    "command_not_found",
    "cwd_missing",
    "env_missing",  # bearer_token_env_var (or an env_http_headers variable) is not set
    "spawn_failed",
    "timeout",
    "unreachable",
    "unauthorized",  # 401, after a refresh when one was possible
    "forbidden",  # 403 (insufficient_scope when the challenge says so)
    "http_error",
    "closed",  # the server went away (a stdio process exited)
    "protocol",  # the server answered with an MCP error or something unreadable
]


class TokenSource(Protocol):
    """What the session needs from the OAuth layer (``mcpdeck.oauth.token_provider``)."""

    async def bearer(self) -> str | None: ...

    async def on_unauthorized(self, www_authenticate: str) -> str | None: ...

    async def on_insufficient_scope(self, www_authenticate: str) -> str | None: ...


@dataclass
class HttpExchange:
    """One HTTP request/response of a session, redacted (no header values, no bodies)."""

    method: str
    url: str
    status: int | None
    elapsed_ms: float
    rpc_method: str | None = None
    www_authenticate: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = redact_obj(asdict(self))
        return out


class SessionError(McpdeckError):
    """A session could not be opened or used; ``message`` is one line for people."""

    def __init__(
        self,
        kind: SessionErrorKind,
        message: str,
        *,
        status: int | None = None,
        www_authenticate: str | None = None,
        stderr_tail: list[str] | None = None,
        exchanges: list[HttpExchange] | None = None,
        auth_error: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(redact(message), hint=fix)
        self.kind: SessionErrorKind = kind
        self.status = status
        self.www_authenticate = www_authenticate
        self.stderr_tail = stderr_tail or []
        self.exchanges = exchanges or []
        # The OAuth layer's words when a refresh or step-up failed (invalid_grant, …).
        self.auth_error = redact(auth_error) if auth_error else None
        self.fix = fix

    def __str__(self) -> str:
        return self.message

    @property
    def insufficient_scope(self) -> bool:
        return self.status == 403 and refuses_scope(self.www_authenticate)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "message": self.message,
            "status": self.status,
            "www_authenticate": self.www_authenticate,
            "auth_error": self.auth_error,
            "fix": self.fix,
            "stderr_tail": self.stderr_tail,
        }
        redacted: dict[str, Any] = redact_obj(out)
        return redacted


@dataclass
class Timings:
    """Milliseconds; ``initialize_ms`` includes spawning the process or the first HTTP round trip."""

    initialize_ms: float | None = None
    inventory_ms: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class InitializeInfo:
    protocol_version: str
    server_name: str
    server_version: str
    server_title: str | None
    capabilities: dict[str, Any]
    instructions: str | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = redact_obj(asdict(self))
        return out


@dataclass
class ToolInfo:
    name: str
    title: str | None = None
    description: str | None = None
    exposed: bool = True
    # Which filter hid the tool: "enabled_tools" (not listed) or "disabled_tools" (listed).
    hidden_by: str | None = None
    # The tool's JSON Schema for its arguments, as the server sent it.
    input_schema: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResourceInfo:
    uri: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None


@dataclass
class TemplateInfo:
    uri_template: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None


@dataclass
class PromptInfo:
    name: str
    title: str | None = None
    description: str | None = None
    arguments: list[str] = field(default_factory=list)
    required_arguments: list[str] = field(default_factory=list)
    argument_descriptions: dict[str, str] = field(default_factory=dict)

    def input_schema(self) -> dict[str, Any]:
        """The prompt's arguments as the JSON Schema of a form (prompt arguments are strings)."""
        properties: dict[str, Any] = {}
        for name in self.arguments:
            properties[name] = {"type": "string"}
            if self.argument_descriptions.get(name):
                properties[name]["description"] = self.argument_descriptions[name]
        return {"type": "object", "properties": properties, "required": self.required_arguments}


@dataclass
class ToolFilterReport:
    """enabled_tools / disabled_tools applied to the server's tools."""

    exposed: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    # Filter entries naming no tool the server offers: likely typos.
    unknown_enabled: list[str] = field(default_factory=list)
    unknown_disabled: list[str] = field(default_factory=list)


@dataclass
class Inventory:
    tools: list[ToolInfo] = field(default_factory=list)
    resources: list[ResourceInfo] = field(default_factory=list)
    templates: list[TemplateInfo] = field(default_factory=list)
    prompts: list[PromptInfo] = field(default_factory=list)
    filters: ToolFilterReport = field(default_factory=ToolFilterReport)
    # kind ("tools", "resources", "templates", "prompts") -> pages fetched
    pages: dict[str, int] = field(default_factory=dict)
    # kinds the server does not offer (capability absent or method not found)
    not_offered: list[str] = field(default_factory=list)
    # kind -> why listing it failed, in words
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = redact_obj(asdict(self))
        return out
