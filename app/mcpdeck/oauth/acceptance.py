"""Does the server still take the stored token? One unauthenticated-looking ``initialize``
with the bearer token: a 401 means the token is rejected (revoked, expired early, or issued
for another resource) whatever the store says. Either client of ``oauth.fetch.open_stream``.
"""

from __future__ import annotations

import contextlib

from mcpdeck.net_probe import TransportError
from mcpdeck.oauth.challenge import bearer_challenge
from mcpdeck.oauth.fetch import MCP_PROTOCOL_VERSION, HttpClient, initialize_request, open_stream

REJECTED = "token rejected by the server"


async def token_rejection(
    http: HttpClient, server_url: str, token: str, *, timeout: float
) -> str | None:
    """Why the server rejects ``token`` (one line), or None when it accepts it or cannot say
    (unreachable, timed out: that is the probe's business, not a verdict on the token)."""
    body, headers = initialize_request("token-check")
    headers["Authorization"] = f"Bearer {token}"
    try:
        async with open_stream(
            http, "POST", server_url, json_body=body, headers=headers, timeout=timeout
        ) as response:
            status = response.status_code
            challenge = bearer_challenge(response.headers.get("www-authenticate"))
            session = response.headers.get("mcp-session-id")
    except TransportError:
        return None
    if session and 200 <= status < 300:
        with contextlib.suppress(TransportError):
            headers = {
                "Mcp-Session-Id": session,
                "Authorization": f"Bearer {token}",
                "MCP-Protocol-Version": MCP_PROTOCOL_VERSION,
            }
            async with open_stream(http, "DELETE", server_url, headers=headers, timeout=2.0):
                pass
    if status != 401:
        return None
    why = challenge.error_description or challenge.error if challenge else None
    return f"{REJECTED} (401{': ' + why if why else ''}); log in again"
