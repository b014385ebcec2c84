"""diagnose(): one server's configuration, environment, authentication and live session.

The discovery probe and the session run concurrently; servers run concurrently in
:func:`diagnose_all`. Nothing here raises for a broken server: every failure becomes part
of the report.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.diagnostics.facts import Facts
from mcpdeck.diagnostics.report import (
    AuthSection,
    ConfigField,
    ConfigSection,
    DiscoverySummary,
    EnvSection,
    Finding,
    ServerReport,
    SessionSection,
    TokenFacts,
    overall_status,
)
from mcpdeck.diagnostics.rules import collect
from mcpdeck.diagnostics.token_claims import unverified_claims
from mcpdeck.errors import UsageError
from mcpdeck.oauth.trace import FlowEvent, FlowTrace
from mcpdeck.redact import redact
from mcpdeck.session.environment import check_env, resolve_command, stdio_environment
from mcpdeck.session.models import Inventory, SessionError

# Enough for the benchmark's 20 servers at once; sessions are mostly waiting on I/O.
DEFAULT_CONCURRENCY = 32
_MASK = "*****"


class CredentialLookup(Protocol):
    def locate(self, key: CredentialKey) -> tuple[CredentialRecord, str] | None: ...


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


def _auth_method(server: ServerConfig) -> str:
    if server.transport != "streamable_http":
        return "none"
    if server.bearer_token_env_var:
        return "bearer_token_env_var"
    if server.has_authorization_header():
        return "authorization_header"
    return "oauth"


def _skip_reason(server: ServerConfig) -> str | None:
    if server.ignored_reason is not None:
        return f"{server.ignored_reason}: nothing from it is started"
    if not server.valid:
        return "the configuration is invalid"
    if not server.trusted:
        return "the project is not trusted: no command or URL from it is used"
    if not server.enabled:
        return "disabled in config"
    return None


async def _locate(
    store: CredentialLookup | None, server: ServerConfig, loaded: LoadedConfig
) -> tuple[CredentialRecord, str] | None:
    if store is None or not server.url:
        return None
    key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
    try:
        found = await asyncio.to_thread(store.locate, key)
    except Exception:  # an unreadable store is reported by login/list; the doctor goes on
        return None
    if found is None:
        return None
    record, backend = found
    # A record stored for another URL under the same name is never used for this server.
    return (record, backend) if record.server_url == server.url else None


def _split_fix(text: str) -> tuple[str, str | None]:
    """Store errors end with "; <what to do>": the finding's message and its fix."""
    message, sep, fix = redact(text).rpartition("; ")
    return (message, fix) if sep else (fix, None)


def _store_findings_sync(store: Any, server: ServerConfig, loaded: LoadedConfig) -> list[Finding]:
    from mcpdeck.credentials.record import CredentialStoreError

    assert server.url is not None
    key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
    out: list[Finding] = []
    try:
        found = store.locate(key)
    except CredentialStoreError as exc:
        message, fix = _split_fix(str(exc))
        kind = {
            "SecretsStoreError": ("credentials_secrets_store", "error"),
            "PassphraseRequired": ("credentials_passphrase_missing", "error"),
            "InvalidRecord": ("credentials_invalid", "error"),
            "StoreUnavailable": ("credentials_store_unavailable", "error"),
        }.get(type(exc).__name__, ("credentials_unreadable", "error"))
        out.append(Finding(kind[0], kind[1], message, fix=fix))  # type: ignore[arg-type]
        found = None
    except Exception as exc:  # a broken store must not stop the report
        out.append(Finding("credentials_unreadable", "error", redact(str(exc))))
        found = None
    if found is not None and found[1] == "legacy":
        out.append(
            Finding(
                "credentials_legacy",
                "info",
                f"the credentials of {server.name} were stored by an older mcpdeck, where Codex "
                "does not read them",
                fix=f"they move into Codex's store on first use (`mcpdeck doctor {server.name}` "
                "runs a session) or the next login",
            )
        )
    codex_file = getattr(store, "codex_file", None)
    if codex_file is not None and codex_file.readable_by_others():
        out.append(
            Finding(
                "credentials_file_readable",
                "warning",
                f"{codex_file.path} (Codex's unencrypted token file) is readable by other users",
                fix=f"chmod 600 {codex_file.path}",
            )
        )
    other_homes = getattr(store, "other_homes", None)
    shared = other_homes(key) if found is not None and found[1] == "keyring" and other_homes else []
    if shared:
        out.append(
            Finding(
                "keyring_entry_shared",
                "warning",
                f"the keyring entry of {server.name} ({key.store_key()}) is shared with "
                f"CODEX_HOME {', '.join(shared)}: Codex's keyring account does not include "
                "CODEX_HOME, so a login or logout in one is one in the other",
                fix="give the server a different name in one of them, or use "
                'mcp_oauth_credentials_store = "file" there',
            )
        )
    return out


