"""Clients of the demo authorization server: dynamic registration (RFC 7591) and client
authentication at the token and revocation endpoints (RFC 6749 §2.3: none, Basic or POST).

Registration accepts only https or loopback http redirect URIs; a client registered for one
authentication method must use that method.
"""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mcpdeck.demo.as_grants import RegisteredClient
from mcpdeck.demo.as_http import AUTH_METHODS, MAX_FORM_BYTES, NO_STORE, OAuthError, single
from mcpdeck.demo.resources import is_loopback_http

if TYPE_CHECKING:
    from mcpdeck.demo.authorization_server import DemoAuthorizationServer


async def register(server: DemoAuthorizationServer, request: Request) -> Response:
    """``POST /register``."""
    try:
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            raise OAuthError("invalid_client_metadata", "registration request too large")
        body = await request.json()
        if not isinstance(body, dict):
            raise OAuthError("invalid_client_metadata", "the body must be a JSON object")
        client = validate_registration(body)
    except OAuthError as exc:
        server.record("register", exc.error)
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description}, 400, headers=NO_STORE
        )
    except ValueError:
        server.record("register", "invalid_client_metadata")
        return JSONResponse(
            {"error": "invalid_client_metadata", "error_description": "invalid JSON"}, 400
        )
    server.grants.add_client(client)
    server.record(
        "register",
        "ok",
        client_id=client.client_id,
        client_name=client.client_name,
        redirect_uris=client.redirect_uris,
        token_endpoint_auth_method=client.token_endpoint_auth_method,
    )
    answer: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": client.issued_at,
        "client_name": client.client_name,
        "redirect_uris": client.redirect_uris,
        "grant_types": client.grant_types,
        "response_types": ["code"],
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
    }
    if client.client_secret:
        answer["client_secret"] = client.client_secret
        answer["client_secret_expires_at"] = 0
    return JSONResponse(answer, 201, headers=NO_STORE)


def validate_registration(body: dict[str, Any]) -> RegisteredClient:
    """The client a registration request describes; OAuthError for what the demo refuses."""
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        raise OAuthError("invalid_redirect_uri", "redirect_uris must be a non-empty list")
    for uri in uris:
        parts = urlsplit(uri)
        if parts.fragment or not (parts.scheme == "https" or is_loopback_http(uri)):
            raise OAuthError(
                "invalid_redirect_uri",
                f"{uri} is neither https nor an http loopback address",
            )
    method = body.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in AUTH_METHODS:
        raise OAuthError(
            "invalid_client_metadata", f"token_endpoint_auth_method {method} is not supported"
        )
    grants = body.get("grant_types", ["authorization_code"])
    if not isinstance(grants, list) or not set(grants) <= {
        "authorization_code",
        "refresh_token",
    }:
        raise OAuthError("invalid_client_metadata", "unsupported grant_types")
    responses = body.get("response_types", ["code"])
    if not isinstance(responses, list) or set(responses) - {"code"}:
        raise OAuthError("invalid_client_metadata", "only response_types [code] is supported")
    name = body.get("client_name")
    return RegisteredClient(
        client_id="demo_client_" + secrets.token_hex(8),
        client_name=name if isinstance(name, str) and name.strip() else "unnamed client",
        redirect_uris=list(uris),
        token_endpoint_auth_method=method,
        grant_types=list(grants),
        client_secret=None if method == "none" else secrets.token_urlsafe(24),
    )


def authenticate_client(
    server: DemoAuthorizationServer, request: Request, form: Any
) -> RegisteredClient:
    """The client making a token or revocation request, by the method it registered."""
    header = request.headers.get("authorization", "")
    client_id = single(form, "client_id")
    secret = single(form, "client_secret")
    used = "none"
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
            basic_id, _, basic_secret = decoded.partition(":")
        except ValueError as exc:
            raise OAuthError("invalid_client", "malformed Basic credentials", 401) from exc
        client_id, secret, used = (
            unquote(basic_id),
            unquote(basic_secret),
            "client_secret_basic",
        )
    elif secret is not None:
        used = "client_secret_post"
    client = server.grants.client(client_id) if client_id else None
    if client is None:
        raise OAuthError("invalid_client", "unknown client", 401)
    if client.token_endpoint_auth_method != used:
        raise OAuthError(
            "invalid_client",
            f"client registered for {client.token_endpoint_auth_method} authenticated with {used}",
            401,
        )
    if client.client_secret is not None and not secrets.compare_digest(
        client.client_secret, secret or ""
    ):
        raise OAuthError("invalid_client", "wrong client secret", 401)
    return client
