"""The doctor's report for one server, and its findings. Plain data; JSON through to_json()."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from mcpdeck.diagnostics.edits import ConfigEdit
from mcpdeck.redact import redact_obj
from mcpdeck.session.models import HttpExchange, InitializeInfo, Inventory, Timings

Severity = Literal["error", "warning", "info"]
ReportStatus = Literal["ok", "warning", "error", "auth_required", "disabled"]

# Findings that a login fixes: `mcpdeck doctor` exits 3 when these are the only errors.
AUTH_FINDINGS = frozenset(
    {
        "login_required",
        "token_revoked",
        "token_unusable",
        "token_stale_resource",
        "authorization_server_changed",
    }
)


@dataclass
class Finding:
    """One thing wrong (or worth knowing), the fix in words, and the config edit when there is one
    (:mod:`mcpdeck.diagnostics.edits`, applied by :func:`mcpdeck.diagnostics.fixes.apply_edit`)."""

    id: str
    severity: Severity
    message: str
    fix: str | None = None
    edit: ConfigEdit | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = redact_obj(_finding_dict(self))
        return out


def _finding_dict(finding: Finding) -> dict[str, Any]:
    out = asdict(finding)
    out["edit"] = finding.edit.to_json() if finding.edit is not None else None
    return out


@dataclass
class ConfigField:
    key: str  # dotted: "url", "env.API_KEY", "oauth.client_id"
    value: Any  # secrets (env values, header values) shown as "*****"
    where: str | None  # "file:line"
    layer: str | None = None  # "user" | "project": the layer that file belongs to


@dataclass
class ConfigSection:
    layer: str | None
    file: str | None
    trusted: bool
    enabled: bool
    required: bool
    fields: list[ConfigField] = field(default_factory=list)


@dataclass
class EnvSection:
    """Variable names only, never values."""

    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    wanted_by: dict[str, str] = field(default_factory=dict)


@dataclass
class TokenFacts:
    store: str | None = None
    issuer: str | None = None
    client_id: str | None = None
    resource: str | None = None
    expires_at: float | None = None
    expired: bool | None = None
    refreshable: bool = False
    requested_scopes: list[str] = field(default_factory=list)
    granted_scopes: list[str] = field(default_factory=list)
    unusable_reason: str | None = None
    # Claims of a JWT access token, decoded without verifying the signature.
    jwt_claims_unverified: dict[str, Any] | None = None


@dataclass
class DiscoverySummary:
    oauth: bool
    detail: str
    issuer: str | None = None
    resource: str | None = None
    registration_supported: bool | None = None
    scopes_supported: list[str] = field(default_factory=list)
    error: str | None = None
    # the documents themselves (public metadata), for the pre-login checks
    prm: dict[str, Any] | None = None
    as_metadata: dict[str, Any] | None = None
    named_issuer: str | None = None
    suggested_url: str | None = None  # the url the metadata says to use (a host alias)


@dataclass
class AuthSection:
    # the list --json contract: authenticated | oauth_available | bearer_token | none
    status: str
    detail: str
    method: str  # "oauth", "bearer_token_env_var", "authorization_header", "none"
    token: TokenFacts | None = None
    discovery: DiscoverySummary | None = None
    # the discovery chain, as redacted FlowTrace events
    chain: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SessionSection:
    ok: bool
    skipped: str | None = None  # why no session was attempted
    initialize: InitializeInfo | None = None
    timings: Timings | None = None
    error: dict[str, Any] | None = None  # SessionError.to_json()
    exchanges: list[HttpExchange] = field(default_factory=list)


@dataclass
class ServerReport:
    name: str
    status: ReportStatus
    transport: dict[str, Any]
    config: ConfigSection
    env: EnvSection
    auth: AuthSection
    session: SessionSection
    inventory: Inventory | None
    findings: list[Finding] = field(default_factory=list)
    # every trace event of the run (discovery, refresh, HTTP exchanges) for a Log view
    log: list[dict[str, Any]] = field(default_factory=list)
    elapsed_ms: float | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def needs_login(self) -> bool:
        return any(f.id in AUTH_FINDINGS for f in self.errors)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [_finding_dict(f) for f in self.findings]
        out: dict[str, Any] = redact_obj(data)
        return out


def overall_status(findings: list[Finding], *, enabled: bool) -> ReportStatus:
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        if all(f.id in AUTH_FINDINGS for f in errors):
            return "auth_required"
        return "error"
    if not enabled:
        return "disabled"
    if any(f.severity == "warning" for f in findings):
        return "warning"
    return "ok"