async def _store_findings(store: Any, server: ServerConfig, loaded: LoadedConfig) -> list[Finding]:
    if store is None or not server.url:
        return []
    return await asyncio.to_thread(_store_findings_sync, store, server, loaded)


async def _probe(server: ServerConfig, trace: FlowTrace, timeout: float) -> DiscoverySummary:
    from mcpdeck.net import new_client
    from mcpdeck.oauth.probe import probe_server

    assert server.url is not None
    try:
        async with new_client(timeout=timeout) as http:
            result = await asyncio.wait_for(probe_server(http, server.url, trace=trace), timeout)
    except TimeoutError:
        return DiscoverySummary(oauth=False, detail="discovery timed out", error="timed out")
    except Exception as exc:
        words = redact(f"{type(exc).__name__}: {exc}")
        return DiscoverySummary(oauth=False, detail=f"discovery failed: {words}", error=words)
    meta = result.as_metadata or {}
    prm = result.prm or {}
    scopes = prm.get("scopes_supported")
    return DiscoverySummary(
        oauth=result.oauth,
        detail=result.detail,
        issuer=result.issuer,
        resource=result.resource,
        registration_supported=bool(meta.get("registration_endpoint")) if result.oauth else None,
        scopes_supported=[s for s in scopes if isinstance(s, str)]
        if isinstance(scopes, list)
        else [],
        error=result.error,
        prm=result.prm,
        as_metadata=result.as_metadata,
        named_issuer=result.named_issuer,
        suggested_url=result.suggested_url,
    )


def _token_facts(record: CredentialRecord, backend: str) -> TokenFacts:
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


