"""One client factory for every outgoing request: proxy, redirect, TLS and timeout rules.

Real sockets on 127.0.0.1: a forward proxy that answers every request itself (so a request
for a host that does not exist succeeds only through it), a redirecting server and a server
that never answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest

from mcpdeck import net
from mcpdeck.config.model import LoadedConfig, ServerConfig, Source
from mcpdeck.oauth.discovery import discover
from mcpdeck.oauth.errors import OAuthError
from mcpdeck.oauth.flow import new_http_client
from mcpdeck.status_probe import compute_statuses

GONE = "mcp.does-not-exist.invalid"  # .invalid never resolves (RFC 6761)


@asynccontextmanager
async def http_server(answer: bytes | None) -> AsyncIterator[tuple[str, list[bytes]]]:
    """Answers every request with ``answer`` (or never, when None); records request lines."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            seen.append(head.split(b"\r\n", 1)[0])
            if answer is None:
                await asyncio.sleep(3600)
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()


def _response(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def one_server(name: str, url: str) -> LoadedConfig:
    server = ServerConfig(
        name=name, transport="streamable_http", url=url, source=Source("user", Path("/x/c.toml"))
    )
    return LoadedConfig(
        codex_home=Path("/x"), cwd=Path("/x"), project_root=None, servers={name: server}
    )


UNAUTHORIZED = _response(
    "401 Unauthorized", {"WWW-Authenticate": 'Bearer realm="proxy-world"'}, b"{}"
)


def test_proxy_rules_from_the_environment() -> None:
    env = {
        "https_proxy": "http://lower:1",
        "HTTPS_PROXY": "http://upper:1",
        "HTTP_PROXY": "http://plain:1",
        "ALL_PROXY": "socks5://all:1",
        "no_proxy": "internal.example, .corp.example,other.example:8443",
    }
    assert net.proxy_for("https", "api.example.com", 443, env) == "http://lower:1"
    assert net.proxy_for("http", "api.example.com", 80, env) == "http://plain:1"
    assert net.proxy_for("ftp", "api.example.com", 21, env) == "socks5://all:1"
    # no_proxy: exact names, domains with or without a leading dot, and ports
    assert net.proxy_for("https", "internal.example", 443, env) is None
    assert net.proxy_for("https", "a.internal.example", 443, env) is None
    assert net.proxy_for("https", "x.corp.example", 443, env) is None
    assert net.proxy_for("https", "other.example", 8443, env) is None
    assert net.proxy_for("https", "other.example", 443, env) == "http://lower:1"
    assert net.proxy_for("https", "notinternal.example", 443, env) == "http://lower:1"
    # loopback never goes through a proxy (a proxy cannot reach the user's loopback)
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "app.localhost"):
        assert net.proxy_for("http", host, 8080, env) is None
    assert net.proxy_for("https", "api.example.com", 443, {**env, "no_proxy": "*"}) is None
    assert net.proxy_for("https", "api.example.com", 443, {}) is None


async def test_every_client_uses_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Status probes and login discovery go through the same proxy (they did not agree)."""
    async with http_server(UNAUTHORIZED) as (proxy, seen):
        monkeypatch.setenv("http_proxy", proxy)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        url = f"http://{GONE}/mcp"

        # login's client: the discovery's first request reaches the proxy
        async with new_http_client() as http:
            with pytest.raises(OAuthError):
                await discover(http, url)
        assert seen and seen[0] == f"POST {url} HTTP/1.1".encode()

        # status: the probe of an unresolvable host is answered by the proxy, not by DNS
        seen.clear()
        loaded = one_server("remote", url)
        statuses = await compute_statuses(loaded, None, timeout=5)
        assert seen and seen[0] == f"POST {url} HTTP/1.1".encode()
        assert "connection failed" not in statuses["remote"].auth.detail

        # no_proxy names the host: a direct connection, which cannot resolve it
        seen.clear()
        monkeypatch.setenv("no_proxy", "does-not-exist.invalid")
        statuses = await compute_statuses(loaded, None, timeout=5)
        assert seen == []
        assert statuses["remote"].failed


async def test_redirects_are_never_followed() -> None:
    async with http_server(b"") as (target, target_seen):
        moved = _response("302 Found", {"Location": f"{target}/elsewhere"})
        async with http_server(moved) as (origin, _), net.new_client(timeout=5) as http:
            response = await http.get(f"{origin}/metadata")
        assert response.status_code == 302
        assert target_seen == []


async def test_every_request_has_a_timeout() -> None:
    async with http_server(None) as (silent, _), net.new_client(timeout=0.3) as http:
        with pytest.raises(httpx2.ReadTimeout):
            await http.get(f"{silent}/mcp")


async def test_no_tls_context_for_plain_http_probes() -> None:
    """Loading the CA bundle is skipped when no https URL is used."""
    net.ssl_context.cache_clear()
    async with http_server(UNAUTHORIZED) as (origin, _):
        loaded = one_server("local", f"{origin}/mcp")
        await compute_statuses(loaded, None, timeout=5)
    assert net.ssl_context.cache_info().misses == 0
    async with net.new_client(timeout=5) as http:
        with pytest.raises(httpx2.ConnectError):
            # nothing listens on port 1: the pool for this https origin is built, TLS with it
            await http.get("https://127.0.0.1:1/")
    assert net.ssl_context.cache_info().misses == 1


async def test_one_pool_per_origin_reuses_connections() -> None:
    keep = _response("200 OK", {"Connection": "keep-alive"}, b"ok").replace(
        b"Connection: close\r\n", b""
    )
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(keep)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with net.new_client(timeout=5) as http:
            for path in ("/a", "/b", "/c"):
                assert (await http.get(f"http://127.0.0.1:{port}{path}")).status_code == 200
        assert connections == 1
    finally:
        server.close()
