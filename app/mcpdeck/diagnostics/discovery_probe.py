"""The unauthenticated OAuth discovery probe, summarised for the report."""

from __future__ import annotations

import asyncio

from mcpdeck.config.model import ServerConfig
from mcpdeck.diagnostics.report import (
    DiscoverySummary,
)
from mcpdeck.oauth.trace import FlowTrace
from mcpdeck.redact import redact


async def probe(server: ServerConfig, trace: FlowTrace, timeout: float) -> DiscoverySummary:
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
