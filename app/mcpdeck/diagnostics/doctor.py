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
from typing import Any

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.diagnostics.discovery_probe import probe
from mcpdeck.diagnostics.facts import Facts
from mcpdeck.diagnostics.report import (
    AuthSection,
    DiscoverySummary,
    EnvSection,
    ServerReport,
    SessionSection,
    overall_status,
)
from mcpdeck.diagnostics.rules import collect
from mcpdeck.diagnostics.sections import (
    auth_method,
    auth_status,
    config_section,
    skip_reason,
    token_facts,
    transport_section,
)
from mcpdeck.diagnostics.session_run import oauth_errors, run_session
from mcpdeck.diagnostics.stored_credentials import locate, store_findings
from mcpdeck.errors import UsageError
from mcpdeck.oauth.trace import FlowEvent, FlowTrace
from mcpdeck.redact import redact
from mcpdeck.session.environment import check_env

# Enough for the benchmark's 20 servers at once; sessions are mostly waiting on I/O.
DEFAULT_CONCURRENCY = 32


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
    method = auth_method(server)
    skip = skip_reason(server)
    chain = FlowTrace()
    # The chain has its own trace (it runs next to the session) and is copied into the main one.

    def copy(event: FlowEvent) -> None:
        trace.emit(
            event.step, event.status, event.summary, elapsed_ms=event.elapsed_ms, **event.data
        )

    chain.subscribe(copy)

    found = await locate(store, server, loaded) if method == "oauth" else None
    probe_timeout = timeout if timeout is not None else min(server.startup_timeout_sec, 10.0)

    async def no_probe() -> DiscoverySummary | None:
        return None

    probing = (
        probe(server, chain, probe_timeout) if skip is None and method == "oauth" else no_probe()
    )
    if skip is None:
        sess_task = run_session(
            server, loaded, store, source_env, trace, timeout, use_oauth=found is not None
        )
        discovery, (session, inventory, session_error, refresh_code) = await asyncio.gather(
            probing, sess_task
        )
    else:
        discovery = await probing
        session, inventory, session_error = SessionSection(ok=False, skipped=skip), None, None
        refresh_code = None

    store_notes = await store_findings(store, server, loaded) if method == "oauth" else []
    # The session may have refreshed the token: report what is stored now.
    if found is not None:
        found = await locate(store, server, loaded) or found
    token = token_facts(*found) if found is not None else None
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
        oauth_errors=oauth_errors(trace.events, refresh_code),
        effective_timeout=timeout,
        store_findings=store_notes,
    )
    findings = collect(facts)
    status, detail = auth_status(
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


__all__ = ["DEFAULT_CONCURRENCY", "diagnose", "diagnose_all"]
