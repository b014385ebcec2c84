"""Does the server still take the stored token? One unauthenticated-looking ``initialize``
with the bearer token: a 401 means the token is rejected (revoked, expired early, or issued
for another resource) whatever the store says. Only stdlib and httpx2 (``list`` may import it).
"""

from __future__ import annotations

import contextlib

import httpx2

from mcpdeck.oauth.challenge import bearer_challenge
from mcpdeck.oauth.fetch import MCP_PROTOCOL_VERSION, initialize_request

REJECTED = "token rejected by the server"


async def token_rejection(
    http: httpx2.AsyncClient, server_url: str, token: str, *, timeout: float
) -> str | None:
    """Why the server rejects ``token`` (one line), or None when it accepts it or cannot say
    (unreachable, timed out: that is the probe's business, not a verdict on the token)."""
    body, headers = initialize_request("token-check")
    headers["Authorization"] = f"Bearer {token}"
    try:
        async with http.stream(
            "POST",
            server_url,
            json=body,
            headers=headers,
            follow_redirects=False,
            timeout=httpx2.Timeout(timeout),
        ) as response:
            status = response.status_code
            challenge = bearer_challenge(response.headers.get("www-authenticate"))
            session = response.headers.get("mcp-session-id")
    except httpx2.HTTPError:
        return None
    if session and 200 <= status < 300:
        with contextlib.suppress(httpx2.HTTPError):
            await http.delete(
                server_url,
                headers={
                    "Mcp-Session-Id": session,
                    "Authorization": f"Bearer {token}",
                    "MCP-Protocol-Version": MCP_PROTOCOL_VERSION,
                },
                timeout=2.0,
            )
    if status != 401:
        return None
    why = challenge.error_description or challenge.error if challenge else None
    return f"{REJECTED} (401{': ' + why if why else ''}); log in again"
