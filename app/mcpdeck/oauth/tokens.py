"""Token endpoint requests (authorization_code and refresh_token grants) with client auth.

No redirects, a size limit and a timeout on every response; the response never reaches an
error message unredacted.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from mcpdeck.credentials.record import clamp_lifetime, token_problem
from mcpdeck.oauth.errors import OAuthError, TokenEndpointError
from mcpdeck.oauth.fetch import FetchFailed, HttpClient, bounded_request, require_secure
from mcpdeck.oauth.trace import FlowTrace, Step
from mcpdeck.records import field, record
from mcpdeck.redact import redact, register_secrets

TOKEN_TIMEOUT_SEC = 30.0


@record(frozen=True)
class ClientAuth:
    """How this client authenticates at the token endpoint."""

    client_id: str
    client_secret: str | None = None
    method: str = "none"  # client_secret_basic | client_secret_post | none


@record
class TokenResponse:
    """A successful token endpoint response, checked."""

    access_token: str
    token_type: str
    expires_at: float | None
    refresh_token: str | None
    scopes: list[str] | None  # None when the response has no scope field
    extra: dict[str, Any] = field(default_factory=dict)


def apply_client_auth(
    form: dict[str, str], client: ClientAuth
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """The request body and Basic credentials for one token-endpoint (or revocation) request.

    ``client_id`` is in the body with every method: RFC 6749 §3.2.1 allows it next to Basic
    authentication, both official MCP SDK clients send it, and the MCP Python SDK's and
    FastMCP's authorization servers refuse a request without it ("Missing client_id").
    """
    form = dict(form, client_id=client.client_id)
    if client.method == "client_secret_basic" and client.client_secret:
        # RFC 6749 §2.3.1: form-urlencode both parts before Basic encoding.
        return form, (quote(client.client_id, safe=""), quote(client.client_secret, safe=""))
    if client.method == "client_secret_post" and client.client_secret:
        form["client_secret"] = client.client_secret
    return form, None


async def token_request(
    http: HttpClient,
    token_endpoint: str,
    form: dict[str, str],
    client: ClientAuth,
    *,
    trace: FlowTrace | None,
    step: Step = "token",
) -> TokenResponse:
    require_secure(token_endpoint, "token endpoint")
    body, basic = apply_client_auth(form, client)
    grant = form.get("grant_type", "?")
    try:
        fetched = await bounded_request(
            http,
            "POST",
            token_endpoint,
            headers={"Accept": "application/json"},
            data=body,
            auth=basic,
            timeout=TOKEN_TIMEOUT_SEC,
        )
    except FetchFailed as exc:
        if trace:
            trace.emit(step, "fail", f"POST {token_endpoint} ({grant}): {exc.message}")
        raise TokenEndpointError(f"token request failed: {exc.message}") from None
    data: dict[str, Any] | None
    try:
        data = fetched.json_object()
    except OAuthError:
        data = None
    if data:
        register_secrets(
            [data.get("access_token"), data.get("refresh_token"), data.get("id_token")]
        )
    ok = fetched.status == 200 and data is not None and "access_token" in data
    code = data.get("error") if data and not ok else None
    code = code if isinstance(code, str) else None
    if trace:
        # The OAuth error code (invalid_grant, invalid_target, …) goes on the event as data so
        # the doctor can tell a revoked grant from a refused resource.
        trace.emit(
            step,
            "ok" if ok else "fail",
            f"POST {token_endpoint} ({grant}, client auth {client.method}) → {fetched.status}"
            + (f" {code}" if code else "")
            + f" in {fetched.elapsed_ms:.0f} ms",
            elapsed_ms=round(fetched.elapsed_ms, 1),
            url=token_endpoint,
            http_status=fetched.status,
            **({"error": code} if code else {}),
        )
    if 300 <= fetched.status < 400:
        raise TokenEndpointError(
            f"token endpoint {token_endpoint} answered with a redirect; not followed",
            status=fetched.status,
        )
    if not ok or data is None:
        desc = data.get("error_description") if data else None
        what = f"{code}" + (f": {desc}" if desc else "") if code else f"HTTP {fetched.status}"
        if code is None and data is None:
            what += " (response is not JSON)"
        raise TokenEndpointError(
            redact(f"token endpoint refused the {grant} request: {what}"),
            error=code,
            status=fetched.status,
        )
    return _parse(data)


def _parse(data: dict[str, Any]) -> TokenResponse:
    """The token response, checked at the boundary: a bad field is a clear error that never
    quotes a token; lifetimes are finite and clamped (``clamp_lifetime``)."""
    problem = token_problem(data.get("access_token"), "access_token")
    if problem:
        raise TokenEndpointError(f"token endpoint returned an unusable token: the {problem}")
    token_type = data.get("token_type") or "Bearer"
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        shown = token_type if isinstance(token_type, str) else type(token_type).__name__
        raise TokenEndpointError(
            f"token endpoint issued an unsupported token type {redact(shown[:40])!r}"
        )
    lifetime = clamp_lifetime(data.get("expires_in"))
    expires_at = None if lifetime is None else time.time() + lifetime
    refresh = data.get("refresh_token")
    if refresh is not None and refresh != "":
        problem = token_problem(refresh, "refresh_token")
        if problem:
            raise TokenEndpointError(
                f"token endpoint returned an unusable refresh token: the {problem}"
            )
    scope = data.get("scope")
    return TokenResponse(
        access_token=data["access_token"],
        token_type="Bearer",
        expires_at=expires_at,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        scopes=scope.split() if isinstance(scope, str) else None,
        extra={
            k: v for k, v in data.items() if k not in ("access_token", "refresh_token", "id_token")
        },
    )
