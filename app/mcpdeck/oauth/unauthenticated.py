"""The unauthenticated MCP request: what a server answers a client that has no credentials
(a 401 with a Bearer challenge, a 2xx, ...). Used by the status probe and by a login's
discovery when no challenge is known yet."""

from __future__ import annotations

import contextlib
import time

import httpx2

from mcpdeck.oauth.errors import DiscoveryError
from mcpdeck.oauth.fetch import MCP_PROTOCOL_VERSION, describe_http_error, initialize_request
from mcpdeck.oauth.tracer import Tracer

PROBE_TIMEOUT_SEC = 10.0


async def unauthenticated_request(
    http: httpx2.AsyncClient, server_url: str, tracer: Tracer, timeout: float
) -> tuple[int, httpx2.Headers] | None:
    """POST an initialize as an unauthenticated client; GET when POST is not allowed."""
    body, headers = initialize_request("probe")
    get_headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": MCP_PROTOCOL_VERSION}
    for method in ("POST", "GET"):
        started = time.monotonic()
        try:
            async with http.stream(
                method,
                server_url,
                headers=headers if method == "POST" else get_headers,
                json=body if method == "POST" else None,
                follow_redirects=False,
                timeout=httpx2.Timeout(timeout),
            ) as response:
                status, resp_headers = response.status_code, response.headers
                # The body is not needed (and an SSE body may never end): close at once.
        except httpx2.HTTPError as exc:
            tracer.emit(
                "probe", "fail", f"{method} {server_url}: {type(exc).__name__}", url=server_url
            )
            raise DiscoveryError(f"{server_url}: {describe_http_error(exc)}") from None
        ms = (time.monotonic() - started) * 1000
        tracer.emit(
            "probe",
            "info",
            f"{method} {server_url} without credentials → {status} in {ms:.0f} ms",
            url=server_url,
            http_status=status,
            ms=ms,
        )
        session = resp_headers.get("mcp-session-id")
        if session and 200 <= status < 300:
            await _end_session(http, server_url, session)
        if status in (405, 406) and method == "POST":
            continue
        return status, resp_headers
    return None


async def _end_session(http: httpx2.AsyncClient, server_url: str, session: str) -> None:
    with contextlib.suppress(httpx2.HTTPError):
        await http.delete(
            server_url,
            headers={"Mcp-Session-Id": session, "MCP-Protocol-Version": MCP_PROTOCOL_VERSION},
            timeout=2.0,
        )
