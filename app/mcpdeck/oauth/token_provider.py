"""The bearer token source of one server, used by sessions: stored token, refresh before
expiry and once on 401, login when interactive, step-up on 403 insufficient_scope."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.credentials.record import ClientRegistration, CredentialKey, CredentialRecord
from mcpdeck.errors import AuthRequired, McpdeckError
from mcpdeck.oauth.challenge import bearer_challenge
from mcpdeck.oauth.errors import OAuthError, TokenEndpointError
from mcpdeck.oauth.flow import login, new_http_client
from mcpdeck.oauth.refresh import RefreshRejected, refresh_credentials
from mcpdeck.oauth.scopes import union
from mcpdeck.oauth.trace import FlowTrace

# Authorizations one provider may start (first login and step-ups together): a server that
# keeps asking for scopes it never grants must not loop the user through the browser.
MAX_AUTHORIZATIONS = 3


class ProviderStore(Protocol):
    def load(self, key: CredentialKey) -> CredentialRecord | None: ...

    def save(self, key: CredentialKey, record: CredentialRecord) -> str: ...

    def load_registration(self, issuer: str) -> ClientRegistration | None: ...

    def save_registration(self, registration: ClientRegistration) -> Any: ...


class TokenProvider:
    def __init__(
        self,
        server: ServerConfig,
        loaded: LoadedConfig,
        store: ProviderStore,
        *,
        trace: FlowTrace | None = None,
        interactive: bool = False,
        open_browser: bool = True,
        login_timeout: float = 300.0,
    ) -> None:
        if not server.url:
            raise McpdeckError(f"'{server.name}' has no URL; OAuth tokens are for HTTP servers")
        self.server = server
        self.loaded = loaded
        self.store = store
        self.trace = trace if trace is not None else FlowTrace()
        self.interactive = interactive
        self.open_browser = open_browser
        self.login_timeout = login_timeout
        self.key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
        self.authorizations = 0
        self._refreshed_on_401 = False
        self._current: str | None = None
        self._lock = asyncio.Lock()
        # Why the last refresh failed, kept so a caller (the doctor) can explain a later 401
        # by the authorization server's answer (invalid_target, invalid_grant, …).
        self.last_error: McpdeckError | None = None

    @property
    def last_error_code(self) -> str | None:
        """The OAuth ``error`` code of :attr:`last_error`, when the server gave one."""
        error = getattr(self.last_error, "error", None)
        return error if isinstance(error, str) else None

    def _refresh_failed(self, exc: McpdeckError) -> None:
        self.last_error = exc
        if isinstance(exc, RefreshRejected):
            return  # refresh_credentials already traced it, with its code
        code = exc.error if isinstance(exc, TokenEndpointError) else None
        summary = f"refresh failed for '{self.server.name}': {exc.one_line()}"
        if code:
            self.trace.emit("refresh", "fail", summary, error=code)
        else:
            self.trace.emit("refresh", "fail", summary)

    def _mine(self, record: CredentialRecord | None) -> CredentialRecord | None:
        """Only a record issued for this server's URL is ever used."""
        if record is None or record.server_url != self.server.url:
            return None
        if record.server_name != self.server.name or record.unusable_reason is not None:
            return None
        return record

    async def _load(self) -> CredentialRecord | None:
        return self._mine(await asyncio.to_thread(self.store.load, self.key))

    async def bearer(self) -> str | None:
        """The stored access token, refreshed first when within the margin; None without one."""
        async with self._lock:
            record = await self._load()
            if record is None:
                return None
            if record.needs_refresh():
                if not record.refreshable:
                    if record.is_expired():
                        return None
                    self._current = record.access_token
                    return record.access_token
                try:
                    async with new_http_client() as http:
                        refreshed = self._mine(
                            await refresh_credentials(
                                http,
                                self.store,
                                self.loaded.codex_home,
                                self.key,
                                stale_access_token=record.access_token,
                                trace=self.trace,
                            )
                        )
                except AuthRequired as exc:
                    self._refresh_failed(exc)
                    return None
                except OAuthError as exc:
                    self._refresh_failed(exc)
                    # A token that has not expired yet still works (the network hiccupped).
                    refreshed = None if record.is_expired() else record
                record = refreshed
            self._current = record.access_token if record else None
            return self._current

    async def on_unauthorized(self, www_authenticate: str | None) -> str | None:
        """After a 401: refresh once; then, when interactive, log in. The new token or None."""
        async with self._lock:
            stale = self._current
            # One refresh per provider on 401 (a second 401 means the grant itself is gone).
            if stale is not None and not self._refreshed_on_401:
                self._refreshed_on_401 = True
                try:
                    async with new_http_client() as http:
                        record = self._mine(
                            await refresh_credentials(
                                http,
                                self.store,
                                self.loaded.codex_home,
                                self.key,
                                stale_access_token=stale,
                                force=True,
                                trace=self.trace,
                            )
                        )
                except (AuthRequired, OAuthError) as exc:
                    self._refresh_failed(exc)
                    record = None
                if record is not None and record.access_token != stale:
                    self._current = record.access_token
                    return self._current
            if not self.interactive:
                return None
            return await self._authorize(www_authenticate, scopes=None)

    async def on_insufficient_scope(self, www_authenticate: str) -> str | None:
        """After a 403 insufficient_scope: re-authorize with held ∪ challenged scopes."""
        async with self._lock:
            challenge = bearer_challenge(www_authenticate)
            wanted = challenge.scopes if challenge else []
            record = await self._load()
            held = (record.granted_scopes or record.requested_scopes) if record else []
            scopes = union(held, wanted)
            self.trace.emit(
                "step_up",
                "info",
                f"'{self.server.name}' needs more scopes ({' '.join(wanted) or 'unspecified'}); "
                f"requesting {' '.join(scopes) or 'the default scopes'}",
                held=held,
                wanted=wanted,
            )
            if not self.interactive:
                return None
            return await self._authorize(www_authenticate, scopes=scopes or None)

    async def _authorize(self, www_authenticate: str | None, *, scopes: list[str] | None) -> str:
        if self.authorizations >= MAX_AUTHORIZATIONS:
            raise AuthRequired(
                f"'{self.server.name}' still refuses access after {self.authorizations} "
                "authorizations; giving up",
                hint="check the scopes your account may grant, then run "
                f"`mcpdeck login {self.server.name}`",
            )
        self.authorizations += 1
        record = await login(
            self.server,
            self.loaded,
            self.store,
            scopes=scopes,
            open_browser=self.open_browser,
            trace=self.trace,
            timeout=self.login_timeout,
            www_authenticate=www_authenticate,
        )
        self._current = record.access_token
        self._refreshed_on_401 = False
        return record.access_token
