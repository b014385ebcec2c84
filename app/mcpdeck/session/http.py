"""HTTP plumbing under the SDK's streamable HTTP transport (it speaks ``httpx2``).

Two pieces, both installed on the ``httpx2.AsyncClient`` handed to the SDK:
- :class:`RecordingTransport` sees every exchange (retries and the GET stream included) and
  records method, URL, status and time, redacted, as ``http`` trace events;
- :class:`SessionAuth` puts the credentials on each request and, with an OAuth token source,
  refreshes once on 401 and steps up once on 403 ``insufficient_scope``.
Failures inside the SDK's tasks surface only as "connection closed" errors, so both keep the
facts (last status, challenge, transport error, OAuth error) for the session to explain.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx2
from mcp_types.version import LATEST_HANDSHAKE_VERSION

from mcpdeck.oauth.trace import FlowTrace
from mcpdeck.redact import redact, register_secret
from mcpdeck.session.challenges import refuses_scope
from mcpdeck.session.models import HttpExchange, TokenSource

# The revision ClientSession.initialize() offers: the header the first request carries.
OFFERED_PROTOCOL_VERSION = LATEST_HANDSHAKE_VERSION


@dataclass
class HttpLog:
    """What happened on the wire during one session, for error explanations and reports."""

    exchanges: list[HttpExchange] = field(default_factory=list)
    last_status: int | None = None
    last_www_authenticate: str | None = None
    transport_error: BaseException | None = None
    auth_error: str | None = None
    refreshed: bool = False
    stepped_up: bool = False

    def worst(self) -> HttpExchange | None:
        """The last failed exchange (status >= 400 or no answer), if any."""
        for exchange in reversed(self.exchanges):
            if exchange.error or (exchange.status is not None and exchange.status >= 400):
                return exchange
        return None


def challenge_text(header: str | None) -> str | None:
    """A WWW-Authenticate value for display; "Bearer:" so redaction sees no token after it."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    return redact(f"{scheme}: {rest.strip()}" if rest else scheme)


def _rpc_method(request: httpx2.Request) -> str | None:
    if request.method != "POST":
        return None
    try:
        body = json.loads(request.content)
    except (ValueError, httpx2.RequestNotRead, UnicodeDecodeError):
        return None
    if isinstance(body, dict):
        method = body.get("method")
        if isinstance(method, str):
            return method
        if "result" in body or "error" in body:
            return "(response)"
    return None


class RecordingTransport(httpx2.AsyncBaseTransport):
    def __init__(
        self, inner: httpx2.AsyncBaseTransport, log: HttpLog, trace: FlowTrace | None
    ) -> None:
        self._inner = inner
        self._log = log
        self._trace = trace

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.perf_counter()
        url = redact(str(request.url.copy_with(query=None, fragment=None)))
        rpc = _rpc_method(request)
        try:
            response = await self._inner.handle_async_request(request)
        except Exception as exc:
            elapsed = (time.perf_counter() - started) * 1000
            self._log.transport_error = exc
            words = redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
            self._record(HttpExchange(request.method, url, None, elapsed, rpc, None, words))
            raise
        elapsed = (time.perf_counter() - started) * 1000
        challenge = response.headers.get("www-authenticate")
        self._log.last_status = response.status_code
        self._log.last_www_authenticate = challenge
        self._record(
            HttpExchange(
                request.method,
                url,
                response.status_code,
                elapsed,
                rpc,
                challenge_text(challenge),
            )
        )
        return response

    def _record(self, exchange: HttpExchange) -> None:
        self._log.exchanges.append(exchange)
        if self._trace is None:
            return
        what = f"{exchange.method} {exchange.url}"
        if exchange.rpc_method:
            what += f" ({exchange.rpc_method})"
        outcome = str(exchange.status) if exchange.status is not None else exchange.error
        failed = exchange.error is not None or (exchange.status or 0) >= 400
        self._trace.emit(
            "http",
            "fail" if failed else "ok",
            f"{what} → {outcome} in {exchange.elapsed_ms:.0f} ms",
            elapsed_ms=exchange.elapsed_ms,
            method=exchange.method,
            url=exchange.url,
            http_status=exchange.status,
            rpc_method=exchange.rpc_method,
            error=exchange.error,
            www_authenticate=exchange.www_authenticate,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class SessionAuth(httpx2.Auth):
    """Static headers on every request; an OAuth bearer when no static Authorization is set."""

    def __init__(self, headers: dict[str, str], tokens: TokenSource | None, log: HttpLog) -> None:
        self._headers = headers
        has_static_auth = any(k.lower() == "authorization" for k in headers)
        self._tokens = None if has_static_auth else tokens
        self._log = log
        self._token: str | None = None

    async def _ask(
        self, call: Callable[[str], Awaitable[str | None]], challenge: str
    ) -> str | None:
        try:
            token = await call(challenge)
        except Exception as exc:  # the OAuth layer's one-line error explains the failure
            self._log.auth_error = redact(getattr(exc, "message", None) or str(exc))
            return None
        register_secret(token)
        return token

    async def async_auth_flow(
        self, request: httpx2.Request
    ) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        for name, value in self._headers.items():
            request.headers[name] = value
        if "mcp-protocol-version" not in request.headers:
            # The SDK stamps the negotiated revision once initialize is done; the newest
            # revision wants the header on every request, the first included, so the
            # initialize POST carries the revision it offers (older servers ignore it there).
            request.headers["MCP-Protocol-Version"] = OFFERED_PROTOCOL_VERSION
        tokens = self._tokens
        if tokens is not None and self._token is None:
            try:
                self._token = await tokens.bearer()
            except Exception as exc:
                self._log.auth_error = redact(getattr(exc, "message", None) or str(exc))
            register_secret(self._token)
        if self._token:
            request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if tokens is None:
            return
        challenge = response.headers.get("www-authenticate", "")
        if response.status_code == 401 and not self._log.refreshed:
            # Refresh once per session: a second 401 means the grant itself is gone.
            self._log.refreshed = True
            fresh = await self._ask(tokens.on_unauthorized, challenge)
            if fresh:
                self._token = fresh
                request.headers["Authorization"] = f"Bearer {fresh}"
                response = yield request
                challenge = response.headers.get("www-authenticate", "")
        if response.status_code == 403 and refuses_scope(challenge) and not self._log.stepped_up:
            self._log.stepped_up = True
            fresh = await self._ask(tokens.on_insufficient_scope, challenge)
            if fresh:
                self._token = fresh
                request.headers["Authorization"] = f"Bearer {fresh}"
                yield request
