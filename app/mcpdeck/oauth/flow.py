"""The interactive login: discovery → client identity → PKCE authorization in the browser →
loopback callback → token exchange → store. Nothing is stored unless every step succeeds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.credentials.record import ClientRegistration, CredentialKey, CredentialRecord
from mcpdeck.errors import UsageError
from mcpdeck.net import new_client
from mcpdeck.net_probe import ProbeClient
from mcpdeck.oauth.applies import login_refusal
from mcpdeck.oauth.browser import open_in_browser
from mcpdeck.oauth.callback import (
    DEFAULT_TIMEOUT_SEC,
    CallbackListener,
    ListenSpec,
    listen_spec,
    registered_spec,
)
from mcpdeck.oauth.challenge import bearer_challenge
from mcpdeck.oauth.client_identity import (
    ClientIdentity,
    load_stored,
    resolve_client,
    reusable_redirect_uris,
)
from mcpdeck.oauth.discovery import Discovery, discover
from mcpdeck.oauth.errors import CallbackError, OAuthError, TokenEndpointError
from mcpdeck.oauth.fetch import HttpClient, require_secure
from mcpdeck.oauth.pkce import new_pkce, new_state
from mcpdeck.oauth.resource_urls import canonical_resource
from mcpdeck.oauth.scopes import ScopeChoice, choose_scopes
from mcpdeck.oauth.tokens import token_request
from mcpdeck.oauth.trace import FlowTrace

if TYPE_CHECKING:
    import httpx2

BrowserOpener = Callable[[str], Coroutine[Any, Any, Any]]
# Given the authorization URL, returns the redirected callback URL the user pasted ("" for none).
PasteReader = Callable[[str], Coroutine[Any, Any, str]]


class LoginStore(Protocol):
    def save(self, key: CredentialKey, record: CredentialRecord) -> str: ...

    def load_registration(self, issuer: str) -> ClientRegistration | None: ...

    def save_registration(self, registration: ClientRegistration) -> Any: ...


def new_http_client() -> httpx2.AsyncClient:
    """The client for OAuth requests outside a login (mcpdeck.net's rules: no redirects, 15 s
    timeout)."""
    return new_client(timeout=15.0)


def resource_for(server: ServerConfig, discovery: Discovery) -> str:
    """Config ``oauth_resource`` replaces the default (the PRM resource or canonical URI)."""
    if server.oauth_resource:
        return server.oauth_resource
    return discovery.resource or canonical_resource(discovery.server_url)


def _require_http_server(server: ServerConfig) -> str:
    refusal = login_refusal(server)
    if refusal is not None:
        raise UsageError(refusal)
    if server.transport != "streamable_http" or not server.url:
        raise UsageError(f"'{server.name}' is not an HTTP server; only HTTP servers use OAuth")
    return server.url


async def login(
    server: ServerConfig,
    loaded: LoadedConfig,
    store: LoginStore,
    *,
    scopes: list[str] | None = None,
    open_browser: bool = True,
    trace: FlowTrace,
    timeout: float = DEFAULT_TIMEOUT_SEC,
    www_authenticate: str | None = None,
    http: HttpClient | None = None,
    browser: BrowserOpener | None = None,
    paste: PasteReader | None = None,
) -> CredentialRecord:
    """Log in to ``server``; stores and returns the new record. Raises OAuthError (one line)."""
    url = _require_http_server(server)
    own_http = http is None
    # The lean client (mcpdeck.net's rules too; httpx2 for proxied origins only): importing
    # httpx2 and its pool cost ~50 ms of a ~200 ms scripted `mcpdeck login` (benchmarks, login
    # row), and every request ~2 ms of CPU more than here.
    client = http or ProbeClient()
    try:
        return await _login(
            client,
            server,
            loaded,
            store,
            url=url,
            scopes=scopes,
            open_browser=open_browser,
            trace=trace,
            timeout=timeout,
            www_authenticate=www_authenticate,
            browser=browser,
            paste=paste,
        )
    except OAuthError as exc:
        trace.emit("error", "fail", f"login to '{server.name}' failed: {exc.one_line()}")
        raise
    finally:
        if own_http:
            await client.aclose()


async def _login(
    http: HttpClient,
    server: ServerConfig,
    loaded: LoadedConfig,
    store: LoginStore,
    *,
    url: str,
    scopes: list[str] | None,
    open_browser: bool,
    trace: FlowTrace,
    timeout: float,
    www_authenticate: str | None,
    browser: BrowserOpener | None,
    paste: PasteReader | None = None,
) -> CredentialRecord:
    discovery = await discover(http, url, www_authenticate=www_authenticate, trace=trace)
    meta = discovery.as_metadata
    methods = meta.get("code_challenge_methods_supported")
    if not isinstance(methods, list) or "S256" not in methods:
        raise OAuthError(
            f"the authorization server {discovery.issuer} does not advertise PKCE S256 "
            "(code_challenge_methods_supported); refusing to log in without it",
            hint="ask the server's operator to enable PKCE",
        )
    authorization_endpoint = discovery.endpoint("authorization_endpoint")
    token_endpoint = discovery.endpoint("token_endpoint")
    assert authorization_endpoint and token_endpoint  # checked by discovery
    require_secure(authorization_endpoint, "authorization endpoint")
    require_secure(token_endpoint, "token endpoint")
    resource = resource_for(server, discovery)
    named = discovery.resource or canonical_resource(discovery.server_url)
    if canonical_resource(resource) != canonical_resource(named):
        # Allowed (some providers want another identifier), but the usual cause of a token the
        # server then rejects: say it while the user is looking.
        trace.emit(
            "discovery",
            "info",
            f"config oauth_resource {resource} replaces the resource '{server.name}' names "
            f"({named}); the token will be for {resource}",
            resource=resource,
            server_resource=named,
        )
    challenge = discovery.challenge or bearer_challenge(www_authenticate)
    choice = choose_scopes(
        user=scopes, config=server.scopes, challenge=challenge, discovery=discovery
    )

    settings = loaded.settings
    spec = listen_spec(
        server.oauth.callback_url or settings.callback_url,
        server.oauth.callback_port or settings.callback_port,
    )
    attempts = [choice]
    if choice.discovered:
        attempts.append(ScopeChoice([], "none"))  # retried once if the provider rejects them
    last_error: OAuthError | None = None
    for attempt in attempts:
        if attempt is not choice:
            trace.emit(
                "authorize",
                "info",
                f"the provider rejected the discovered scopes ({' '.join(choice.scopes)}); "
                "retrying once without scope",
            )
        try:
            return await _authorize_once(
                http,
                server,
                loaded,
                store,
                discovery,
                attempt,
                resource=resource,
                spec=spec,
                open_browser=open_browser,
                trace=trace,
                timeout=timeout,
                browser=browser,
                paste=paste,
            )
        except (CallbackError, TokenEndpointError) as exc:
            last_error = exc
            if _is_invalid_scope(exc) and attempt.discovered:
                continue
            raise
    assert last_error is not None
    raise last_error


def _with_query(uri: str, params: list[tuple[str, str]]) -> str:
    """``uri`` with ``params`` form-encoded after its own query parameters (kept as they are).

    What authlib's ``add_params_to_uri`` does; importing authlib for it cost about 2 ms of
    every login's start-up.
    """
    parts = urlparse(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params])
    return urlunparse(parts._replace(query=query))


async def _stop_helper(task: asyncio.Task[Any]) -> None:
    """Cancel a helper task (browser, paste prompt) and wait until it has stopped.

    ``asyncio.wait`` never raises the helper's own outcome (its CancelledError or failure is
    not the login's), but it does raise when the login itself is cancelled meanwhile: that
    cancellation must end the login, not be swallowed on the way to the token exchange.
    """
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved: a helper that failed while stopping is not reported twice


def _is_invalid_scope(exc: OAuthError) -> bool:
    if isinstance(exc, TokenEndpointError):
        return exc.error == "invalid_scope"
    if isinstance(exc, CallbackError):
        return exc.oauth_error == "invalid_scope"
    return False


async def _authorize_once(
    http: HttpClient,
    server: ServerConfig,
    loaded: LoadedConfig,
    store: LoginStore,
    discovery: Discovery,
    choice: ScopeChoice,
    *,
    resource: str,
    spec: ListenSpec,
    open_browser: bool,
    trace: FlowTrace,
    timeout: float,
    browser: BrowserOpener | None,
    paste: PasteReader | None = None,
) -> CredentialRecord:
    meta = discovery.as_metadata
    authorization_endpoint = meta["authorization_endpoint"]
    token_endpoint = meta["token_endpoint"]
    stored = await load_stored(store, discovery.issuer)
    listener = _listener_for(spec, server, stored, trace)
    async with listener:
        redirect_uri = listener.redirect_uri
        require_secure(redirect_uri, "redirect URI")
        identity = await resolve_client(http, discovery, server, stored, redirect_uri, trace=trace)
        pkce = new_pkce()
        state = new_state()
        listener.expect(
            state,
            issuer=discovery.issuer,
            iss_required=meta.get("authorization_response_iss_parameter_supported") is True,
        )
        params = [
            ("response_type", "code"),
            ("client_id", identity.registration.client_id),
            ("redirect_uri", redirect_uri),
            ("state", state),
            ("code_challenge", pkce.challenge),
            ("code_challenge_method", "S256"),
            ("resource", resource),
        ]
        if choice.scopes:
            params.append(("scope", " ".join(choice.scopes)))
        auth_url = _with_query(authorization_endpoint, params)
        trace.authorization_url(
            auth_url,
            scopes=choice.scopes,
            scope_source=choice.source,
            resource=resource,
            redirect_uri=redirect_uri,
        )
        browser_task: asyncio.Task[Any] | None = None
        if browser is not None:
            browser_task = asyncio.create_task(browser(auth_url))
        elif open_browser:
            browser_task = asyncio.create_task(open_in_browser(auth_url, trace))
        else:
            trace.emit(
                "browser", "skip", "not opening a browser (--no-browser); open the URL above"
            )
        trace.waiting_for_callback(redirect_uri, timeout)
        paste_task: asyncio.Task[None] | None = None
        if paste is not None:
            reader = paste

            async def pasted() -> None:
                # Codex's --no-browser: the redirected URL, pasted, counts as the callback.
                text = await reader(auth_url)
                if text.strip():
                    listener.accept_pasted(text)

            paste_task = asyncio.create_task(pasted())
        try:
            result = await listener.wait(timeout, server_name=server.name)
        finally:
            for task in (browser_task, paste_task):
                if task is not None and not task.done():
                    await _stop_helper(task)
    form = {
        "grant_type": "authorization_code",
        "code": result.code,
        "redirect_uri": redirect_uri,
        "code_verifier": pkce.verifier,
        "resource": resource,
    }
    tokens = await token_request(http, token_endpoint, form, identity.auth, trace=trace)
    record = CredentialRecord(
        server_name=server.name,
        server_url=discovery.server_url,
        client_id=identity.registration.client_id,
        issuer=discovery.issuer,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        requested_scopes=list(choice.scopes),
        granted_scopes=tokens.scopes if tokens.scopes is not None else list(choice.scopes),
        resource=resource,
        token_endpoint=token_endpoint,
        client_secret=identity.registration.client_secret,
        token_endpoint_auth_method=identity.registration.token_endpoint_auth_method,
        obtained_at=time.time(),
    )
    await _store(store, loaded, server, record, identity, trace)
    return record


def _listener_for(
    spec: ListenSpec, server: ServerConfig, stored: ClientRegistration | None, trace: FlowTrace
) -> CallbackListener:
    """A listener that tries the stored registration's port first: with the same redirect URI
    the registration is reused even at an AS that compares redirect URIs exactly."""
    preferred = registered_spec(spec, reusable_redirect_uris(server, stored))
    return CallbackListener(spec, trace, preferred=preferred)


async def _store(
    store: LoginStore,
    loaded: LoadedConfig,
    server: ServerConfig,
    record: CredentialRecord,
    identity: ClientIdentity,
    trace: FlowTrace,
) -> None:
    key = CredentialKey.for_server(loaded.codex_home, server.name, record.server_url)
    backend = await asyncio.to_thread(store.save, key, record)
    if identity.is_new:
        await asyncio.to_thread(store.save_registration, identity.registration)
    trace.credentials_stored(
        backend,
        expires_at=record.expires_at,
        scopes=record.granted_scopes,
        refreshable=record.refreshable,
    )
