"""Which OAuth client mcpdeck is at an authorization server, in the spec's order:
pre-registered client id → Client ID Metadata Document → stored or new dynamic registration."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Protocol
from urllib.parse import urlsplit

from mcpdeck.config.model import ServerConfig
from mcpdeck.credentials.record import ClientRegistration
from mcpdeck.net import is_loopback_host
from mcpdeck.oauth.discovery import Discovery
from mcpdeck.oauth.errors import OAuthError
from mcpdeck.oauth.fetch import FetchFailed, HttpClient, bounded_request, require_secure
from mcpdeck.oauth.tokens import ClientAuth
from mcpdeck.oauth.trace import FlowTrace
from mcpdeck.records import record
from mcpdeck.redact import redact, register_secret

CLIENT_NAME = "mcpdeck"
_SECRET_METHODS = ("client_secret_basic", "client_secret_post")


class RegistrationStore(Protocol):
    def load_registration(self, issuer: str) -> ClientRegistration | None: ...

    def save_registration(self, registration: ClientRegistration) -> Any: ...


@record
class ClientIdentity:
    """The OAuth client mcpdeck is at the authorization server for this login."""

    registration: ClientRegistration
    # True when this registration was just made and must be stored with the credentials.
    is_new: bool = False

    @property
    def auth(self) -> ClientAuth:
        reg = self.registration
        return ClientAuth(reg.client_id, reg.client_secret, reg.token_endpoint_auth_method)


def _supported_methods(meta: dict[str, Any]) -> list[str] | None:
    value = meta.get("token_endpoint_auth_methods_supported")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def auth_method_for_secret(meta: dict[str, Any], has_secret: bool) -> str:
    """The token-endpoint auth method for a client that has (or has not) a secret."""
    if not has_secret:
        return "none"
    supported = _supported_methods(meta)
    if supported is None:
        return "client_secret_basic"  # RFC 8414's default
    for method in _SECRET_METHODS:
        if method in supported:
            return method
    return "none" if "none" in supported else "client_secret_basic"


def method_to_register(meta: dict[str, Any]) -> str:
    """Prefer a public client (``none``) unless the AS only supports other methods."""
    supported = _supported_methods(meta)
    if supported is None or "none" in supported:
        return "none"
    for method in _SECRET_METHODS:
        if method in supported:
            return method
    return "none"


def redirect_compatible(registered: list[str], redirect_uri: str) -> bool:
    """Byte-for-byte membership. RFC 8252 §7.3 lets an AS accept a loopback URI on any port, but
    many compare exactly (the MCP SDK's, RFC 6749 §3.1.2.3's simple string comparison) and
    answer another port with an error page instead of a redirect: the login would then wait
    out the whole callback timeout."""
    return redirect_uri in registered


async def load_stored(store: RegistrationStore, issuer: str) -> ClientRegistration | None:
    stored = await asyncio.to_thread(store.load_registration, issuer)
    if stored is not None and stored.issuer != issuer:
        return None  # never reuse a registration with another authorization server
    return stored


def reusable_redirect_uris(server: ServerConfig, stored: ClientRegistration | None) -> list[str]:
    """The redirect URIs under which :func:`resolve_client` would reuse ``stored``: the
    callback listener tries to make one of them again."""
    if stored is None or stored.kind != "dcr" or server.oauth.client_id:
        return []
    return stored.redirect_uris


async def resolve_client(
    http: HttpClient,
    discovery: Discovery,
    server: ServerConfig,
    stored: ClientRegistration | None,
    redirect_uri: str,
    *,
    trace: FlowTrace | None = None,
) -> ClientIdentity:
    """``stored``: this issuer's registration, from :func:`load_stored`."""
    meta = discovery.as_metadata
    issuer = discovery.issuer
    overrides = server.oauth

    if overrides.client_id:
        secret: str | None = None
        if overrides.client_secret_env_var:
            secret = os.environ.get(overrides.client_secret_env_var) or None
            if secret is None:
                raise OAuthError(
                    f"environment variable {overrides.client_secret_env_var} (client secret of "
                    f"'{server.name}') is not set",
                    hint="export it, or remove oauth.client_secret_env_var from the config",
                )
            register_secret(secret)
        elif stored is not None and stored.client_id == overrides.client_id:
            secret = stored.client_secret
        method = auth_method_for_secret(meta, secret is not None)
        _emit(trace, f"using the pre-registered client id {overrides.client_id} ({method})")
        return ClientIdentity(
            ClientRegistration(
                issuer=issuer,
                client_id=overrides.client_id,
                client_secret=secret,
                token_endpoint_auth_method=method,
                redirect_uris=[redirect_uri],
                kind="preregistered",
            )
        )

    cimd_url = overrides.client_metadata_url
    if cimd_url and meta.get("client_id_metadata_document_supported") is True:
        if urlsplit(cimd_url).scheme != "https" or not urlsplit(cimd_url).path.strip("/"):
            raise OAuthError(
                f"oauth.client_metadata_url of '{server.name}' must be an https URL with a path: {cimd_url}"
            )
        _emit(trace, f"using the client id metadata document {cimd_url}")
        return ClientIdentity(
            ClientRegistration(
                issuer=issuer,
                client_id=cimd_url,
                token_endpoint_auth_method="none",
                redirect_uris=[redirect_uri],
                kind="cimd",
            )
        )

    if (
        stored is not None
        and stored.kind == "dcr"
        and redirect_compatible(stored.redirect_uris, redirect_uri)
    ):
        _emit(trace, f"reusing the client registered at {issuer} (client id {stored.client_id})")
        return ClientIdentity(stored)

    endpoint = discovery.endpoint("registration_endpoint")
    if endpoint is None:
        raise OAuthError(
            f"the authorization server {issuer} of '{server.name}' does not support dynamic "
            "client registration and no client id is configured",
            hint=f"set [mcp_servers.{server.name}.oauth] client_id (and client_secret_env_var) "
            "in config.toml",
        )
    return ClientIdentity(await register(http, endpoint, issuer, meta, redirect_uri, trace), True)


