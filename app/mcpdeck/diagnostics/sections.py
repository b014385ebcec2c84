"""The report's sections for one server: its config with where each key came from, its
transport, how it authenticates and what the stored token says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcpdeck.config.model import ServerConfig
from mcpdeck.credentials.record import CredentialRecord
from mcpdeck.diagnostics.report import (
    ConfigField,
    ConfigSection,
    DiscoverySummary,
    Finding,
    TokenFacts,
)
from mcpdeck.diagnostics.token_claims import unverified_claims
from mcpdeck.session.environment import resolve_command, stdio_environment
from mcpdeck.session.models import SessionError

_MASK = "*****"


def _config_value(server: ServerConfig, key: str) -> Any:
    head, _, rest = key.partition(".")
    if head in ("env", "http_headers"):
        # Values may be secrets; names are enough to diagnose.
        return _MASK if rest else dict.fromkeys(getattr(server, head), _MASK)
    if head == "env_http_headers" and rest:
        return server.env_http_headers.get(rest)
    if head == "oauth" and rest:
        return getattr(server.oauth, rest, None)
    value = getattr(server, head, None)
    if isinstance(value, dict) and rest:
        return value.get(rest)
    return value


def config_section(server: ServerConfig) -> ConfigSection:
    keys = list(server.provenance)
    # A table ([…env]) and its entries both have a location: the entries say it all.
    shown = [k for k in keys if not any(other.startswith(k + ".") for other in keys)]
    fields = [
        ConfigField(
            key,
            _config_value(server, key),
            str(server.provenance[key]),
            server.provenance[key].layer,
        )
        for key in shown
    ]
    source = server.source
    return ConfigSection(
        layer=source.layer if source else None,
        file=str(source.file) if source else None,
        trusted=server.trusted,
        enabled=server.enabled,
        required=server.required,
        fields=fields,
    )


def transport_section(server: ServerConfig, env: Mapping[str, str]) -> dict[str, Any]:
    if server.transport == "stdio":
        resolved = (
            resolve_command(server.command, stdio_environment(server, env), server.cwd)
            if server.command
            else None
        )
        return {
            "type": "stdio",
            "command": server.command,
            "resolved_command": resolved,
            "args": list(server.args),
            "cwd": server.cwd,
            "env": sorted(server.env),  # names only
            "env_vars": list(server.env_vars),
            "startup_timeout_sec": server.startup_timeout_sec,
            "tool_timeout_sec": server.tool_timeout_sec,
        }
    if server.transport == "streamable_http":
        return {
            "type": "streamable_http",
            "url": server.url,
            "bearer_token_env_var": server.bearer_token_env_var,
            "http_headers": sorted(server.http_headers),  # names only
            "env_http_headers": dict(server.env_http_headers),
            "startup_timeout_sec": server.startup_timeout_sec,
            "tool_timeout_sec": server.tool_timeout_sec,
        }
    return {"type": None}


def auth_method(server: ServerConfig) -> str:
    if server.transport != "streamable_http":
        return "none"
    if server.bearer_token_env_var:
        return "bearer_token_env_var"
    if server.has_authorization_header():
        return "authorization_header"
    return "oauth"


def skip_reason(server: ServerConfig) -> str | None:
    if server.ignored_reason is not None:
        return f"{server.ignored_reason}: nothing from it is started"
    if not server.valid:
        return "the configuration is invalid"
    if not server.trusted:
        return "the project is not trusted: no command or URL from it is used"
    if not server.enabled:
        return "disabled in config"
    return None


def token_facts(record: CredentialRecord, backend: str) -> TokenFacts:
    claims = unverified_claims(record.access_token)
    return TokenFacts(
        store=backend,
        issuer=record.issuer,
        client_id=record.client_id,
        resource=record.resource,
        expires_at=record.expires_at,
        expired=record.is_expired() if record.expires_at is not None else None,
        refreshable=record.refreshable,
        requested_scopes=list(record.requested_scopes),
        granted_scopes=list(record.granted_scopes),
        unusable_reason=record.unusable_reason,
        jwt_claims_unverified=claims,
    )


def auth_status(
    method: str,
    server: ServerConfig,
    env: Mapping[str, str],
    found: tuple[CredentialRecord, str] | None,
    discovery: DiscoverySummary | None,
    session_error: SessionError | None,
    findings: list[Finding],
) -> tuple[str, str]:
    if server.transport != "streamable_http" or not server.is_active:
        return "none", "stdio server" if server.transport == "stdio" else (
            server.disabled_reason or "not started"
        )
    if method == "bearer_token_env_var":
        var = server.bearer_token_env_var or ""
        return "bearer_token", (f"token from {var}" if env.get(var) else f"{var} is not set")
    if method == "authorization_header":
        return "bearer_token", "Authorization header from config"
    rejected = session_error is not None and session_error.kind == "unauthorized"
    if found is not None:
        record, backend = found
        if record.unusable_reason:
            return "oauth_available", f"stored credentials unusable: {record.unusable_reason}"
        if rejected:
            why = {f.id: f for f in findings if f.severity == "error"}
            if "token_audience" in why or "token_stale_resource" in why:
                return "oauth_available", (
                    "token rejected by the server (401): it is for another resource"
                )
            if "resource_required" in why:
                return "oauth_available", (
                    "token rejected by the server (401); the refresh was refused for its resource"
                )
            return "oauth_available", "token rejected by the server (401); log in again"
        if not record.usable():
            return "oauth_available", "expired; no refresh token"
        return "authenticated", f"logged in (credentials in {backend})"
    if discovery is not None and discovery.oauth:
        return "oauth_available", "not logged in"
    if discovery is not None:
        return "none", discovery.detail
    return "none", "no authentication found"
