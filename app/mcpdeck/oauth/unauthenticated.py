"""The unauthenticated MCP request: what a server answers a client that has no credentials
(a 401 with a Bearer challenge, a 2xx, ...). Used by the status probe and by a login's
discovery when no challenge is known yet."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping

from mcpdeck.net_probe import TransportError
from mcpdeck.oauth.errors import DiscoveryError
from mcpdeck.oauth.fetch import MCP_PROTOCOL_VERSION, HttpClient, initialize_request, open_stream
from mcpdeck.oauth.tracer import Tracer

PROBE_TIMEOUT_SEC = 10.0


async def unauthenticated_request(
    http: HttpClient, server_url: str, tracer: Tracer, timeout: float
) -> tuple[int, Mapping[str, str]] | None:
    """POST an initialize as an unauthenticated client; GET when POST is not allowed."""
    body, headers = initialize_request("probe")
    get_headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": MCP_PROTOCOL_VERSION}
    for method in ("POST", "GET"):
        started = time.monotonic()
        try:
            async with open_stream(
                http,
                method,
                server_url,
                headers=headers if method == "POST" else get_headers,
                json_body=body if method == "POST" else None,
                timeout=timeout,
            ) as response:
                status, resp_headers = response.status_code, response.headers
                # The body is not needed (and an SSE body may never end): close at once.
        except TransportError as exc:
            tracer.emit("probe", "fail", f"{method} {server_url}: {exc.reason}", url=server_url)
            raise DiscoveryError(f"{server_url}: {exc.reason}") from None
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


async def _end_session(http: HttpClient, server_url: str, session: str) -> None:
    with contextlib.suppress(TransportError):
        async with open_stream(
            http,
            "DELETE",
            server_url,
            headers={"Mcp-Session-Id": session, "MCP-Protocol-Version": MCP_PROTOCOL_VERSION},
            timeout=2.0,
        ):
            pass
