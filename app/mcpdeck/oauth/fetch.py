"""Bounded HTTP for OAuth: a size limit and a total time limit on every read, no redirects.

The size limit counts decoded bytes as they are decoded: a 250 KB gzip body that inflates to
250 MB (a "gzip bomb") stops at the limit instead of being inflated whole. mcpdeck decodes the
raw stream itself with ``zlib`` and a ``max_length``, so no single chunk can inflate past it.

Every request here goes through :func:`open_stream`, which takes either client: the
``httpx2.AsyncClient`` of :func:`mcpdeck.net.new_client` (refresh, the doctor) or the lean
:class:`mcpdeck.net_probe.ProbeClient` (status probes, and the requests of a login that is
given no client). httpx2 is imported only when an httpx2 client is used: ``mcpdeck list`` and
``mcpdeck login`` reach this module without it.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import functools
import json
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import urlencode, urlsplit

from mcpdeck.net import describe_http_error, is_loopback_host
from mcpdeck.net_probe import ProbeClient, TransportError
from mcpdeck.oauth.errors import InsecureEndpointError, OAuthError
from mcpdeck.records import record

if TYPE_CHECKING:
    import httpx2

HttpClient: TypeAlias = "httpx2.AsyncClient | ProbeClient"

MAX_BODY_BYTES = 256 * 1024
DEFAULT_TIMEOUT_SEC = 10.0
# Only the codings mcpdeck decodes itself under the limit; a server sending another one (br,
# zstd) gets a clear failure instead of an unbounded third-party decoder.
ACCEPT_ENCODING = "gzip, deflate"
MCP_PROTOCOL_VERSION = "2025-11-25"


def initialize_request(purpose: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON body and headers of a bare MCP ``initialize`` POST, for the requests that only
    read the server's answer (the unauthenticated probe, the stored-token check). Every request
    carries MCP-Protocol-Version, the first one included: the newest revision requires it and
    older servers ignore it on initialize."""
    body = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": MCP_PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "mcpdeck", "version": purpose},
        },
    }
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": MCP_PROTOCOL_VERSION,
    }
    return body, headers


@record
class Fetched:
    """One bounded response: status, headers and at most ``MAX_BODY_BYTES`` of decoded body."""

    url: str
    status: int
    headers: Mapping[str, str]  # looked up by lower-case name
    body: bytes
    elapsed_ms: float
    too_large: bool = False

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or OAuthError saying why it is not one."""
        if self.too_large:
            raise OAuthError(f"{self.url}: response larger than {MAX_BODY_BYTES // 1024} KiB")
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise OAuthError(f"{self.url}: response is not valid JSON") from None
        if not isinstance(data, dict):
            raise OAuthError(f"{self.url}: response is not a JSON object")
        return data


class FetchFailed(OAuthError):
    """The request did not produce a response (connection refused, timeout, …)."""


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` value of HTTP Basic authentication, UTF-8 as httpx2's BasicAuth."""
    return "Basic " + binascii.b2a_base64(f"{user}:{password}".encode(), newline=False).decode()


@contextlib.asynccontextmanager
async def open_stream(
    http: HttpClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    json_body: Any = None,
    data: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float,
) -> AsyncIterator[Any]:
    """One request that never follows redirects, on either client; the response (status_code,
    headers, ``aiter_raw``) inside the ``async with``. Raises :class:`TransportError` when no
    response arrives."""
    if isinstance(http, ProbeClient):
        content = None
        if json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json", **headers}
        elif data is not None:
            # As httpx2 encodes a form (a login's token request goes through this client).
            content = urlencode(list(data.items())).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        if auth is not None:
            headers = {"Authorization": basic_authorization(*auth), **headers}
        async with http.stream(method, url, headers=headers, content=content, timeout=timeout) as r:
            yield r
        return
    import httpx2

    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if data is not None:
        kwargs["data"] = data
    if json_body is not None:
        kwargs["json"] = json_body
    if auth is not None:
        kwargs["auth"] = httpx2.BasicAuth(*auth)
    kwargs["timeout"] = httpx2.Timeout(timeout)
    try:
        async with http.stream(method, url, **kwargs) as response:
            yield response
    except httpx2.HTTPError as exc:
        raise TransportError(describe_http_error(exc)) from None


