"""The status probe's lean HTTP/1.1 client against real sockets on 127.0.0.1.

Each server here answers with canned bytes (honest, hostile or silent) and records what it was
sent and how many connections it accepted, so the rules of ``mcpdeck.net`` are checked on the
wire: no redirects followed, timeouts, size limits, keep-alive reuse, proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mcpdeck import event_loop, net, net_probe
from mcpdeck.config.model import LoadedConfig, ServerConfig, Source
from mcpdeck.net_probe import ProbeClient, TransportError
from mcpdeck.oauth.fetch import MAX_BODY_BYTES, FetchFailed, bounded_request
from mcpdeck.oauth.probe import MetadataCache, probe_server
from mcpdeck.status import plan_statuses
from mcpdeck.status_probe import compute_statuses


@dataclass
class Seen:
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)  # request heads, as sent
    bodies: list[bytes] = field(default_factory=list)  # request bodies, as sent
    client_left: asyncio.Event = field(default_factory=asyncio.Event)  # the client closed one
    answering: int = 0  # requests being answered now
    most_answering: int = 0


Answer = Callable[[bytes], bytes | None]  # request head → raw response (None: never answer)


@asynccontextmanager
async def raw_server(
    answer: Answer, *, keep_alive: bool = True, delay: float = 0
) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                seen.requests.append(head)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                seen.bodies.append(await reader.readexactly(length) if length else b"")
                out = answer(head)
                if out is None:
                    await asyncio.sleep(3600)
                    return
                if delay:
                    seen.answering += 1
                    seen.most_answering = max(seen.most_answering, seen.answering)
                    await asyncio.sleep(delay)
                    seen.answering -= 1
                writer.write(out)
                await writer.drain()
                if not keep_alive:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            seen.client_left.set()
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()


def response(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def always(raw: bytes) -> Answer:
    return lambda _head: raw


async def test_a_redirect_is_handed_back_not_followed() -> None:
    async with raw_server(always(b"")) as (target, target_seen):
        moved = response("302 Found", {"Location": f"{target}/elsewhere"})
        async with raw_server(always(moved)) as (origin, _):
            client = ProbeClient(environ={})
            try:
                fetched = await bounded_request(client, "GET", f"{origin}/.well-known/x")
            finally:
                await client.aclose()
    assert fetched.status == 302 and fetched.headers.get("Location") == f"{target}/elsewhere"
    assert target_seen.requests == []


async def test_a_silent_server_times_out() -> None:
    async with raw_server(lambda _head: None) as (silent, _):
        client = ProbeClient(environ={})
        try:
            with pytest.raises(FetchFailed, match=r"timed out|no answer within"):
                await bounded_request(client, "GET", f"{silent}/x", timeout=0.3)
        finally:
            await client.aclose()


async def test_a_refused_port_is_a_connection_failure() -> None:
    async with raw_server(always(b"")) as (origin, _):
        pass  # closed: nothing listens on that port any more
    client = ProbeClient(environ={})
    try:
        with pytest.raises(FetchFailed, match="connection failed"):
            await bounded_request(client, "GET", f"{origin}/x", timeout=2)
    finally:
        await client.aclose()


async def test_connections_are_reused_per_origin() -> None:
    ok = response("200 OK", {"Content-Type": "application/json"}, b"{}")
    async with raw_server(always(ok)) as (origin, seen):
        client = ProbeClient(environ={})
        try:
            for n in range(5):
                fetched = await bounded_request(client, "GET", f"{origin}/doc/{n}")
                assert fetched.json_object() == {}
        finally:
            await client.aclose()
    assert len(seen.requests) == 5 and seen.connections == 1


async def test_idle_connections_beyond_the_limit_are_closed_oldest_first() -> None:
    """Many servers, one probe each: a finished server's kept-alive connection is closed once
    newer ones exceed the limit, so sockets do not pile up with the number of servers."""
    ok = response("200 OK", {}, b"{}")
    async with contextlib.AsyncExitStack() as stack:
        servers = [await stack.enter_async_context(raw_server(always(ok))) for _ in range(4)]
        client = ProbeClient(environ={}, max_idle=2)
        try:
            for origin, _ in servers:
                assert (await bounded_request(client, "GET", f"{origin}/x")).status == 200
            for _, seen in servers[:2]:
                await asyncio.wait_for(seen.client_left.wait(), 5)
            assert not any(seen.client_left.is_set() for _, seen in servers[2:])
            # the newest is still kept alive: a second request reuses its connection
            origin, seen = servers[-1]
            assert (await bounded_request(client, "GET", f"{origin}/y")).status == 200
            assert seen.connections == 1
        finally:
            await client.aclose()


async def test_a_connection_the_server_closed_is_replaced() -> None:
    ok = response("200 OK", {}, b"{}")
    async with raw_server(always(ok), keep_alive=False) as (origin, seen):
        client = ProbeClient(environ={})
        try:
            for _ in range(3):
                assert (await bounded_request(client, "GET", f"{origin}/x")).status == 200
                await asyncio.sleep(0.05)  # the server's close reaches the client
        finally:
            await client.aclose()
    assert seen.connections == 3


async def test_an_interim_1xx_response_is_skipped_for_the_final_one() -> None:
    interim = b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n"
    final = response("200 OK", {"Content-Type": "application/json"}, b'{"ok": true}')
    async with raw_server(always(interim + final)) as (origin, seen):
        client = ProbeClient(environ={})
        try:
            for _ in range(2):
                fetched = await bounded_request(client, "GET", f"{origin}/x")
                assert fetched.status == 200 and fetched.json_object() == {"ok": True}
        finally:
            await client.aclose()
    assert seen.connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    ],
)
async def test_a_connection_the_server_will_not_keep_is_not_reused(answer: bytes) -> None:
    """The server leaves the socket open, but its answer says it will not take another request
    on it: a second request on the same socket would wait for nothing."""
    async with raw_server(always(answer)) as (origin, seen):
        client = ProbeClient(environ={})
        try:
            for _ in range(3):
                assert (
                    await bounded_request(client, "GET", f"{origin}/x", timeout=2)
                ).status == 200
        finally:
            await client.aclose()
    assert seen.connections == 3


async def test_a_header_value_that_would_split_the_request_is_not_sent() -> None:
    async with raw_server(always(response("200 OK"))) as (origin, seen):
        client = ProbeClient(environ={})
        try:
            with pytest.raises(FetchFailed, match="LocalProtocolError"):
                await bounded_request(
                    client, "GET", f"{origin}/x", headers={"X-Api-Key": "k\r\nX-Injected: 1"}
                )
        finally:
            await client.aclose()
    assert seen.requests == []


async def test_request_line_and_headers_on_the_wire() -> None:
    async with raw_server(always(response("401 Unauthorized"))) as (origin, seen):
        client = ProbeClient(environ={})
        try:
            await bounded_request(
                client,
                "POST",
                f"{origin}/a path/ü?q=1 2",
                headers={"Accept": "application/json"},
                json_body={"k": "v"},
            )
        finally:
            await client.aclose()
    (head,) = seen.requests
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /a%20path/%C3%BC?q=1%202 HTTP/1.1"
    assert f"host: {origin.removeprefix('http://')}".encode() in head.lower()
    assert b"content-type: application/json" in head.lower()
    assert b"content-length: 9" in head.lower()  # {"k":"v"}


async def test_a_form_with_basic_auth_is_sent_as_httpx2_sends_it() -> None:
    """A login's token request (form body, client_secret_basic) goes through this client: the
    body and the Authorization header are byte for byte what the httpx2 client sends."""
    form = {"grant_type": "authorization_code", "code": "a b&c=d/é", "client_id": "id:1"}
    auth = ("id%3A1", "s3cr%C3%A9t:+/")
    sent: list[tuple[bytes, bytes]] = []
    for client in (ProbeClient(environ={}), net.new_client(environ={})):
        async with raw_server(always(response("200 OK"))) as (origin, seen):
            try:
                await bounded_request(client, "POST", f"{origin}/token", data=form, auth=auth)
            finally:
                await client.aclose()
        (head,) = seen.requests
        pairs = [line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line]
        fields = {name.lower(): value for name, value in pairs}
        assert fields[b"content-type"] == b"application/x-www-form-urlencoded"
        sent.append((fields[b"authorization"], seen.bodies[0]))
    assert sent[0] == sent[1]


async def test_a_response_head_that_never_ends_is_refused_not_buffered() -> None:
    huge = b"HTTP/1.1 200 OK\r\nX-Pad: " + b"x" * (1024 * 1024)  # 1 MiB, no end of head
    async with raw_server(always(huge)) as (origin, _):
        client = ProbeClient(environ={})
        try:
            with pytest.raises(FetchFailed, match="RemoteProtocolError"):
                await bounded_request(client, "GET", f"{origin}/x")
        finally:
            await client.aclose()


async def test_garbage_instead_of_http_is_a_clean_failure() -> None:
    async with raw_server(always(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")) as (origin, _):
        client = ProbeClient(environ={})
        try:
            with pytest.raises(FetchFailed, match="RemoteProtocolError"):
                await bounded_request(client, "GET", f"{origin}/x")
        finally:
            await client.aclose()


async def test_a_body_cut_short_is_a_failure_not_a_document() -> None:
    cut = response("200 OK", {}, b'{"issuer": "x"}')[:-5]
    async with raw_server(always(cut), keep_alive=False) as (origin, _):
        client = ProbeClient(environ={})
        try:
            with pytest.raises(FetchFailed, match="RemoteProtocolError"):
                await bounded_request(client, "GET", f"{origin}/x")
        finally:
            await client.aclose()


async def test_chunked_and_gzip_bodies_are_decoded_within_the_limit() -> None:
    doc = json.dumps({"issuer": "http://127.0.0.1"}).encode()
    packed = gzip.compress(doc)
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
        + f"{len(packed):x}\r\n".encode()
        + packed
        + b"\r\n0\r\n\r\n"
    )
    big = response("200 OK", {}, b"x" * (MAX_BODY_BYTES + 10))
    async with raw_server(always(chunked)) as (origin, _), raw_server(always(big)) as (large, _):
        client = ProbeClient(environ={})
        try:
            fetched = await bounded_request(client, "GET", f"{origin}/x")
            assert fetched.json_object() == {"issuer": "http://127.0.0.1"}
            assert (await bounded_request(client, "GET", f"{large}/x")).too_large
        finally:
            await client.aclose()


async def test_a_proxy_named_by_the_environment_is_used() -> None:
    answer = response("401 Unauthorized", {"WWW-Authenticate": 'Bearer realm="proxied"'})
    async with raw_server(always(answer)) as (proxy, seen):
        client = ProbeClient(environ={"http_proxy": proxy})
        try:
            url = "http://mcp.does-not-exist.invalid/mcp"
            async with client.stream("GET", url, headers={}, timeout=5) as r:
                assert r.status_code == 401
        finally:
            await client.aclose()
    assert seen.requests and seen.requests[0].startswith(f"GET {url} HTTP/1.1".encode())


async def test_an_unsupported_scheme_is_a_transport_error() -> None:
    client = ProbeClient(environ={})
    with pytest.raises(TransportError):
        client.stream("GET", "ftp://127.0.0.1/x", headers={}, timeout=1)
    await client.aclose()


async def test_no_tls_context_for_plain_http() -> None:
    net.ssl_context.cache_clear()
    async with raw_server(always(response("401 Unauthorized"))) as (origin, _):
        client = ProbeClient(environ={})
        try:
            await probe_server(client, f"{origin}/mcp")
        finally:
            await client.aclose()
    assert net.ssl_context.cache_info().misses == 0


def _two_tenants(holder: dict[str, str]) -> Answer:
    """``/a/mcp`` names the origin as its authorization server, ``/b/mcp`` names
    ``{origin}/tenant``; the origin publishes AS metadata for both issuers."""

    def answer(head: bytes) -> bytes:
        base = holder["base"]
        path = head.split(b" ", 2)[1].decode()
        prm_prefix = "/.well-known/oauth-protected-resource"
        if path in ("/a/mcp", "/b/mcp"):
            challenge = f'Bearer resource_metadata="{base}{prm_prefix}{path}"'
            return response("401 Unauthorized", {"WWW-Authenticate": challenge})
        if path.startswith(prm_prefix):
            resource = path.removeprefix(prm_prefix)
            issuer = base if resource == "/a/mcp" else f"{base}/tenant"
            doc = {"resource": f"{base}{resource}", "authorization_servers": [issuer]}
            return response("200 OK", {}, json.dumps(doc).encode())
        if path.startswith("/.well-known/oauth-authorization-server"):
            me = base + path.removeprefix("/.well-known/oauth-authorization-server")
            doc = {
                "issuer": me,
                "authorization_endpoint": f"{me}/authorize",
                "token_endpoint": f"{me}/token",
            }
            return response("200 OK", {}, json.dumps(doc).encode())
        return response("404 Not Found")

    return answer


async def test_speculative_origin_metadata_is_discarded_when_the_prm_names_another_issuer() -> None:
    # The probe fetches the origin's AS metadata before it knows the issuer. /a's PRM names the
    # origin: that metadata is used. /b's names another issuer: its own metadata is fetched
    # and used, the speculative one is not.
    holder: dict[str, str] = {}
    async with raw_server(_two_tenants(holder)) as (base, seen):
        holder["base"] = base
        client = ProbeClient(environ={})
        cache = MetadataCache(client)
        try:
            a = await probe_server(client, f"{base}/a/mcp", cache=cache)
            b = await probe_server(client, f"{base}/b/mcp", cache=cache)
        finally:
            await cache.aclose()
            await client.aclose()
    assert a.oauth and a.issuer == base and a.as_metadata is not None
    assert a.as_metadata["token_endpoint"] == f"{base}/token"
    assert b.oauth and b.issuer == f"{base}/tenant" and b.as_metadata is not None
    assert b.as_metadata["token_endpoint"] == f"{base}/tenant/token"
    paths = [h.split(b" ", 2)[1] for h in seen.requests]
    # the origin's metadata once for both probes (shared per run), the tenant's once
    assert paths.count(b"/.well-known/oauth-authorization-server") == 1
    assert paths.count(b"/.well-known/oauth-authorization-server/tenant") == 1


def _servers_config(bases: list[str]) -> LoadedConfig:
    """One OAuth-protected server per base, at ``/a/mcp`` (see :func:`_two_tenants`)."""
    source = Source("user", Path("/x/c.toml"))
    servers = {
        f"s{n}": ServerConfig(
            name=f"s{n}", transport="streamable_http", url=f"{base}/a/mcp", source=source
        )
        for n, base in enumerate(bases)
    }
    return LoadedConfig(codex_home=Path("/x"), cwd=Path("/x"), project_root=None, servers=servers)


@pytest.mark.parametrize(
    ("concurrency", "connections"),
    [(4, 3), (2, 1)],  # every server in one wave: in parallel; more servers: in series
)
async def test_a_probe_asks_in_parallel_in_one_wave_and_in_series_beyond(
    concurrency: int, connections: int
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        holders: list[dict[str, str]] = [{} for _ in range(4)]
        servers = []
        for holder in holders:
            base, seen = await stack.enter_async_context(raw_server(_two_tenants(holder)))
            holder["base"] = base
            servers.append((base, seen))
        loaded = _servers_config([base for base, _ in servers])
        # planned without the refused-port pre-check, which would add a connection to the first
        plan = plan_statuses(loaded, None, environ={})
        statuses = await compute_statuses(
            loaded, None, environ={}, concurrency=concurrency, plan=plan
        )
    assert all(s.auth_status == "oauth_available" for s in statuses.values()), statuses
    for _, seen in servers:
        paths = sorted(h.split(b" ", 2)[1] for h in seen.requests)
        assert paths == [
            b"/.well-known/oauth-authorization-server",
            b"/.well-known/oauth-protected-resource/a/mcp",
            b"/a/mcp",
        ]
        assert seen.connections == connections


@pytest.mark.parametrize("probes", [1, event_loop.UVLOOP_FROM])
def test_the_probe_client_works_the_same_on_either_event_loop(probes: int) -> None:
    """Big runs go on uvloop (mcpdeck.event_loop): the client's protocol, timers and
    keep-alive behave as on asyncio's loop."""
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"

    async def scenario() -> tuple[str, int, bool]:
        loop_kind = type(asyncio.get_running_loop()).__module__
        async with (
            raw_server(always(chunked)) as (origin, seen),
            raw_server(lambda _head: None) as (silent, _),
        ):
            client = ProbeClient(environ={})
            try:
                for n in range(3):
                    fetched = await bounded_request(client, "GET", f"{origin}/doc/{n}")
                    assert fetched.json_object() == {}
                try:
                    await bounded_request(client, "GET", f"{silent}/x", timeout=0.2)
                    timed_out = False
                except FetchFailed:
                    timed_out = True
            finally:
                await client.aclose()
        return loop_kind, seen.connections, timed_out

    loop_kind, connections, timed_out = event_loop.run(scenario(), probes=probes)
    assert loop_kind.startswith("uvloop" if probes >= event_loop.UVLOOP_FROM else "asyncio")
    assert connections == 1 and timed_out


