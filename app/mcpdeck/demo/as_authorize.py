"""The front channel of the demo authorization server: ``/authorize`` and the consent decision.

Until the client and its redirect URI are validated, errors are shown to the user, never sent to
a URI; afterwards every redirect, error or code, carries RFC 9207 ``iss``. PKCE (S256) and an
RFC 8707 ``resource`` are required.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mcpdeck.demo.as_grants import PendingConsent
from mcpdeck.demo.as_http import NO_STORE, OAuthError, read_form, single
from mcpdeck.demo.consent_page import consent_page, error_page
from mcpdeck.demo.resources import is_loopback_http

if TYPE_CHECKING:
    from mcpdeck.demo.authorization_server import DemoAuthorizationServer


def _redirect_matches(registered: str, requested: str) -> bool:
    """Exact match, except that loopback redirect URIs may use any port (RFC 8252 §7.3)."""
    if registered == requested:
        return True
    if not (is_loopback_http(registered) and is_loopback_http(requested)):
        return False
    a, b = urlsplit(registered), urlsplit(requested)
    return (a.hostname, a.path, a.query) == (b.hostname, b.path, b.query)


async def authorize(server: DemoAuthorizationServer, request: Request) -> Response:
    """``GET /authorize``: a consent page (or, with ``auto_approve``, the code at once)."""
    params = request.query_params
    try:
        client_id = single(params, "client_id")
        client = server.grants.client(client_id) if client_id else None
        if client is None:
            raise OAuthError("invalid_client", f"unknown client_id {client_id!r}")
        redirect_uri = single(params, "redirect_uri")
        if not redirect_uri or not any(
            _redirect_matches(r, redirect_uri) for r in client.redirect_uris
        ):
            raise OAuthError(
                "invalid_request", "redirect_uri is missing or not registered for this client"
            )
    except OAuthError as exc:
        server.record("authorize", exc.error)
        return HTMLResponse(error_page("Authorization request refused", exc.description), 400)

    state = params.get("state")
    try:
        if single(params, "response_type") != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code")
        challenge = single(params, "code_challenge")
        method = single(params, "code_challenge_method")
        if not challenge:
            raise OAuthError("invalid_request", "PKCE is required: send code_challenge")
        if method != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256")
        resource = server.resource_for(single(params, "resource"))
        scopes = server.scopes_for(single(params, "scope"), resource)
    except OAuthError as exc:
        server.record("authorize", exc.error, client_id=client.client_id)
        return server.redirect(
            redirect_uri,
            {"error": exc.error, "error_description": exc.description, "state": state},
        )

    pending = PendingConsent(
        client.client_id, redirect_uri, state, scopes, resource.uri, challenge, time.time()
    )
    server.record(
        "authorize",
        "pending",
        client_id=client.client_id,
        scope=" ".join(scopes),
        resource=params.getlist("resource"),
        redirect_uri=redirect_uri,
    )
    if server.auto_approve:
        return _approve(server, pending)
    page = consent_page(
        request_id=server.grants.hold(pending),
        client_name=client.client_name,
        client_id=client.client_id,
        scopes=scopes,
        resource=resource.uri,
        issuer=server.issuer,
        decision_path="/authorize/decision",
    )
    return HTMLResponse(page, headers={**NO_STORE, "X-Frame-Options": "DENY"})


async def decision(server: DemoAuthorizationServer, request: Request) -> Response:
    """``POST /authorize/decision``: the consent page's approve or deny."""
    try:
        form = await read_form(request)
    except OAuthError as exc:
        return HTMLResponse(error_page("Request refused", exc.description), 400)
    pending = server.grants.take_pending(str(form.get("request_id") or ""))
    if pending is None:
        server.record("decision", "unknown_request")
        return HTMLResponse(
            error_page(
                "This authorization request is no longer valid",
                "It was already answered or has expired. Start the login again.",
            ),
            400,
        )
    if form.get("decision") != "approve":
        server.record("decision", "access_denied", client_id=pending.client_id)
        return server.redirect(
            pending.redirect_uri,
            {
                "error": "access_denied",
                "error_description": "the user denied the request",
                "state": pending.state,
            },
        )
    server.record("decision", "approved", client_id=pending.client_id)
    return _approve(server, pending)


def _approve(server: DemoAuthorizationServer, pending: PendingConsent) -> Response:
    code = server.grants.new_code(pending)
    return server.redirect(pending.redirect_uri, {"code": code, "state": pending.state})
