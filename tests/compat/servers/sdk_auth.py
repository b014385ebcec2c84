#!/usr/bin/env python3
"""Authorization and resource servers built from the MCP Python SDK's server auth components,
the way the SDK's ``simple-auth`` example builds them (that example is not published as a
package): ``mcp.server.auth.routes.create_auth_routes`` around an
``OAuthAuthorizationServerProvider`` with a demo login form, RFC 7662 introspection for the
resource server, and the legacy mode where the MCP server is its own authorization server.

    sdk_auth.py as PORT [--jwt]          the authorization server (opaque tokens, or RS256 JWTs)
    sdk_auth.py rs PORT AS_URL [--strict] an MCPServer resource server (introspection)
    sdk_auth.py legacy PORT               MCPServer that is its own authorization server

Tokens live ``COMPAT_TOKEN_LIFETIME`` seconds (default 3600). Prints READY when listening.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from typing import Any

import httpx2
import uvicorn
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    construct_redirect_uri,
)
from mcp.server.auth.routes import create_auth_routes
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from mcp.shared.auth_utils import check_resource_allowed, resource_url_from_server_url
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

SCOPE = "user"
LIFETIME = int(os.environ.get("COMPAT_TOKEN_LIFETIME", "3600"))


class DemoProvider:
    """In-memory provider with a login form (user demo_user / demo_password)."""

    def __init__(self, base_url: str, *, jwt_keys: Any = None) -> None:
        self.base_url = base_url
        self.jwt_keys = jwt_keys
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.pending: dict[str, tuple[str, AuthorizationParams]] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        assert client_info.client_id
        self.clients[client_info.client_id] = client_info

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        key = secrets.token_urlsafe(16)
        self.pending[key] = (str(client.client_id), params)
        return f"{self.base_url}/login?key={key}"

    def login_page(self, key: str) -> HTMLResponse:
        if key not in self.pending:
            raise HTTPException(400, "unknown login")
        return HTMLResponse(
            f"""<!doctype html><title>Sign in</title>