async def test_connects_that_hang_do_not_hold_up_the_other_servers() -> None:
    """A host that drops SYNs (a firewall, a VPN-only server off the VPN) keeps its connects
    pending until their timeout. Connections are opened a few at a time, but a pending connect
    hands its turn on: the other servers' requests still go out."""
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    port = blackhole.getsockname()[1]
    backlog = [socket.socket() for _ in range(3)]  # fill its queue: later SYNs are dropped
    for sock in backlog:
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
    async with raw_server(always(response("200 OK", {}, b"{}"))) as (origin, _):
        client = ProbeClient(environ={})
        stuck = [
            asyncio.ensure_future(
                bounded_request(client, "GET", f"http://127.0.0.1:{port}/{n}", timeout=10)
            )
            for n in range(2 * net_probe.CONNECTS_AT_ONCE)
        ]
        try:
            await asyncio.sleep(0.05)  # every stuck connect has taken or queued for a turn
            fetched = await bounded_request(client, "GET", f"{origin}/x", timeout=2)
            assert fetched.status == 200
            assert not any(task.done() for task in stuck)  # still pending, as the host wants
        finally:
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
            await client.aclose()
            for sock in [*backlog, blackhole]:
                sock.close()


async def test_a_hard_limit_on_open_files_means_fewer_servers_at_once_not_failures(
    tmp_path: Path,
) -> None:
    """`mcpdeck list` under a hard limit of 100 open files, 40 servers (three sockets each when
    probed at once): every one is resolved, none fails with "connection failed"."""
    async with contextlib.AsyncExitStack() as stack:
        holders: list[dict[str, str]] = [{} for _ in range(40)]
        for holder in holders:
            base, _ = await stack.enter_async_context(raw_server(_two_tenants(holder)))
            holder["base"] = base
        home = tmp_path / "codex"
        home.mkdir()
        blocks = [f'[mcp_servers.s{n}]\nurl = "{h["base"]}/a/mcp"\n' for n, h in enumerate(holders)]
        (home / "config.toml").write_text(
            'mcp_oauth_credentials_store = "file"\n\n' + "\n".join(blocks), encoding="utf-8"
        )
        script = (
            "import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))\n"
            "from mcpdeck.cli import main\n"
            "sys.exit(main(['list', '--json']))\n"
        )
        env = {**os.environ, "CODEX_HOME": str(home), "HOME": str(tmp_path)}
        for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(name, None)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, err.decode()
    rows = json.loads(out)
    assert [r["auth_status"] for r in rows] == ["oauth_available"] * 40, [
        r["auth"] for r in rows if r["auth_status"] != "oauth_available"
    ]


async def test_requests_beyond_an_origins_limit_wait_their_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many servers behind one host: at most MAX_CONNECTIONS_PER_ORIGIN requests at a time,
    and every request still gets its turn."""
    monkeypatch.setattr(net_probe, "MAX_CONNECTIONS_PER_ORIGIN", 3)
    async with raw_server(always(response("200 OK", {}, b"{}")), delay=0.02) as (origin, seen):
        client = ProbeClient(environ={})
        try:
            fetched = await asyncio.gather(
                *(bounded_request(client, "GET", f"{origin}/{n}", timeout=5) for n in range(12))
            )
        finally:
            await client.aclose()
    assert [f.status for f in fetched] == [200] * 12
    assert seen.most_answering == 3
