"""One connection pool per origin under every client of :mod:`mcpdeck.net` (imports httpx2)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx2

from mcpdeck.net import (
    MAX_CONNECTIONS_PER_ORIGIN,
    MAX_KEEPALIVE_PER_ORIGIN,
    plain_context,
    proxy_for,
    ssl_context,
)


class PerOriginTransport(httpx2.AsyncBaseTransport):
    """Routes each request to its origin's pool, created on first use (TLS only for https).

    httpcore's pool walks every connection it holds on each request event; one shared pool
    made that walk the largest CPU cost per request with hundreds of servers in flight.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ
        self._pools: dict[tuple[bytes, bytes, int | None], httpx2.AsyncHTTPTransport] = {}

    def _pool(self, url: httpx2.URL) -> httpx2.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            proxy = proxy_for(url.scheme, url.host, url.port, self._environ)
            tls = url.scheme == "https" or (proxy or "").startswith("https:")
            pool = httpx2.AsyncHTTPTransport(
                verify=ssl_context() if tls else plain_context(),
                proxy=proxy,
                trust_env=False,
                limits=httpx2.Limits(
                    max_connections=MAX_CONNECTIONS_PER_ORIGIN,
                    max_keepalive_connections=MAX_KEEPALIVE_PER_ORIGIN,
                ),
            )
            self._pools[key] = pool
        return pool

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()
