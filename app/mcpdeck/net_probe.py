"""A lean HTTP/1.1 client for status probes and logins: an asyncio protocol speaking
:mod:`mcpdeck.http1`, no httpx2/httpcore2/anyio, no asyncio streams, no h11.

Why a second client: a status probe is a handful of small requests per server (the
unauthenticated initialize, the protected-resource and authorization-server metadata), and
with hundreds of servers the generic stack's CPU per request set the pace: about 1.5-3 ms of
CPU per request in httpx2 → httpcore2 → anyio (task-group, cancel-scope and sniffio
bookkeeping on every socket operation), against ~0.4 ms here (1000 servers, 3000 requests:
4.2 s of CPU before, see ``python3 benchmarks/run.py --only status``). On top of that,
asyncio's streams and h11 cost about half of what was left per request (StreamReader and
StreamWriter objects, a drain and a read future per exchange, h11's event objects); the
protocol below hands the bytes it receives straight to the parser, and one timer per wait
replaces a timeout context (3000 keep-alive GETs: ~1.0 s of CPU before). Importing httpx2 also
costs ~55 ms, which this path no longer pays unless a proxy or TLS needs it: a scripted
``mcpdeck login`` (a few requests, then done) went from ~200 to ~150 ms of CPU with it.

It honours what :func:`mcpdeck.net.new_client` honours for these requests:

- redirects are never followed (a 3xx is handed back as it is);
- a timeout on connecting, sending and on each read (``timeout``);
- TLS with the one certificate-verifying context of :func:`mcpdeck.net.ssl_context` (built
  only when an https URL is used); plain http never builds it;
- proxies: when :func:`mcpdeck.net.proxy_for` names one for an origin, that origin's requests
  go through the ``httpx2`` client of :func:`mcpdeck.net.new_client` instead (same rules);
- bounded reads: a response head is capped at 16 KiB (hostile headers fail instead of
  growing), bodies are read chunk by chunk by the caller, which stops at its size limit, and
  the connection stops reading while more than ``READ_SIZE`` bytes wait unread;
- connections are reused per origin (keep-alive) and at most
  :data:`mcpdeck.net.MAX_CONNECTIONS_PER_ORIGIN` requests run on one origin at a time;
- at most :data:`CONNECTS_AT_ONCE` connections are being opened at a time;
- at most :data:`MAX_IDLE_CONNECTIONS` idle connections are kept in all, the least recently
  used closed first (a finished server's connections are not needed by the next one).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit

from mcpdeck.http1 import (
    Body,
    Headers,
    LocalProtocolError,
    RemoteProtocolError,
    head_length,
    parse_head,
    request_bytes,
)
from mcpdeck.net import (
    MAX_CONNECTIONS_PER_ORIGIN,
    MAX_KEEPALIVE_PER_ORIGIN,
    describe_http_error,
    proxy_for,
)

if TYPE_CHECKING:
    import httpx2

__all__ = ["Headers", "ProbeClient", "ProbeResponse", "TransportError"]

READ_SIZE = 64 * 1024
# Characters a request target may carry as they are; everything else is percent-encoded
# (as httpx2 does), so a space or a non-ASCII character in a URL never breaks the request line.
_TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"
# Idle connections kept across all origins. Each probe opens three at once and leaves them idle;
# kept until the end of the run, 1000 servers held ~3000 sockets: `list --json` under the common
# soft limit of 1024 open files failed 580 of 1000 servers with "connection failed", and a
# killed probe worker (the TUI's quit) took 30-130 ms to die closing 700-2000 of them. The
# limit leaves room for the in-flight sockets within ensure_open_files' margin.
MAX_IDLE_CONNECTIONS = 128
# Connections being opened at once. With no limit, a run's hundreds of connects advanced in
# lockstep (every socket created, then every connect completed, then every request sent), so
# the first request left only once the last connection was open and the responses came back
# in one burst; 16 at a time, the first requests leave at once and their answers are read
# while later connections open. `list --json` over 100 OAuth servers answering in 200 ms:
# 738/699 -> 685/672 ms (10 runs each, twice); 1000 servers: 3.61 -> 3.34 s.
CONNECTS_AT_ONCE = 16
# A connect that is still pending after this hands its turn on (a host that drops SYNs keeps a
# connect pending until its timeout, and must not hold up every other server's).
CONNECT_TURN_SEC = 0.02

Origin = tuple[str, str, int]


class TransportError(Exception):
    """No (complete) response: ``reason`` is a few words for a one-line error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Connection(asyncio.Protocol):
    """One connection: what arrives is kept in ``buffer`` until the parser takes it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport, from create_connection (uvloop's does not subclass asyncio's).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= READ_SIZE and not self._paused:
            assert self.transport is not None
            self.transport.pause_reading()
            self._paused = True
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def receive(self, timeout: float) -> None:
        """Wait until more bytes arrive or the connection ends; TimeoutError after ``timeout``."""
        if self.ended:
            return
        if self._paused:
            assert self.transport is not None
            self._paused = False
            self.transport.resume_reading()
        waiter = self._waiter = self.loop.create_future()
        timer = self.loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    @property
    def usable(self) -> bool:
        return not self.ended and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class ProbeResponse:
    """Status and headers at once; the body through :meth:`aiter_raw` (content-coded, as sent)."""

    def __init__(
        self, conn: _Connection, status: int, headers: Headers, body: Body, timeout: float
    ) -> None:
        self.status_code = status
        self.headers = headers
        self._conn = conn
        self._body = body
        self._timeout = timeout

    @property
    def complete(self) -> bool:
        return self._body.done

    @property
    def reusable(self) -> bool:
        """The body was read to its end and the connection can carry the next request."""
        return self._body.done and self._body.reusable and not self._conn.buffer

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        conn, body = self._conn, self._body
        while True:
            try:
                data = body.take(conn.buffer)
            except RemoteProtocolError:
                raise TransportError("RemoteProtocolError") from None
            if data:
                yield data
            if body.done:
                return
            if conn.ended:
                if body.ended_by_close():
                    return
                raise TransportError("RemoteProtocolError")  # the body was cut short
            try:
                await conn.receive(self._timeout)
            except TimeoutError:
                raise TransportError("timed out") from None


# Cached: a status run sends a few requests to each URL (1000 servers: ~50 ms of CPU in
# urllib.parse and quote without it).
@functools.lru_cache(maxsize=4096)
def _route(url: str) -> tuple[Origin, str, str] | None:
    """(origin, request target, Host header) of an http(s) URL; None when it is not one."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if scheme not in ("http", "https") or not host:
        return None
    port = port or (443 if scheme == "https" else 80)
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    return (scheme, host, port), target, parts.netloc.rpartition("@")[2]


