"""What the TUI renders: small view records filled by :mod:`mcpdeck.tui.services`.

The screens only know these shapes, so the domain layers can change without touching widgets.
No Textual, no I/O here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcpdeck.records import field, record

if TYPE_CHECKING:
    from mcpdeck.config.model import ServerConfig
    from mcpdeck.diagnostics.edits import ConfigEdit

# The contract's four values, plus what the TUI shows before a result arrives.
AUTH_STATUSES = ("authenticated", "oauth_available", "bearer_token", "none")


@record(frozen=True)
class Probe:
    """The auth status of one server as the panel shows it (never a token)."""

    name: str
    auth_status: str
    detail: str
    expires_at: float | None = None
    granted_scopes: list[str] = field(default_factory=list)
    requested_scopes: list[str] = field(default_factory=list)
    store: str | None = None
    refreshable: bool = False
    issuer: str | None = None
    obtained_at: float | None = None  # last login
    checked_at: float | None = None
    failed: bool = False  # the probe itself failed (timeout, refused, garbage)


@record
class RowState:
    """What the server list knows of one server: its config, its last probe, what is running."""

    server: ServerConfig
    probe: Probe | None = None
    checking: bool = True
    tool_count: int | None = None
    refreshing: bool = False  # a background token refresh is in flight
    bearer_set: bool | None = None  # None when the server has no bearer_token_env_var


@record(frozen=True)
class RefreshOutcome:
    """What one background refresh did; ``probe`` is the server's status afterwards."""

    name: str
    probe: Probe | None
    refreshed: bool  # new tokens were stored (here or by another process)
    rejected: bool = False  # invalid_grant: the record is now unusable, a login is needed
    error: str | None = None  # one line, redacted; set whenever the refresh failed


@record(frozen=True)
class LoginOutcome:
    store: str | None
    expires_at: float | None
    granted_scopes: list[str]


@record(frozen=True)
class ToolView:
    name: str
    exposed: bool
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)
    hidden_by: str | None = None  # "enabled_tools" / "disabled_tools"


@record(frozen=True)
class ItemView:
    """A resource, resource template or prompt."""

    name: str
    detail: str = ""  # URI, URI template, or arguments
    description: str = ""
    # A prompt's arguments as a form schema (see PromptInfo.input_schema).
    input_schema: dict[str, Any] = field(default_factory=dict)


@record(frozen=True)
class FindingView:
    severity: str  # "error" | "warning" | "info"
    message: str
    fix: str = ""
    edit: ConfigEdit | None = None  # a config change the doctor proposes, applied as data
    code: str = ""
    edit_text: str = ""  # the edit in words


@record(frozen=True)
class TraceLine:
    step: str
    status: str
    summary: str
    elapsed_ms: float | None = None


@record
class ReportView:
    name: str
    overview: list[tuple[str, str]] = field(default_factory=list)
    auth: list[tuple[str, str]] = field(default_factory=list)
    discovery: list[TraceLine] = field(default_factory=list)
    tools: list[ToolView] = field(default_factory=list)
    resources: list[ItemView] = field(default_factory=list)
    templates: list[ItemView] = field(default_factory=list)
    prompts: list[ItemView] = field(default_factory=list)
    log: list[TraceLine] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    session_error: str | None = None

    @property
    def tool_count(self) -> int | None:
        return (
            len([t for t in self.tools if t.exposed])
            if self.tools or not self.session_error
            else None
        )