async def bounded_request(
    http: HttpClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    json_body: Any = None,
    auth: tuple[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SEC,
    max_bytes: int = MAX_BODY_BYTES,
) -> Fetched:
    """One request; never follows redirects; reads at most ``max_bytes`` of body."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            async with open_stream(
                http,
                method,
                url,
                headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})},
                json_body=json_body,
                data=data,
                auth=auth,
                timeout=timeout,
            ) as response:
                reader = _BoundedBody(response.headers.get("content-encoding", ""), max_bytes, url)
                async for chunk in response.aiter_raw():
                    if not reader.feed(chunk):
                        break
                body, too_large = reader.result()
                return Fetched(
                    url=url,
                    status=response.status_code,
                    headers=response.headers,
                    body=body,
                    elapsed_ms=(time.monotonic() - started) * 1000,
                    too_large=too_large,
                )
    except TimeoutError:
        raise FetchFailed(f"{url}: no answer within {timeout:g} s") from None
    except TransportError as exc:
        raise FetchFailed(f"{url}: {exc.reason}") from None


class _BoundedBody:
    """Raw body chunks in, at most ``limit`` decoded bytes out; both sizes are bounded."""

    def __init__(self, content_encoding: str, limit: int, url: str) -> None:
        self.limit = limit
        self.raw_size = 0
        self.too_large = False
        self.undecodable = False
        self.parts: list[bytes] = []
        self.size = 0
        self.raw: list[bytes] = []
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self._zlib: Any = None
        self._deflate = False
        if not codings:
            return
        if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
            raise FetchFailed(
                f"{url}: unsupported Content-Encoding {content_encoding!r} (mcpdeck asks for "
                f"{ACCEPT_ENCODING})"
            )
        if codings[0] == "deflate":
            self._deflate = True  # zlib-wrapped per RFC 9110, raw deflate from some servers
            self._zlib = zlib.decompressobj()
        else:
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def feed(self, chunk: bytes) -> bool:
        """Take one raw chunk; False once the limit is passed (stop reading)."""
        self.raw_size += len(chunk)
        if self._zlib is None or self.undecodable:
            if self.raw_size > self.limit:
                self.too_large = True
                return False
            (self.raw if self.undecodable else self.parts).append(chunk)
            if not self.undecodable:
                self.size += len(chunk)
            return True
        self.raw.append(chunk)
        if self.raw_size > self.limit:
            # The compressed body alone passes the limit: the decoded one would too.
            self.too_large = True
            return False
        data = chunk
        while data:
            room = self.limit - self.size + 1  # one byte past the limit proves "too large"
            try:
                out = self._zlib.decompress(data, room)
            except zlib.error:
                if self._deflate and self.size == 0 and self.raw_size == len(chunk):
                    self._deflate = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                self.undecodable = True
                return True
            self.parts.append(out)
            self.size += len(out)
            if self.size > self.limit:
                self.too_large = True
                return False
            data = self._zlib.unconsumed_tail
        return True

    def result(self) -> tuple[bytes, bool]:
        if self.too_large:
            return b"", True
        if self.undecodable:
            # Not what the header said: hand back the bytes as sent; the JSON check says why.
            return b"".join(self.raw), False
        return b"".join(self.parts), False


def split_url(url: str, what: str) -> Any:
    """``urlsplit`` with a clear error: a hostile host such as ``a]b`` is not a crash."""
    try:
        return _checked_split(url)
    except ValueError:
        raise OAuthError(f"{what} {url!r} is not a valid URL") from None


# Cached: a status probe splits the same few URLs about five times each (1000 servers: ~50 ms
# of CPU in urllib.parse).
@functools.lru_cache(maxsize=4096)
def _checked_split(url: str) -> Any:
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises on a port that is not a number
    return parts


def require_secure(url: str, what: str) -> None:
    """HTTPS for every authorization endpoint, except on loopback (security rule)."""
    parts = split_url(url, what)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return
    raise InsecureEndpointError(
        f"refusing {what} {url}: authorization endpoints must use https (plain http is only allowed on loopback)"
    )