class _Turn:
    __slots__ = ("_turns", "held")

    def __init__(self, turns: _Turns) -> None:
        self._turns = turns
        self.held = True

    def give_back(self) -> None:
        if self.held:  # once, however many paths end the holder's work
            self.held = False
            self._turns.next()


class _Turns:
    """At most ``limit`` turns out at once, handed out first come, first served.

    Not an ``asyncio.Semaphore``: in Python 3.11 each acquire scans every waiter
    (``Semaphore.locked``), and a run of 1000 servers queues hundreds of them (on the
    connect turns, and on one origin's gate when the servers share a host)."""

    def __init__(self, limit: int) -> None:
        self._free = limit
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def take(self) -> _Turn:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return _Turn(self)
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.next()  # the turn came together with the cancellation: pass it on
            raise
        return _Turn(self)

    def next(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class _Exchange:
    """One request on a direct connection, as an ``async with`` (a plain class: the
    generator-based context managers of contextlib cost a few µs more per request)."""

    __slots__ = (
        "_client",
        "_conn",
        "_method",
        "_origin",
        "_request",
        "_response",
        "_timeout",
        "_turn",
    )

    def __init__(
        self, client: ProbeClient, origin: Origin, request: bytes, method: str, timeout: float
    ) -> None:
        self._client = client
        self._origin = origin
        self._request = request
        self._method = method
        self._timeout = timeout
        self._conn: _Connection | None = None
        self._response: ProbeResponse | None = None
        self._turn: _Turn | None = None

    async def __aenter__(self) -> ProbeResponse:
        turn = self._turn = await self._client._gate(self._origin).take()
        try:
            self._conn, self._response = await self._client._exchange(
                self._origin, self._request, self._method, self._timeout
            )
        except BaseException:
            turn.give_back()
            raise
        return self._response

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None and self._turn is not None
        try:
            self._client._release(self._origin, self._conn, self._response)
        finally:
            self._turn.give_back()


class ProbeClient:
    """See the module docstring. One per run; :meth:`aclose` closes every connection."""

    def __init__(
        self, *, environ: Mapping[str, str] | None = None, max_idle: int = MAX_IDLE_CONNECTIONS
    ) -> None:
        self._environ = environ
        self._max_idle = max_idle
        self._idle: dict[Origin, list[_Connection]] = {}
        # Every idle connection, least recently used first (dicts keep insertion order).
        self._idle_order: dict[_Connection, Origin] = {}
        self._gates: dict[Origin, _Turns] = {}
        self._connecting = _Turns(CONNECTS_AT_ONCE)
        self._direct: dict[Origin, bool] = {}
        self._proxied: httpx2.AsyncClient | None = None
        self._open: set[_Connection] = set()

    def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        content: bytes | None = None,
        timeout: float,
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        """One request; the response's body is read (or not) inside the ``async with``.

        Raises :class:`TransportError` when no response arrives (refused, timed out, broken)."""
        route = _route(url)
        if route is None:
            raise TransportError("UnsupportedProtocol")
        origin, target, host_header = route
        direct = self._direct.get(origin)
        if direct is None:
            scheme, host, port = origin
            direct = self._direct[origin] = proxy_for(scheme, host, port, self._environ) is None
        if not direct:
            return self._through_proxy(method, url, headers, content, timeout)
        fields = [("Host", host_header), ("User-Agent", "mcpdeck"), *headers.items()]
        if content is not None:
            fields.append(("Content-Length", str(len(content))))
        try:
            request = request_bytes(method, target, fields, content)
        except LocalProtocolError:
            raise TransportError("LocalProtocolError") from None
        return _Exchange(self, origin, request, method, timeout)

    def _gate(self, origin: Origin) -> _Turns:
        gate = self._gates.get(origin)
        if gate is None:
            gate = self._gates[origin] = _Turns(MAX_CONNECTIONS_PER_ORIGIN)
        return gate

    async def _exchange(
        self, origin: Origin, request: bytes, method: str, timeout: float
    ) -> tuple[_Connection, ProbeResponse]:
        """Send on an idle connection of the origin, else on a new one; read the head."""
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            del self._idle_order[conn]
            if not conn.usable:
                self._drop(conn)
                continue
            try:
                return conn, await self._send_and_read_head(conn, request, method, timeout)
            except TransportError:
                # The server closed a kept-alive connection as the request went out (the
                # race every HTTP/1.1 client retries once): send it on a fresh connection.
                self._drop(conn)
        conn = await self._connect(origin, timeout)
        try:
            return conn, await self._send_and_read_head(conn, request, method, timeout)
        except BaseException:
            self._drop(conn)
            raise

    async def _connect(self, origin: Origin, timeout: float) -> _Connection:
        scheme, host, port = origin
        tls: Any = None
        if scheme == "https":
            from mcpdeck.net import ssl_context

            tls = ssl_context()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                turn = await self._connecting.take()
                timer = loop.call_later(CONNECT_TURN_SEC, turn.give_back)
                try:
                    _, conn = await loop.create_connection(
                        lambda: _Connection(loop),
                        host.strip("[]"),
                        port,
                        ssl=tls,
                        server_hostname=host.strip("[]") if tls else None,
                    )
                finally:
                    timer.cancel()
                    turn.give_back()
        except TimeoutError:
            raise TransportError("timed out") from None
        except OSError:
            # Refused, unreachable, name not resolved, TLS handshake or certificate failure
            # (ssl.SSLError is an OSError): httpx2 calls all of these ConnectError.
            raise TransportError("connection failed") from None
        self._open.add(conn)
        return conn

    async def _send_and_read_head(
        self, conn: _Connection, request: bytes, method: str, timeout: float
    ) -> ProbeResponse:
        assert conn.transport is not None
        conn.transport.write(request)
        try:
            while True:
                end = head_length(conn.buffer)
                if end is None:
                    if conn.ended:
                        raise TransportError("RemoteProtocolError")  # closed before a response
                    await conn.receive(timeout)
                    continue
                head = bytes(conn.buffer[:end])
                del conn.buffer[:end]
                minor, status, headers = parse_head(head)
                if status == 101:
                    raise TransportError("RemoteProtocolError")  # nothing asked to switch
                if status < 200:
                    continue  # informational (100 Continue, 103 Early Hints): the answer follows
                body = Body(method, status, headers, minor)
                return ProbeResponse(conn, status, headers, body, timeout)
        except TimeoutError:
            raise TransportError("timed out") from None
        except RemoteProtocolError:
            raise TransportError("RemoteProtocolError") from None

    def _release(self, origin: Origin, conn: _Connection, response: ProbeResponse | None) -> None:
        """Keep the connection for the origin's next request when the exchange ended cleanly."""
        if (
            response is not None
            and response.reusable
            and conn.usable
            and len(self._idle.get(origin, ())) < MAX_KEEPALIVE_PER_ORIGIN
        ):
            self._idle.setdefault(origin, []).append(conn)
            self._idle_order[conn] = origin
            if len(self._idle_order) > self._max_idle:
                oldest, its_origin = next(iter(self._idle_order.items()))
                del self._idle_order[oldest]
                self._idle[its_origin].remove(oldest)
                self._drop(oldest)
            return
        self._drop(conn)

    def _drop(self, conn: _Connection) -> None:
        self._open.discard(conn)
        conn.close()

    @contextlib.asynccontextmanager
    async def _through_proxy(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: float,
    ) -> AsyncIterator[Any]:
        import httpx2

        from mcpdeck.net import new_client

        if self._proxied is None:
            self._proxied = new_client(timeout=timeout, environ=self._environ)
        try:
            async with self._proxied.stream(
                method,
                url,
                headers=dict(headers),
                content=content,
                follow_redirects=False,
                timeout=httpx2.Timeout(timeout),
            ) as response:
                yield response
        except httpx2.HTTPError as exc:
            raise TransportError(describe_http_error(exc)) from None

    async def aclose(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._idle.clear()
        self._idle_order.clear()
        if self._proxied is not None:
            await self._proxied.aclose()
            self._proxied = None
