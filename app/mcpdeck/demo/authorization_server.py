"""The demo's OAuth 2.1 authorization server, strict where MCP clients commonly go wrong.

Written directly on Starlette rather than on the SDK's auth routes because the demo must show
RFC 9207 ``iss`` on every redirect (errors included), advertise public clients
(``token_endpoint_auth_method: none``) and insist on RFC 8707 ``resource`` on the token and
refresh requests, which the SDK's handlers leave to the provider or do not do at all.

This module holds the configuration, the metadata (RFC 8414) and the routes; the endpoints are
``as_clients`` (registration, client authentication), ``as_authorize`` (authorization and
consent) and ``as_tokens`` (token, revocation), and what the server remembers is
``as_grants``. Tokens are opaque random strings kept in memory; the demo's resource servers
verify them through :meth:`DemoAuthorizationServer.verify_access_token` (same process).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mcpdeck.demo import as_authorize, as_clients, as_tokens
from mcpdeck.demo.as_grants import (
    OFFLINE_ACCESS,
    PREREGISTERED_CLIENT_ID,
    AccessTokenInfo,
    Grants,
    ProtectedResource,
    RegisteredClient,
)
from mcpdeck.demo.as_http import AUTH_METHODS, NO_STORE, OAuthError, with_params
from mcpdeck.demo.consent_page import error_page
from mcpdeck.demo.resources import canonical_resource


class DemoAuthorizationServer:
    """Configuration, metadata and routes of the demo authorization server.

    ``issuer`` must be set (from the bound port) before the app serves requests. Every public
    method is safe to call from another thread (tests, the TUI).
    """

    def __init__(
        self,
        *,
        token_lifetime: float = 120.0,
        auto_approve: bool = False,
        require_token_resource: bool = True,
        revoke_family_on_reuse: bool = True,
    ) -> None:
        self.issuer = ""
        self.token_lifetime = token_lifetime
        self.auto_approve = auto_approve
        self.require_token_resource = require_token_resource
        self.revoke_family_on_reuse = revoke_family_on_reuse
        # Every endpoint hit, without secrets: tests check what clients actually sent.
        self.events: list[dict[str, Any]] = []
        self.grants = Grants()
        self.grants.add_client(
            RegisteredClient(
                client_id=PREREGISTERED_CLIENT_ID,
                client_name="mcpdeck demo (pre-registered)",
                redirect_uris=["http://127.0.0.1/callback", "http://localhost/callback"],
                token_endpoint_auth_method="none",
                grant_types=["authorization_code", "refresh_token"],
            )
        )

    # -- configuration and inspection (any thread) ------------------------------------------

    def add_resource(
        self, uri: str, scopes: list[str], default_scopes: list[str] | None = None
    ) -> None:
        canonical = canonical_resource(uri)
        self.grants.add_resource(
            ProtectedResource(canonical, list(scopes), list(default_scopes or scopes))
        )

    @property
    def scopes_supported(self) -> list[str]:
        return [*sorted(self.grants.all_scopes()), OFFLINE_ACCESS]

    def metadata(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "registration_endpoint": f"{base}/register",
            "revocation_endpoint": f"{base}/revoke",
            "scopes_supported": self.scopes_supported,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "service_documentation": f"{base}/",
        }

    def verify_access_token(self, token: str) -> AccessTokenInfo | None:
        """The token's grant when it is known, unrevoked and unexpired; else None."""
        info = self.grants.access(token)
        if info is None or info.expires_at <= time.time():
            return None
        return info

    def client(self, client_id: str) -> RegisteredClient | None:
        return self.grants.client(client_id)

    def expire_access_tokens(self) -> int:
        """Make every access token expired now, so refresh can be tested without waiting."""
        return self.grants.expire_access_tokens()

    def revoke_all(self) -> None:
        """Revoke every access and refresh token (the 'status that lies' case)."""
        self.grants.revoke_all()

    def active_refresh_tokens(self) -> int:
        return self.grants.active_refresh_tokens()

    # -- what the endpoints share ---------------------------------------------------------------

    def record(self, endpoint: str, outcome: str, **fields: Any) -> None:
        self.events.append({"endpoint": endpoint, "outcome": outcome, **fields})

    def resource_for(self, raw: str | None) -> ProtectedResource:
        """The RFC 8707 ``resource`` of a request, which must name a resource of this AS."""
        if not raw:
            raise OAuthError("invalid_target", "the resource parameter (RFC 8707) is required")
        found = self.grants.resource(raw)
        if found is None:
            raise OAuthError("invalid_target", f"unknown resource {raw}")
        return found

    def scopes_for(self, raw: str | None, resource: ProtectedResource) -> list[str]:
        """The scopes a request asks for (the resource's defaults when it names none)."""
        if raw is None or not raw.strip():
            return list(resource.default_scopes)
        requested = raw.split()
        # Any scope this AS knows is granted for any of its resources, like most real ones do:
        # a misdirected `resource` then yields a token with the wrong audience (what the
        # `broken` server demonstrates) rather than a scope error at the consent step.
        allowed = set(self.scopes_supported)
        unknown = [s for s in requested if s not in allowed]
        if unknown:
            raise OAuthError("invalid_scope", f"scope {' '.join(unknown)} is not offered here")
        return list(dict.fromkeys(requested))

    def redirect(self, redirect_uri: str, params: dict[str, str | None]) -> Response:
        """Back to the client, with RFC 9207 ``iss`` on success and on error alike."""
        clean = {k: v for k, v in params.items() if v is not None}
        clean["iss"] = self.issuer
        return RedirectResponse(with_params(redirect_uri, clean), 302, headers=NO_STORE)

    # -- routes -----------------------------------------------------------------------------------

    async def _metadata(self, request: Request) -> Response:
        return JSONResponse(self.metadata())

    async def _home(self, request: Request) -> Response:
        return HTMLResponse(
            error_page(
                "mcpdeck demo authorization server",
                f"Issuer {self.issuer}. Metadata: /.well-known/oauth-authorization-server",
            )
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self._home, methods=["GET"]),
                Route("/.well-known/oauth-authorization-server", self._metadata, methods=["GET"]),
                Route("/authorize", partial(as_authorize.authorize, self), methods=["GET"]),
                Route(
                    "/authorize/decision", partial(as_authorize.decision, self), methods=["POST"]
                ),
                Route("/token", partial(as_tokens.token, self), methods=["POST"]),
                Route("/register", partial(as_clients.register, self), methods=["POST"]),
                Route("/revoke", partial(as_tokens.revoke, self), methods=["POST"]),
            ]
        )