<form action="{self.base_url}/login/callback" method="post">
<input type="hidden" name="key" value="{key}">
<input name="username" value="demo_user"><input type="password" name="password" value="demo_password">
<button type="submit">Sign in</button></form>"""
        )

    async def login_callback(self, request: Request) -> Response:
        form = await request.form()
        key = str(form.get("key", ""))
        if form.get("username") != "demo_user" or form.get("password") != "demo_password":
            raise HTTPException(401, "invalid credentials")
        if key not in self.pending:
            raise HTTPException(400, "unknown login")
        client_id, params = self.pending.pop(key)
        code = f"code_{secrets.token_hex(16)}"
        self.codes[code] = AuthorizationCode(
            code=code,
            client_id=client_id,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            expires_at=time.time() + 300,
            scopes=params.scopes or [SCOPE],
            code_challenge=params.code_challenge,
            resource=params.resource,
            subject="demo_user",
        )
        target = construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)
        return RedirectResponse(target, status_code=302)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        return self.codes.get(authorization_code)

    def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
        if self.jwt_keys is not None:
            token = self.jwt_keys.create_token(
                subject="demo_user",
                issuer=self.base_url,
                audience=resource,
                scopes=scopes,
                expires_in_seconds=LIFETIME,
            )
        else:
            token = f"at_{secrets.token_hex(24)}"
        self.tokens[token] = AccessToken(
            token=token,
            client_id=client_id,
            scopes=scopes,
            expires_at=int(time.time()) + LIFETIME,
            resource=resource,
            subject="demo_user",
        )
        refresh = f"rt_{secrets.token_hex(24)}"
        self.refresh[refresh] = RefreshToken(
            token=refresh, client_id=client_id, scopes=scopes, resource=resource
        )
        return OAuthToken(
            access_token=token,
            token_type="Bearer",
            expires_in=LIFETIME,
            scope=" ".join(scopes),
            refresh_token=refresh,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        self.codes.pop(authorization_code.code, None)
        return self._issue(
            str(client.client_id), authorization_code.scopes, authorization_code.resource
        )

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> RefreshToken | None:
        found = self.refresh.get(refresh_token)
        return found if found and found.client_id == client.client_id else None

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        self.refresh.pop(refresh_token.token, None)  # rotated
        return self._issue(
            str(client.client_id), scopes or refresh_token.scopes, refresh_token.resource
        )

    async def load_access_token(self, token: str) -> AccessToken | None:
        found = self.tokens.get(token)
        if found is None or (found.expires_at is not None and found.expires_at < time.time()):
            return None
        return found

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        self.tokens.pop(token.token, None)
        self.refresh.pop(token.token, None)


def auth_settings(issuer: str, resource_server_url: str | None) -> AuthSettings:
    return AuthSettings(
        issuer_url=issuer,
        client_registration_options=ClientRegistrationOptions(
            enabled=True, valid_scopes=[SCOPE], default_scopes=[SCOPE]
        ),
        revocation_options=RevocationOptions(enabled=True),
        required_scopes=[SCOPE],
        resource_server_url=resource_server_url,
    )


def authorization_server(port: int, *, jwt: bool) -> Starlette:
    base = f"http://127.0.0.1:{port}"
    keys = None
    if jwt:
        from fastmcp.server.auth.providers.jwt import RSAKeyPair

        keys = RSAKeyPair.generate()
    provider = DemoProvider(base, jwt_keys=keys)
    settings = auth_settings(base, None)
    routes = create_auth_routes(
        provider=provider,
        issuer_url=settings.issuer_url,
        client_registration_options=settings.client_registration_options,
        revocation_options=settings.revocation_options,
    )

    async def login(request: Request) -> Response:
        return provider.login_page(request.query_params.get("key", ""))

    async def introspect(request: Request) -> Response:
        form = await request.form()
        found = await provider.load_access_token(str(form.get("token", "")))
        if found is None:
            return JSONResponse({"active": False})
        return JSONResponse(
            {
                "active": True,
                "client_id": found.client_id,
                "scope": " ".join(found.scopes),
                "exp": found.expires_at,
                "aud": found.resource,
                "sub": found.subject,
            }
        )

    async def public_key(request: Request) -> Response:
        return Response(keys.public_key if keys else "", media_type="text/plain")

    routes += [
        Route("/login", login, methods=["GET"]),
        Route("/login/callback", provider.login_callback, methods=["POST"]),
        Route("/introspect", introspect, methods=["POST"]),
        Route("/public-key", public_key, methods=["GET"]),
    ]
    return Starlette(routes=routes)


class IntrospectionVerifier:
    """The example's token verifier: RFC 7662 at the AS; strict mode checks the audience."""

    def __init__(self, endpoint: str, server_url: str, strict: bool) -> None:
        self.endpoint = endpoint
        self.resource = resource_url_from_server_url(server_url)
        self.strict = strict

    async def verify_token(self, token: str) -> AccessToken | None:
        async with httpx2.AsyncClient(timeout=10) as http:
            response = await http.post(self.endpoint, data={"token": token})
        data = response.json() if response.status_code == 200 else {}
        if not data.get("active"):
            return None
        aud = data.get("aud")
        if self.strict and not (
            isinstance(aud, str)
            and check_resource_allowed(requested_resource=self.resource, configured_resource=aud)
        ):
            return None
        return AccessToken(
            token=token,
            client_id=data.get("client_id", "unknown"),
            scopes=(data.get("scope") or "").split(),
            expires_at=data.get("exp"),
            resource=aud,
        )


def offer(app: MCPServer) -> MCPServer:
    @app.tool()
    async def get_time() -> str:
        """The current server time."""
        return time.strftime("%Y-%m-%dT%H:%M:%S")

    @app.tool()
    async def echo(text: str) -> str:
        """Echo the text back."""
        return text

    @app.resource("compat://about")
    def about() -> str:
        """What this server is."""
        return "an MCP Python SDK resource server for mcpdeck's compatibility matrix"

    @app.prompt()
    def greet(name: str) -> str:
        """Greet someone."""
        return f"Hello {name}"

    return app


def main(argv: list[str]) -> int:
    mode, port = argv[0], int(argv[1])
    base = f"http://127.0.0.1:{port}"
    if mode == "as":
        app: Any = authorization_server(port, jwt="--jwt" in argv)
    elif mode == "rs":
        as_url = argv[2]
        server = MCPServer(
            name="sdk-rs",
            token_verifier=IntrospectionVerifier(
                f"{as_url}/introspect", f"{base}/mcp", "--strict" in argv
            ),
            auth=AuthSettings(
                issuer_url=as_url, required_scopes=[SCOPE], resource_server_url=f"{base}/mcp"
            ),
        )
        app = offer(server).streamable_http_app(host="127.0.0.1")
    elif mode == "legacy":
        provider = DemoProvider(base)
        server = MCPServer(
            name="sdk-legacy", auth_server_provider=provider, auth=auth_settings(base, None)
        )

        @server.custom_route("/login", methods=["GET"])
        async def login(request: Request) -> Response:
            return provider.login_page(request.query_params.get("key", ""))

        @server.custom_route("/login/callback", methods=["POST"])
        async def login_callback(request: Request) -> Response:
            return await provider.login_callback(request)

        app = offer(server).streamable_http_app(host="127.0.0.1")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server_ = uvicorn.Server(config)
    print("READY", flush=True)
    server_.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
