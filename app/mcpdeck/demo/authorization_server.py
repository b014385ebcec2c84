"""The demo's OAuth 2.1 authorization server, strict where MCP clients commonly go wrong.

Written directly on Starlette rather than on the SDK's auth routes because the demo must show
RFC 9207 ``iss`` on every redirect (errors included), advertise public clients
(``token_endpoint_auth_method: none``) and insist on RFC 8707 ``resource`` on the token and
refresh requests, which the SDK's handlers leave to the provider or do not do at all.

Tokens are opaque random strings kept in memory; the demo's resource servers verify them through
:meth:`DemoAuthorizationServer.verify_access_token` (they run in the same process).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mcpdeck.demo.consent_page import consent_page, error_page
from mcpdeck.demo.resources import canonical_resource, is_loopback_http

OFFLINE_ACCESS = "offline_access"
_CODE_LIFETIME = 60.0
_PENDING_LIFETIME = 600.0
_MAX_FORM_BYTES = 64 * 1024
_AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

PREREGISTERED_CLIENT_ID = "mcpdeck-demo-public-client"


@dataclass
class RegisteredClient:
    client_id: str
    client_name: str
    redirect_uris: list[str]
    token_endpoint_auth_method: str
    grant_types: list[str]
    client_secret: str | None = None
    issued_at: int = field(default_factory=lambda: int(time.time()))


@dataclass
class ProtectedResource:
    """A resource server the AS issues tokens for, with the scopes it understands."""

    uri: str
    scopes: list[str]
    default_scopes: list[str]


@dataclass
class _Pending:
    client_id: str
    redirect_uri: str
    state: str | None
    scopes: list[str]
    resource: str
    code_challenge: str
    created: float


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    resource: str
    code_challenge: str
    expires_at: float
    family: str
    used: bool = False


@dataclass
class AccessTokenInfo:
    """What a resource server learns from a token: who, which scopes, for which audience."""

    client_id: str
    scopes: list[str]
    audience: str
    expires_at: float
    family: str


@dataclass
class _Refresh:
    client_id: str
    scopes: list[str]
    resource: str
    family: str
    active: bool = True


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _with_params(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _redirect_matches(registered: str, requested: str) -> bool:
    """Exact match, except that loopback redirect URIs may use any port (RFC 8252 §7.3)."""
    if registered == requested:
        return True
    if not (is_loopback_http(registered) and is_loopback_http(requested)):
        return False
    a, b = urlsplit(registered), urlsplit(requested)
    return (a.hostname, a.path, a.query) == (b.hostname, b.path, b.query)


def _single(params: Any, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise OAuthError("invalid_request", f"the {name} parameter is repeated")
    return values[0] if values else None


class DemoAuthorizationServer:
    """State and HTTP endpoints of the demo authorization server.

    ``issuer`` must be set (from the bound port) before the app serves requests. Methods whose
    names do not start with ``_`` are safe to call from another thread (tests, the TUI).
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
        self._lock = threading.Lock()
        self._resources: dict[str, ProtectedResource] = {}
        self._clients: dict[str, RegisteredClient] = {}
        self._pending: dict[str, _Pending] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, AccessTokenInfo] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._clients[PREREGISTERED_CLIENT_ID] = RegisteredClient(
            client_id=PREREGISTERED_CLIENT_ID,
            client_name="mcpdeck demo (pre-registered)",
            redirect_uris=["http://127.0.0.1/callback", "http://localhost/callback"],
            token_endpoint_auth_method="none",
            grant_types=["authorization_code", "refresh_token"],
        )

    # -- configuration and inspection (any thread) ------------------------------------------

    def add_resource(
        self, uri: str, scopes: list[str], default_scopes: list[str] | None = None
    ) -> None:
        canonical = canonical_resource(uri)
        with self._lock:
            self._resources[canonical] = ProtectedResource(
                canonical, list(scopes), list(default_scopes or scopes)
            )

    @property
    def scopes_supported(self) -> list[str]:
        with self._lock:
            scopes = {s for r in self._resources.values() for s in r.scopes}
        return [*sorted(scopes), OFFLINE_ACCESS]

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
            "token_endpoint_auth_methods_supported": list(_AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(_AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "service_documentation": f"{base}/",
        }

    def verify_access_token(self, token: str) -> AccessTokenInfo | None:
        """The token's grant when it is known, unrevoked and unexpired; else None."""
        with self._lock:
            info = self._access.get(token)
        if info is None or info.expires_at <= time.time():
            return None
        return info

    def client(self, client_id: str) -> RegisteredClient | None:
        with self._lock:
            return self._clients.get(client_id)

    def expire_access_tokens(self) -> int:
        """Make every access token expired now, so refresh can be tested without waiting."""
        now = time.time()
        with self._lock:
            for info in self._access.values():
                info.expires_at = min(info.expires_at, now - 1)
            return len(self._access)

    def revoke_all(self) -> None:
        """Revoke every access and refresh token (the 'status that lies' case)."""
        with self._lock:
            self._access.clear()
            for grant in self._refresh.values():
                grant.active = False

    def active_refresh_tokens(self) -> int:
        with self._lock:
            return sum(1 for g in self._refresh.values() if g.active)

    # -- helpers ---------------------------------------------------------------------------

    def _record(self, endpoint: str, outcome: str, **fields: Any) -> None:
        self.events.append({"endpoint": endpoint, "outcome": outcome, **fields})

    def _resource_for(self, raw: str | None) -> ProtectedResource:
        if not raw:
            raise OAuthError("invalid_target", "the resource parameter (RFC 8707) is required")
        with self._lock:
            found = self._resources.get(canonical_resource(raw))
        if found is None:
            raise OAuthError("invalid_target", f"unknown resource {raw}")
        return found

    def _scopes_for(self, raw: str | None, resource: ProtectedResource) -> list[str]:
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

    def _issue_tokens(
        self, client_id: str, scopes: list[str], resource: str, family: str
    ) -> dict[str, Any]:
        access = "demo_at_" + secrets.token_urlsafe(24)
        refresh = "demo_rt_" + secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = AccessTokenInfo(
                client_id, scopes, resource, time.time() + self.token_lifetime, family
            )
            self._refresh[refresh] = _Refresh(client_id, scopes, resource, family)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime),
            "refresh_token": refresh,
            "scope": " ".join(scopes),
        }

    def _revoke_family(self, family: str) -> None:
        with self._lock:
            for token in [t for t, i in self._access.items() if i.family == family]:
                del self._access[token]
            for grant in self._refresh.values():
                if grant.family == family:
                    grant.active = False

    def _redirect(self, redirect_uri: str, params: dict[str, str | None]) -> Response:
        clean = {k: v for k, v in params.items() if v is not None}
        clean["iss"] = self.issuer  # RFC 9207: on success and on error alike
        return RedirectResponse(_with_params(redirect_uri, clean), 302, headers=_NO_STORE)

    @staticmethod
    async def _form(request: Request) -> Any:
        length = int(request.headers.get("content-length") or 0)
        if length > _MAX_FORM_BYTES:
            raise OAuthError("invalid_request", "request body too large")
        return await request.form()

    # -- endpoints -------------------------------------------------------------------------

    async def _metadata(self, request: Request) -> Response:
        return JSONResponse(self.metadata())

    async def _home(self, request: Request) -> Response:
        return HTMLResponse(
            error_page(
                "mcpdeck demo authorization server",
                f"Issuer {self.issuer}. Metadata: /.well-known/oauth-authorization-server",
            )
        )

    async def _register(self, request: Request) -> Response:
        try:
            if int(request.headers.get("content-length") or 0) > _MAX_FORM_BYTES:
                raise OAuthError("invalid_client_metadata", "registration request too large")
            body = await request.json()
            if not isinstance(body, dict):
                raise OAuthError("invalid_client_metadata", "the body must be a JSON object")
            client = self._validate_registration(body)
        except OAuthError as exc:
            self._record("register", exc.error)
            return JSONResponse(
                {"error": exc.error, "error_description": exc.description}, 400, headers=_NO_STORE
            )
        except ValueError:
            self._record("register", "invalid_client_metadata")
            return JSONResponse(
                {"error": "invalid_client_metadata", "error_description": "invalid JSON"}, 400
            )
        with self._lock:
            self._clients[client.client_id] = client
        self._record(
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
        return JSONResponse(answer, 201, headers=_NO_STORE)

    def _validate_registration(self, body: dict[str, Any]) -> RegisteredClient:
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
        if method not in _AUTH_METHODS:
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

    async def _authorize(self, request: Request) -> Response:
        params = request.query_params
        # Until client and redirect URI are validated, errors go to the user, never to a URI.
        try:
            client_id = _single(params, "client_id")
            client = self.client(client_id) if client_id else None
            if client is None:
                raise OAuthError("invalid_client", f"unknown client_id {client_id!r}")
            redirect_uri = _single(params, "redirect_uri")
            if not redirect_uri or not any(
                _redirect_matches(r, redirect_uri) for r in client.redirect_uris
            ):
                raise OAuthError(
                    "invalid_request", "redirect_uri is missing or not registered for this client"
                )
        except OAuthError as exc:
            self._record("authorize", exc.error)
            return HTMLResponse(error_page("Authorization request refused", exc.description), 400)

        state = params.get("state")
        try:
            if _single(params, "response_type") != "code":
                raise OAuthError("unsupported_response_type", "response_type must be code")
            challenge = _single(params, "code_challenge")
            method = _single(params, "code_challenge_method")
            if not challenge:
                raise OAuthError("invalid_request", "PKCE is required: send code_challenge")
            if method != "S256":
                raise OAuthError("invalid_request", "code_challenge_method must be S256")
            resource = self._resource_for(_single(params, "resource"))
            scopes = self._scopes_for(_single(params, "scope"), resource)
        except OAuthError as exc:
            self._record("authorize", exc.error, client_id=client.client_id)
            return self._redirect(
                redirect_uri,
                {"error": exc.error, "error_description": exc.description, "state": state},
            )

        pending = _Pending(
            client.client_id, redirect_uri, state, scopes, resource.uri, challenge, time.time()
        )
        self._record(
            "authorize",
            "pending",
            client_id=client.client_id,
            scope=" ".join(scopes),
            resource=params.getlist("resource"),
            redirect_uri=redirect_uri,
        )
        if self.auto_approve:
            return self._approve(pending)
        request_id = secrets.token_urlsafe(24)
        with self._lock:
            self._pending[request_id] = pending
        page = consent_page(
            request_id=request_id,
            client_name=client.client_name,
            client_id=client.client_id,
            scopes=scopes,
            resource=resource.uri,
            issuer=self.issuer,
            decision_path="/authorize/decision",
        )
        return HTMLResponse(page, headers={**_NO_STORE, "X-Frame-Options": "DENY"})

    async def _decision(self, request: Request) -> Response:
        try:
            form = await self._form(request)
        except OAuthError as exc:
            return HTMLResponse(error_page("Request refused", exc.description), 400)
        request_id = str(form.get("request_id") or "")
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is None or time.time() - pending.created > _PENDING_LIFETIME:
            self._record("decision", "unknown_request")
            return HTMLResponse(
                error_page(
                    "This authorization request is no longer valid",
                    "It was already answered or has expired. Start the login again.",
                ),
                400,
            )
        if form.get("decision") != "approve":
            self._record("decision", "access_denied", client_id=pending.client_id)
            return self._redirect(
                pending.redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "the user denied the request",
                    "state": pending.state,
                },
            )
        self._record("decision", "approved", client_id=pending.client_id)
        return self._approve(pending)

    def _approve(self, pending: _Pending) -> Response:
        code = "demo_code_" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                pending.client_id,
                pending.redirect_uri,
                pending.scopes,
                pending.resource,
                pending.code_challenge,
                time.time() + _CODE_LIFETIME,
                family=secrets.token_hex(8),
            )
        return self._redirect(pending.redirect_uri, {"code": code, "state": pending.state})

    def _authenticate_client(self, request: Request, form: Any) -> RegisteredClient:
        header = request.headers.get("authorization", "")
        client_id = _single(form, "client_id")
        secret = _single(form, "client_secret")
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
        client = self.client(client_id) if client_id else None
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

    async def _token(self, request: Request) -> Response:
        fields: dict[str, Any] = {}
        try:
            form = await self._form(request)
            grant_type = _single(form, "grant_type")
            fields = {
                "grant_type": grant_type,
                "resource": form.getlist("resource"),
                "scope": form.get("scope"),
            }
            client = self._authenticate_client(request, form)
            fields["client_id"] = client.client_id
            if grant_type == "authorization_code":
                answer = self._exchange_code(client, form)
            elif grant_type == "refresh_token":
                answer = self._exchange_refresh(client, form)
            else:
                raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r}")
        except OAuthError as exc:
            self._record("token", exc.error, **fields)
            headers = dict(_NO_STORE)
            if exc.status == 401:
                headers["WWW-Authenticate"] = 'Basic realm="mcpdeck-demo"'
            return JSONResponse(
                {"error": exc.error, "error_description": exc.description},
                exc.status,
                headers=headers,
            )
        self._record("token", "ok", **fields, granted_scope=answer["scope"])
        return JSONResponse(answer, headers=_NO_STORE)

    def _check_token_resource(self, raw: str | None, bound: str) -> None:
        if raw is None:
            if self.require_token_resource:
                raise OAuthError(
                    "invalid_target",
                    "the resource parameter is required on token requests (MCP authorization)",
                )
            return
        if canonical_resource(raw) != bound:
            raise OAuthError("invalid_target", f"resource {raw} differs from the one authorized")

    def _exchange_code(self, client: RegisteredClient, form: Any) -> dict[str, Any]:
        code = _single(form, "code") or ""
        with self._lock:
            grant = self._codes.get(code)
            replay = grant is not None and grant.used
            if grant is not None:
                grant.used = True
        if grant is None or grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown authorization code")
        if replay:
            # RFC 6749 §4.1.2: a code used twice revokes what it issued.
            self._revoke_family(grant.family)
            raise OAuthError("invalid_grant", "authorization code already used")
        if grant.expires_at < time.time():
            raise OAuthError("invalid_grant", "authorization code expired")
        if _single(form, "redirect_uri") != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        verifier = _single(form, "code_verifier")
        if not verifier:
            raise OAuthError("invalid_request", "code_verifier is required (PKCE)")
        if not secrets.compare_digest(_s256(verifier), grant.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        self._check_token_resource(_single(form, "resource"), grant.resource)
        return self._issue_tokens(client.client_id, grant.scopes, grant.resource, grant.family)

    def _exchange_refresh(self, client: RegisteredClient, form: Any) -> dict[str, Any]:
        token = _single(form, "refresh_token") or ""
        with self._lock:
            grant = self._refresh.get(token)
            was_active = grant is not None and grant.active
            if grant is not None:
                grant.active = False  # rotation: a refresh token works once
        if grant is None or grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown refresh token")
        if not was_active:
            if self.revoke_family_on_reuse:
                self._revoke_family(grant.family)
            raise OAuthError("invalid_grant", "refresh token already used or revoked")
        try:
            self._check_token_resource(_single(form, "resource"), grant.resource)
            scope = _single(form, "scope")
            scopes = grant.scopes
            if scope:
                wanted = scope.split()
                if not set(wanted) <= set(grant.scopes):
                    raise OAuthError("invalid_scope", "a refresh cannot widen the granted scopes")
                scopes = wanted
        except OAuthError:
            with self._lock:
                grant.active = True  # a malformed request does not burn the token
            raise
        return self._issue_tokens(client.client_id, scopes, grant.resource, grant.family)

    async def _revoke(self, request: Request) -> Response:
        try:
            form = await self._form(request)
            client = self._authenticate_client(request, form)
        except OAuthError as exc:
            self._record("revoke", exc.error)
            return JSONResponse(
                {"error": exc.error, "error_description": exc.description}, exc.status
            )
        token = str(form.get("token") or "")
        with self._lock:
            access = self._access.get(token)
            if access is not None and access.client_id == client.client_id:
                del self._access[token]
            refresh = self._refresh.get(token)
            family = refresh.family if refresh and refresh.client_id == client.client_id else None
        if family:
            self._revoke_family(family)
        self._record("revoke", "ok", client_id=client.client_id)
        return Response(status_code=200, headers=_NO_STORE)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self._home, methods=["GET"]),
                Route("/.well-known/oauth-authorization-server", self._metadata, methods=["GET"]),
                Route("/authorize", self._authorize, methods=["GET"]),
                Route("/authorize/decision", self._decision, methods=["POST"]),
                Route("/token", self._token, methods=["POST"]),
                Route("/register", self._register, methods=["POST"]),
                Route("/revoke", self._revoke, methods=["POST"]),
            ]
        )