def _auth_status(
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


async def _session(
    server: ServerConfig,
    loaded: LoadedConfig,
    store: Any,
    env: Mapping[str, str],
    trace: FlowTrace,
    timeout: float | None,
    use_oauth: bool,
) -> tuple[SessionSection, Inventory | None, SessionError | None, str | None]:
    """The session's section, inventory and error, and the OAuth error code of a failed
    refresh (the provider keeps it; a 401 alone does not say why)."""
    from mcpdeck.session.connect import open_session
    from mcpdeck.session.inventory import list_inventory

    provider = None
    if use_oauth and store is not None:
        from mcpdeck.oauth.token_provider import TokenProvider

        provider = TokenProvider(server, loaded, store, trace=trace, interactive=False)
    try:
        async with open_session(
            server, token_provider=provider, env=env, trace=trace, startup_timeout=timeout
        ) as session:
            inventory = await list_inventory(session)
            section = SessionSection(
                ok=True,
                initialize=session.info,
                timings=session.timings,
                exchanges=session.exchanges,
            )
            return section, inventory, None, _code(provider)
    except SessionError as err:
        return (
            SessionSection(ok=False, error=err.to_json(), exchanges=list(err.exchanges)),
            None,
            err,
            _code(provider),
        )
    except Exception as exc:  # a bug or an SDK surprise: still a report, never a crash
        surprise = SessionError("protocol", f"{type(exc).__name__}: {exc}")
        return SessionSection(ok=False, error=surprise.to_json()), None, surprise, _code(provider)


def _code(provider: Any) -> str | None:
    code = getattr(provider, "last_error_code", None) if provider is not None else None
    return code if isinstance(code, str) else None


def _oauth_errors(events: Iterable[FlowEvent], provider_code: str | None) -> list[str]:
    """The OAuth error codes the token endpoint answered (refresh or token), oldest first."""
    codes = [
        e.data["error"]
        for e in events
        if e.step in ("refresh", "token") and isinstance(e.data.get("error"), str)
    ]
    if provider_code and provider_code not in codes:
        codes.append(provider_code)
    return codes


async def diagnose(
    server: ServerConfig,
    loaded: LoadedConfig,
    store: Any,
    *,
    timeout: float | None = None,
    trace: FlowTrace | None = None,
    env: Mapping[str, str] | None = None,
) -> ServerReport:
    """The full report for one server. ``store`` is the credentials facade (``open_store``);
    ``timeout`` replaces the server's startup_timeout_sec; ``env`` defaults to os.environ."""
    started = time.perf_counter()
    trace = trace if trace is not None else FlowTrace()
    source_env: Mapping[str, str] = os.environ if env is None else env
    envcheck = check_env(server, source_env)
    method = _auth_method(server)
    skip = _skip_reason(server)
    chain = FlowTrace()
    # The chain has its own trace (it runs next to the session) and is copied into the main one.

    def copy(event: FlowEvent) -> None:
        trace.emit(
            event.step, event.status, event.summary, elapsed_ms=event.elapsed_ms, **event.data
        )

    chain.subscribe(copy)

    found = await _locate(store, server, loaded) if method == "oauth" else None
    probe_timeout = timeout if timeout is not None else min(server.startup_timeout_sec, 10.0)

    async def no_probe() -> DiscoverySummary | None:
        return None

    probe = (
        _probe(server, chain, probe_timeout) if skip is None and method == "oauth" else no_probe()
    )
    if skip is None:
        sess_task = _session(
            server, loaded, store, source_env, trace, timeout, use_oauth=found is not None
        )
        discovery, (session, inventory, session_error, refresh_code) = await asyncio.gather(
            probe, sess_task
        )
    else:
        discovery = await probe
        session, inventory, session_error = SessionSection(ok=False, skipped=skip), None, None
        refresh_code = None

    store_notes = await _store_findings(store, server, loaded) if method == "oauth" else []
    # The session may have refreshed the token: report what is stored now.
    if found is not None:
        found = await _locate(store, server, loaded) or found
    token = _token_facts(*found) if found is not None else None
    facts = Facts(
        server=server,
        loaded=loaded,
        env=envcheck,
        session_error=session_error,
        session_attempted=skip is None,
        inventory=inventory,
        discovery=discovery,
        record=found[0] if found else None,
        claims=token.jwt_claims_unverified if token else None,
        oauth_errors=_oauth_errors(trace.events, refresh_code),
        effective_timeout=timeout,
        store_findings=store_notes,
    )
    findings = collect(facts)
    status, detail = _auth_status(
        method, server, source_env, found, discovery, session_error, findings
    )
    return ServerReport(
        name=server.name,
        status=overall_status(findings, enabled=server.enabled),
        transport=transport_section(server, source_env),
        config=config_section(server),
        env=EnvSection(envcheck.present, envcheck.missing, dict(envcheck.wanted_by)),
        auth=AuthSection(
            status=status,
            detail=redact(detail),
            method=method,
            token=token,
            discovery=discovery,
            chain=chain.to_json(),
        ),
        session=session,
        inventory=inventory,
        findings=findings,
        log=trace.to_json(),
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


async def diagnose_all(
    loaded: LoadedConfig,
    store: Any,
    names: Iterable[str] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> list[ServerReport]:
    """Reports for the named servers (default: all), concurrently, in config order."""
    rows = loaded.visible()
    wanted = list(names) if names is not None else list(rows)
    unknown = [n for n in wanted if n not in rows]
    if unknown:
        known = ", ".join(rows) or "none configured"
        raise UsageError(f"no MCP server named {unknown[0]!r}", hint=f"servers: {known}")
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(name: str) -> ServerReport:
        async with limit:
            return await diagnose(rows[name], loaded, store, timeout=timeout, env=env)

    return list(await asyncio.gather(*(one(n) for n in wanted)))


def report_dict(report: ServerReport) -> dict[str, Any]:
    """Alias of ``report.to_json()`` for callers holding only the module."""
    return report.to_json()


__all__ = ["DEFAULT_CONCURRENCY", "diagnose", "diagnose_all", "report_dict"]