async def register(
    http: HttpClient,
    endpoint: str,
    issuer: str,
    meta: dict[str, Any],
    redirect_uri: str,
    trace: FlowTrace | None,
) -> ClientRegistration:
    """RFC 7591 dynamic client registration."""
    require_secure(endpoint, "registration endpoint")
    method = method_to_register(meta)
    loopback = is_loopback_host(urlsplit(redirect_uri).hostname)
    body = {
        "client_name": CLIENT_NAME,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": method,
        "application_type": "native" if loopback else "web",
    }
    try:
        fetched = await bounded_request(
            http, "POST", endpoint, headers={"Accept": "application/json"}, json_body=body
        )
    except FetchFailed as exc:
        _emit(trace, f"POST {endpoint}: {exc.message}", status="fail")
        raise OAuthError(f"client registration failed: {exc.message}") from None
    _emit(
        trace,
        f"POST {endpoint} (dynamic client registration, {method}) → {fetched.status} "
        f"in {fetched.elapsed_ms:.0f} ms",
        status="ok" if fetched.status in (200, 201) else "fail",
        url=endpoint,
        http_status=fetched.status,
    )
    try:
        data = fetched.json_object()
    except OAuthError as exc:
        raise OAuthError(f"client registration failed: {exc.message}") from None
    if fetched.status not in (200, 201):
        error = data.get("error", f"HTTP {fetched.status}")
        desc = data.get("error_description")
        raise OAuthError(
            redact(
                f"client registration at {endpoint} was refused: {error}"
                + (f": {desc}" if desc else "")
            ),
            hint="configure a pre-registered oauth.client_id for this server",
        )
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise OAuthError(f"client registration at {endpoint} returned no client_id")
    secret = data.get("client_secret")
    secret = secret if isinstance(secret, str) and secret else None
    register_secret(secret)
    granted = data.get("token_endpoint_auth_method")
    final = granted if isinstance(granted, str) and granted else method
    if final in _SECRET_METHODS and secret is None:
        final = "none"
    uris = data.get("redirect_uris")
    return ClientRegistration(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        token_endpoint_auth_method=final,
        redirect_uris=[u for u in uris if isinstance(u, str)]
        if isinstance(uris, list)
        else [redirect_uri],
        kind="dcr",
    )


def _emit(trace: FlowTrace | None, summary: str, *, status: str = "ok", **data: Any) -> None:
    if trace is not None:
        trace.emit("registration", "ok" if status == "ok" else "fail", summary, **data)
