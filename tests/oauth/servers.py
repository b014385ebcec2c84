"""A real OAuth world on 127.0.0.1 for tests: an authorization server and a protected MCP
resource, each a Starlette app served by uvicorn in a thread (tests/loopback.py).

Knobs on :class:`Options` bend one behaviour at a time (no PKCE, a wrong ``iss``, a hostile
PRM, …); every request the client makes is recorded so tests can assert on what was sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.loopback import serve


@dataclass
class Options:
    issuer_path: str = ""  # e.g. "/tenant1"
    pkce_methods: list[str] | None = field(default_factory=lambda: ["S256"])
    advertise_iss: bool = True
    iss_mode: str = "correct"  # correct | missing | wrong
    metadata_issuer: str | None = None  # lie about the issuer in AS metadata
    metadata_raw: bytes | None = None  # serve this instead of AS metadata (garbage, huge)
    prm_raw: bytes | None = None
    prm_resource: str | None = None  # default: the MCP URL
    prm_in_header: bool = True
    prm_authorization_servers: list[str] | None = None  # default: this world's issuer
    prm_scopes: list[str] | None = None
    as_scopes: list[str] | None = None
    challenge_scope: str | None = None
    as_overrides: dict[str, Any] = field(default_factory=dict)
    auth_methods: list[str] = field(default_factory=lambda: ["none"])
    registration: bool = True
    # /authorize answers 400 (no redirect) unless redirect_uri is exactly one the client
    # registered, as the MCP SDK's authorization server does.
    exact_redirect: bool = False
    authorize_error: str | None = None
    reject_scopes: set[str] = field(default_factory=set)  # authorize → error=invalid_scope
    access_lifetime: int = 3600
    issue_refresh: bool = True
    rotate_refresh: bool = True
    refresh_delay: float = 0.0
    refresh_error: str | None = None  # refresh grant → 400 with this OAuth error code
    granted_scopes: list[str] | None = None  # default: what was requested
    # Rewrites the authorization_code grant's JSON body (hostile token responses: Infinity,
    # NaN, a token that is not a string, …); gets the issued fields, returns the raw body.
    token_body: Callable[[dict[str, Any]], bytes] | None = None


@dataclass
class Recorded:
    authorize: list[list[tuple[str, str]]] = field(default_factory=list)
    token: list[list[tuple[str, str]]] = field(default_factory=list)
    token_headers: list[dict[str, str]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    metadata_paths: list[str] = field(default_factory=list)
    mcp_auth_headers: list[str | None] = field(default_factory=list)

    def refreshes(self) -> list[list[tuple[str, str]]]:
        return [t for t in self.token if ("grant_type", "refresh_token") in t]


class World:
    """``with World(Options(...)) as world:`` → ``world.mcp_url``, ``world.issuer``."""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.recorded = Recorded()
        self.as_base = ""
        self.rs_base = ""
        self._codes: dict[str, dict[str, Any]] = {}
        self.clients: dict[str, list[str]] = {}  # client id → registered redirect URIs
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stack = ExitStack()

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> World:
        self.as_base = self._stack.enter_context(serve(self._as_app()))
        self.rs_base = self._stack.enter_context(serve(self._rs_app()))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def issuer(self) -> str:
        return self.as_base + self.options.issuer_path

    @property
    def mcp_url(self) -> str:
        return self.rs_base + "/mcp"

    @property
    def prm_url(self) -> str:
        return self.rs_base + "/.well-known/oauth-protected-resource/mcp"

    # -- authorization server ---------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        o = self.options
        base = self.issuer
        meta: dict[str, Any] = {
            "issuer": o.metadata_issuer or self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": o.auth_methods,
        }
        if o.registration:
            meta["registration_endpoint"] = f"{base}/register"
        if o.pkce_methods is not None:
            meta["code_challenge_methods_supported"] = o.pkce_methods
        if o.advertise_iss:
            meta["authorization_response_iss_parameter_supported"] = True
        if o.as_scopes is not None:
            meta["scopes_supported"] = o.as_scopes
        meta.update(o.as_overrides)
        return meta

    def _as_app(self) -> Starlette:
        prefix = self.options.issuer_path

        async def metadata(request: Request) -> Response:
            self.recorded.metadata_paths.append(request.url.path)
            if self.options.metadata_raw is not None:
                return Response(self.options.metadata_raw, media_type="application/json")
            return JSONResponse(self.metadata())

        async def authorize(request: Request) -> Response:
            pairs = list(request.query_params.multi_items())
            self.recorded.authorize.append(pairs)
            q = dict(pairs)
            target = q["redirect_uri"]
            if not self._redirect_allowed(q.get("client_id", ""), target):
                return _error("invalid_request", "redirect_uri not registered for the client")
            params: dict[str, str] = {"state": q.get("state", "")}
            requested = q.get("scope", "").split()
            o = self.options
            if o.iss_mode == "correct":
                params["iss"] = self.issuer
            elif o.iss_mode == "wrong":
                params["iss"] = "https://attacker.example"
            if o.authorize_error:
                params.update(error=o.authorize_error, error_description="the user said no")
            elif o.reject_scopes & set(requested):
                params.update(error="invalid_scope", error_description="unknown scope")
            else:
                code = secrets.token_urlsafe(16)
                self._codes[code] = {
                    "challenge": q.get("code_challenge"),
                    "redirect_uri": target,
                    "client_id": q.get("client_id"),
                    "scopes": requested,
                    "resource": q.get("resource"),
                }
                params["code"] = code
            sep = "&" if "?" in target else "?"
            return RedirectResponse(target + sep + urlencode(params), status_code=302)

        async def token(request: Request) -> Response:
            form = await request.form()
            pairs = [(k, str(v)) for k, v in form.multi_items()]
            self.recorded.token.append(pairs)
            self.recorded.token_headers.append(dict(request.headers))
            f = dict(pairs)
            if f.get("grant_type") == "authorization_code":
                grant = self._codes.pop(f.get("code", ""), None)
                if grant is None:
                    return _error("invalid_grant", "unknown code")
                verifier = f.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                if digest.rstrip(b"=").decode() != grant["challenge"]:
                    return _error("invalid_grant", "PKCE verification failed")
                if f.get("redirect_uri") != grant["redirect_uri"]:
                    return _error("invalid_grant", "redirect_uri mismatch")
                issued = self._issue(grant["scopes"], f.get("resource"))
                if self.options.token_body is not None:
                    body = self.options.token_body(issued)
                    return Response(body, media_type="application/json")
                return JSONResponse(issued)
            if f.get("grant_type") == "refresh_token":
                if self.options.refresh_delay:
                    await asyncio.sleep(self.options.refresh_delay)
                if self.options.refresh_error:
                    return _error(self.options.refresh_error, "refused by the test world")
                with self._lock:
                    held = self.refresh_tokens.get(f.get("refresh_token", ""))
                    if held is None or held.get("revoked"):
                        return _error("invalid_grant", "refresh token not valid")
                    if self.options.rotate_refresh:
                        held["revoked"] = True
                return JSONResponse(
                    self._issue(
                        held["scopes"], f.get("resource"), refresh=self.options.rotate_refresh
                    )
                )
            return _error("unsupported_grant_type", "no")

        async def register(request: Request) -> Response:
            body = await request.json()
            self.recorded.registrations.append(body)
            method = body.get("token_endpoint_auth_method", "none")
            out = {"client_id": f"client-{secrets.token_hex(4)}", **body}
            self.clients[out["client_id"]] = list(body.get("redirect_uris", []))
            if method != "none":
                out["client_secret"] = "secret-" + secrets.token_hex(8)
            return JSONResponse(out, status_code=201)

        well_known = [
            f"/.well-known/oauth-authorization-server{prefix}",
            f"/.well-known/openid-configuration{prefix}",
        ]
        routes = [Route(p, metadata) for p in well_known]
        routes += [
            Route(f"{prefix}/authorize", authorize),
            Route(f"{prefix}/token", token, methods=["POST"]),
            Route(f"{prefix}/register", register, methods=["POST"]),
        ]
        return Starlette(routes=routes)

    def _redirect_allowed(self, client_id: str, redirect_uri: str) -> bool:
        if not self.options.exact_redirect:
            return True
        return redirect_uri in self.clients.get(client_id, [])

    def _issue(
        self, scopes: list[str], resource: str | None, *, refresh: bool = True
    ) -> dict[str, Any]:
        o = self.options
        access = "at-" + secrets.token_urlsafe(24)
        granted = o.granted_scopes if o.granted_scopes is not None else scopes
        self.access_tokens[access] = {
            "resource": resource,
            "scopes": granted,
            "expires": time.time() + o.access_lifetime,
        }
        out: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": o.access_lifetime,
        }
        if granted:
            out["scope"] = " ".join(granted)
        if o.issue_refresh and refresh:
            rt = "rt-" + secrets.token_urlsafe(24)
            with self._lock:
                self.refresh_tokens[rt] = {"scopes": granted}
            out["refresh_token"] = rt
        return out

    # -- protected MCP resource -------------------------------------------------------------

    def prm(self) -> dict[str, Any]:
        o = self.options
        doc: dict[str, Any] = {
            "resource": o.prm_resource or self.mcp_url,
            "authorization_servers": o.prm_authorization_servers or [self.issuer],
        }
        if o.prm_scopes is not None:
            doc["scopes_supported"] = o.prm_scopes
        return doc

    def challenge(self, error: str = "invalid_token") -> str:
        parts = [f'error="{error}"']
        if self.options.prm_in_header:
            parts.append(f'resource_metadata="{self.prm_url}"')
        if self.options.challenge_scope:
            parts.append(f'scope="{self.options.challenge_scope}"')
        return "Bearer " + ", ".join(parts)

    def _rs_app(self) -> Starlette:
        async def prm(request: Request) -> Response:
            if self.options.prm_raw is not None:
                return Response(self.options.prm_raw, media_type="application/json")
            return JSONResponse(self.prm())

        async def mcp(request: Request) -> Response:
            header = request.headers.get("authorization")
            self.recorded.mcp_auth_headers.append(header)
            token = header[7:] if header and header.lower().startswith("bearer ") else None
            info = self.access_tokens.get(token or "")
            if info is None or info["expires"] < time.time() or info["resource"] != self.mcp_url:
                return JSONResponse(
                    {"error": "invalid_token"},
                    status_code=401,
                    headers={"WWW-Authenticate": self.challenge()},
                )
            if request.method != "POST":
                return Response(status_code=405)
            return _jsonrpc(await request.json())

        return Starlette(
            routes=[
                Route("/.well-known/oauth-protected-resource/mcp", prm),
                Route("/.well-known/oauth-protected-resource", prm),
                Route("/mcp", mcp, methods=["GET", "POST", "DELETE"]),
            ]
        )


def _error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


def _jsonrpc(body: Any) -> Response:
    """Just enough MCP for a session: initialize, tools, empty resources and prompts."""
    if not isinstance(body, dict) or "id" not in body:
        return Response(status_code=202)
    method = body.get("method")
    result: dict[str, Any]
    if method == "initialize":
        result = {
            "protocolVersion": body.get("params", {}).get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "oauth-test-resource", "version": "1.0"},
        }
    elif method == "tools/list":
        result = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": "ok"}]}
    elif method in ("resources/list", "prompts/list", "resources/templates/list"):
        key = {"resources/list": "resources", "prompts/list": "prompts"}.get(
            method, "resourceTemplates"
        )
        result = {key: []}
    elif method == "ping":
        result = {}
    else:
        return JSONResponse(
            {"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32601, "message": "not found"}}
        )
    return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": result})


async def follow_redirects(url: str) -> None:
    """The test "browser": GET the authorization URL and follow redirects to the callback."""
    async with httpx2.AsyncClient(follow_redirects=True, timeout=10, trust_env=False) as client:
        await client.get(url)


@contextmanager
def world(**options: Any) -> Iterator[World]:
    with World(Options(**options)) as w:
        yield w


def query(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(unquote(v))
    return out
