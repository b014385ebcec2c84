"""A lean HTTP/1.1 client for status probes and logins: asyncio streams + h11, no
httpx2/httpcore2/anyio.

Why a second client: a status probe is a handful of small requests per server (the
unauthenticated initialize, the protected-resource and authorization-server metadata), and
with hundreds of servers the generic stack's CPU per request set the pace: about 1.5-3 ms of
CPU per request in httpx2 → httpcore2 → anyio (task-group, cancel-scope and sniffio
bookkeeping on every socket operation), against ~0.4 ms here (1000 servers, 3000 requests:
4.2 s of CPU before, see ``python3 benchmarks/run.py --only status``). Importing httpx2 also
costs ~55 ms, which this path no longer pays unless a proxy or TLS needs it: a scripted
``mcpdeck login`` (a few requests, then done) went from ~200 to ~150 ms of CPU with it.

It honours what :func:`mcpdeck.net.new_client` honours for these requests:

- redirects are never followed (a 3xx is handed back as it is);
- a timeout on connecting, sending and on each read (``timeout``);
- TLS with the one certificate-verifying context of :func:`mcpdeck.net.ssl_context` (built
  only when an https URL is used); plain http never builds it;
- proxies: when :func:`mcpdeck.net.proxy_for` names one for an origin, that origin's requests
  go through the ``httpx2`` client of :func:`mcpdeck.net.new_client` instead (same rules);
- bounded reads: h11 caps a response head at 16 KiB (hostile headers fail instead of
  growing), bodies are read chunk by chunk by the caller, which stops at its size limit;
- connections are reused per origin (keep-alive) and at most
  :data:`mcpdeck.net.MAX_CONNECTIONS_PER_ORIGIN` requests run on one origin at a time;
- at most :data:`MAX_IDLE_CONNECTIONS` idle connections are kept in all, the least recently
  used closed first (a finished server's connections are not needed by the next one).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import h11

from mcpdeck.net import (
    MAX_CONNECTIONS_PER_ORIGIN,
    MAX_KEEPALIVE_PER_ORIGIN,
    describe_http_error,
    proxy_for,
)

if TYPE_CHECKING:
    import httpx2

READ_SIZE = 64 * 1024
MAX_HEAD_BYTES = 16 * 1024  # h11's default; a larger response head is refused
# Characters a request target may carry as they are; everything else is percent-encoded
# (as httpx2 does), so a space or a non-ASCII character in a URL never breaks the request line.
_TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"
# Idle connections kept across all origins. Each probe opens three at once and leaves them idle;
# kept until the end of the run, 1000 servers held ~3000 sockets: `list --json` under the common
# soft limit of 1024 open files failed 580 of 1000 servers with "connection failed", and a
# killed probe worker (the TUI's quit) took 30-130 ms to die closing 700-2000 of them. The
# limit leaves room for the in-flight sockets within ensure_open_files' margin.
MAX_IDLE_CONNECTIONS = 128

Origin = tuple[str, str, int]


class TransportError(Exception):
    """No (complete) response: ``reason`` is a few words for a one-line error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Headers(dict[str, str]):
    """Response headers by lower-case name; repeated fields joined with ", " (as httpx2)."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class _Connection:
    __slots__ = ("h11", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)

    def close(self) -> None:
        self.writer.close()


class ProbeResponse:
    """Status and headers at once; the body through :meth:`aiter_raw` (content-coded, as sent)."""

    def __init__(self, conn: _Connection, status: int, headers: Headers, timeout: float) -> None:
        self.status_code = status
        self.headers = headers
        self._conn = conn
        self._timeout = timeout
        self.complete = False

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        conn = self._conn.h11
        while True:
            try:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    async with asyncio.timeout(self._timeout):
                        data = await self._conn.reader.read(READ_SIZE)
                    conn.receive_data(data)
                    continue
            except TimeoutError:
                raise TransportError("timed out") from None
            except (h11.RemoteProtocolError, OSError):
                raise TransportError("RemoteProtocolError") from None
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.complete = True
                return
            else:  # ConnectionClosed before the end of the body
                raise TransportError("RemoteProtocolError")


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
        self._gates: dict[Origin, asyncio.Semaphore] = {}
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
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            host = None
        if scheme not in ("http", "https") or not host:
            raise TransportError("UnsupportedProtocol")
        port = port or (443 if scheme == "https" else 80)
        origin = (scheme, host, port)
        direct = self._direct.get(origin)
        if direct is None:
            direct = self._direct[origin] = proxy_for(scheme, host, port, self._environ) is None
        if not direct:
            return self._through_proxy(method, url, headers, content, timeout)
        target = quote(parts.path or "/", safe=_TARGET_SAFE)
        if parts.query:
            target += "?" + quote(parts.query, safe=_TARGET_SAFE)
        host_header = parts.netloc.rpartition("@")[2]
        return self._direct_request(origin, method, target, host_header, headers, content, timeout)

    @contextlib.asynccontextmanager
    async def _direct_request(
        self,
        origin: Origin,
        method: str,
        target: str,
        host_header: str,
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: float,
    ) -> AsyncIterator[ProbeResponse]:
        gate = self._gates.get(origin)
        if gate is None:
            gate = self._gates[origin] = asyncio.Semaphore(MAX_CONNECTIONS_PER_ORIGIN)
        fields = [("Host", host_header), ("User-Agent", "mcpdeck")]
        fields += list(headers.items())
        if content is not None:
            fields.append(("Content-Length", str(len(content))))
        try:
            request = h11.Request(method=method, target=target, headers=fields)
        except h11.LocalProtocolError:
            raise TransportError("LocalProtocolError") from None
        async with gate:
            conn, response = await self._exchange(origin, request, content, timeout)
            try:
                yield response
            finally:
                self._release(origin, conn, response)

    async def _exchange(
        self, origin: Origin, request: h11.Request, content: bytes | None, timeout: float
    ) -> tuple[_Connection, ProbeResponse]:
        """Send on an idle connection of the origin, else on a new one; read the head."""
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            del self._idle_order[conn]
            if conn.reader.at_eof() or conn.writer.is_closing():
                self._drop(conn)
                continue
            try:
                return conn, await self._send_and_read_head(conn, request, content, timeout)
            except TransportError:
                # The server closed a kept-alive connection as the request went out (the
                # race every HTTP/1.1 client retries once): send it on a fresh connection.
                self._drop(conn)
        conn = await self._connect(origin, timeout)
        try:
            return conn, await self._send_and_read_head(conn, request, content, timeout)
        except BaseException:
            self._drop(conn)
            raise

    async def _connect(self, origin: Origin, timeout: float) -> _Connection:
        scheme, host, port = origin
        tls: Any = None
        if scheme == "https":
            from mcpdeck.net import ssl_context

            tls = ssl_context()
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host.strip("[]"),
                    port,
                    ssl=tls,
                    server_hostname=host.strip("[]") if tls else None,
                    limit=READ_SIZE,
                )
        except TimeoutError:
            raise TransportError("timed out") from None
        except OSError:
            # Refused, unreachable, name not resolved, TLS handshake or certificate failure
            # (ssl.SSLError is an OSError): httpx2 calls all of these ConnectError.
            raise TransportError("connection failed") from None
        conn = _Connection(reader, writer)
        self._open.add(conn)
        return conn

    async def _send_and_read_head(
        self, conn: _Connection, request: h11.Request, content: bytes | None, timeout: float
    ) -> ProbeResponse:
        h = conn.h11
        try:
            data = h.send(request) or b""
            if content:
                data += h.send(h11.Data(data=content)) or b""
            data += h.send(h11.EndOfMessage()) or b""
            async with asyncio.timeout(timeout):
                conn.writer.write(data)
                await conn.writer.drain()
                while True:
                    event = h.next_event()
                    if event is h11.NEED_DATA:
                        h.receive_data(await conn.reader.read(READ_SIZE))
                        continue
                    if isinstance(event, h11.Response):
                        headers = Headers()
                        for name, value in event.headers:
                            key = name.decode("latin-1")
                            text = value.decode("latin-1")
                            headers[key] = f"{headers[key]}, {text}" if key in headers else text
                        return ProbeResponse(conn, event.status_code, headers, timeout)
                    if isinstance(event, h11.InformationalResponse):
                        continue
                    raise TransportError("RemoteProtocolError")  # closed before a response
        except TimeoutError:
            raise TransportError("timed out") from None
        except h11.RemoteProtocolError:
            raise TransportError("RemoteProtocolError") from None
        except h11.LocalProtocolError:
            raise TransportError("LocalProtocolError") from None
        except OSError:
            raise TransportError("RemoteProtocolError") from None

    def _release(self, origin: Origin, conn: _Connection, response: ProbeResponse) -> None:
        """Keep the connection for the origin's next request when the exchange ended cleanly."""
        h = conn.h11
        if (
            response.complete
            and h.our_state is h11.DONE
            and h.their_state is h11.DONE
            and len(self._idle.get(origin, ())) < MAX_KEEPALIVE_PER_ORIGIN
        ):
            h.start_next_cycle()
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
