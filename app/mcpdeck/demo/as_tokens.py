"""The back channel of the demo authorization server: ``/token`` (code and refresh grants) and
``/revoke`` (RFC 7009).

A code is exchanged once, with its PKCE verifier and the redirect URI it was issued for; a
refresh token works once (rotation) and never widens the scopes. Both insist on the RFC 8707
``resource`` the authorization named (unless the server is configured not to), and a replayed
code or rotated refresh token revokes what its authorization issued.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mcpdeck.demo.as_clients import authenticate_client
from mcpdeck.demo.as_grants import RegisteredClient
from mcpdeck.demo.as_http import NO_STORE, OAuthError, read_form, single
from mcpdeck.demo.resources import canonical_resource

if TYPE_CHECKING:
    from mcpdeck.demo.authorization_server import DemoAuthorizationServer


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def token(server: DemoAuthorizationServer, request: Request) -> Response:
    """``POST /token``."""
    fields: dict[str, Any] = {}
    try:
        form = await read_form(request)
        grant_type = single(form, "grant_type")
        fields = {
            "grant_type": grant_type,
            "resource": form.getlist("resource"),
            "scope": form.get("scope"),
        }
        client = authenticate_client(server, request, form)
        fields["client_id"] = client.client_id
        if grant_type == "authorization_code":
            answer = _exchange_code(server, client, form)
        elif grant_type == "refresh_token":
            answer = _exchange_refresh(server, client, form)
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r}")
    except OAuthError as exc:
        server.record("token", exc.error, **fields)
        headers = dict(NO_STORE)
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="mcpdeck-demo"'
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            exc.status,
            headers=headers,
        )
    server.record("token", "ok", **fields, granted_scope=answer["scope"])
    return JSONResponse(answer, headers=NO_STORE)


def _check_token_resource(server: DemoAuthorizationServer, raw: str | None, bound: str) -> None:
    if raw is None:
        if server.require_token_resource:
            raise OAuthError(
                "invalid_target",
                "the resource parameter is required on token requests (MCP authorization)",
            )
        return
    if canonical_resource(raw) != bound:
        raise OAuthError("invalid_target", f"resource {raw} differs from the one authorized")


def _exchange_code(
    server: DemoAuthorizationServer, client: RegisteredClient, form: Any
) -> dict[str, Any]:
    grant, replay = server.grants.use_code(single(form, "code") or "")
    if grant is None or grant.client_id != client.client_id:
        raise OAuthError("invalid_grant", "unknown authorization code")
    if replay:
        # RFC 6749 §4.1.2: a code used twice revokes what it issued.
        server.grants.revoke_family(grant.family)
        raise OAuthError("invalid_grant", "authorization code already used")
    if grant.expires_at < time.time():
        raise OAuthError("invalid_grant", "authorization code expired")
    if single(form, "redirect_uri") != grant.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
    verifier = single(form, "code_verifier")
    if not verifier:
        raise OAuthError("invalid_request", "code_verifier is required (PKCE)")
    if not secrets.compare_digest(_s256(verifier), grant.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    _check_token_resource(server, single(form, "resource"), grant.resource)
    return server.grants.issue_tokens(
        client.client_id, grant.scopes, grant.resource, grant.family, server.token_lifetime
    )


def _exchange_refresh(
    server: DemoAuthorizationServer, client: RegisteredClient, form: Any
) -> dict[str, Any]:
    grant, was_active = server.grants.use_refresh(single(form, "refresh_token") or "")
    if grant is None or grant.client_id != client.client_id:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if not was_active:
        if server.revoke_family_on_reuse:
            server.grants.revoke_family(grant.family)
        raise OAuthError("invalid_grant", "refresh token already used or revoked")
    try:
        _check_token_resource(server, single(form, "resource"), grant.resource)
        scope = single(form, "scope")
        scopes = grant.scopes
        if scope:
            wanted = scope.split()
            if not set(wanted) <= set(grant.scopes):
                raise OAuthError("invalid_scope", "a refresh cannot widen the granted scopes")
            scopes = wanted
    except OAuthError:
        server.grants.reactivate(grant)  # a malformed request does not burn the token
        raise
    return server.grants.issue_tokens(
        client.client_id, scopes, grant.resource, grant.family, server.token_lifetime
    )


async def revoke(server: DemoAuthorizationServer, request: Request) -> Response:
    """``POST /revoke``."""
    try:
        form = await read_form(request)
        client = authenticate_client(server, request, form)
    except OAuthError as exc:
        server.record("revoke", exc.error)
        return JSONResponse({"error": exc.error, "error_description": exc.description}, exc.status)
    server.grants.revoke(str(form.get("token") or ""), client.client_id)
    server.record("revoke", "ok", client_id=client.client_id)
    return Response(status_code=200, headers=NO_STORE)
