"""Bounded HTTP for OAuth: a size limit and a total time limit on every read, no redirects.

Only stdlib and httpx2 here: ``mcpdeck list`` reaches this module through discovery.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2

from mcpdeck.net import is_loopback_host
from mcpdeck.oauth.errors import InsecureEndpointError, OAuthError

MAX_BODY_BYTES = 256 * 1024
DEFAULT_TIMEOUT_SEC = 10.0
MCP_PROTOCOL_VERSION = "2025-11-25"


@dataclass
class Fetched:
    url: str
    status: int
    headers: httpx2.Headers
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


async def bounded_request(
    http: httpx2.AsyncClient,
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
    kwargs: dict[str, Any] = {"headers": headers or {}, "follow_redirects": False}
    if data is not None:
        kwargs["data"] = data
    if json_body is not None:
        kwargs["json"] = json_body
    if auth is not None:
        kwargs["auth"] = httpx2.BasicAuth(*auth)
    kwargs["timeout"] = httpx2.Timeout(timeout)
    try:
        async with asyncio.timeout(timeout):
            async with http.stream(method, url, **kwargs) as response:
                chunks: list[bytes] = []
                size = 0
                too_large = False
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > max_bytes:
                        too_large = True
                        break
                    chunks.append(chunk)
                body = b"".join(chunks)
                if not too_large and response.headers.get("content-encoding"):
                    body = _decode(response, body)
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
    except httpx2.HTTPError as exc:
        raise FetchFailed(f"{url}: {_describe(exc)}") from None


def _decode(response: httpx2.Response, body: bytes) -> bytes:
    decoder = response._get_content_decoder()  # httpx2 has no public one-shot decoder
    try:
        return b"".join([*decoder.decode(body), *decoder.flush()])
    except httpx2.DecodingError:
        return body


def _describe(exc: httpx2.HTTPError) -> str:
    if isinstance(exc, httpx2.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    return type(exc).__name__


def require_secure(url: str, what: str) -> None:
    """HTTPS for every authorization endpoint, except on loopback (security rule)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return
    raise InsecureEndpointError(
        f"refusing {what} {url}: authorization endpoints must use https (plain http is only allowed on loopback)"
    )
