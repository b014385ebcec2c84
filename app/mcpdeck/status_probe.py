"""Authentication status over the network: the refused-port pre-check, the OAuth probes and
the stored-token checks of many servers at once (bounded concurrency, per-server timeouts).
What needs no network is decided first, in ``mcpdeck.status``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.status import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT_SEC,
    AuthInfo,
    ServerStatus,
    StatusPlan,
    in_config_order,
    join_detail,
    plan_statuses,
)

if TYPE_CHECKING:
    from mcpdeck.oauth.fetch import HttpClient
    from mcpdeck.oauth.probe import MetadataCache
    from mcpdeck.status import CredentialLookup


async def _probe(
    server: ServerConfig,
    http: HttpClient,
    timeout: float,
    fallback: AuthInfo | None,
    cache: MetadataCache,
) -> ServerStatus:
    import asyncio

    from mcpdeck.oauth.probe import probe_server

    assert server.url is not None
    base = fallback or AuthInfo(detail="")
    try:
        async with asyncio.timeout(timeout):
            result = await probe_server(http, server.url, cache=cache)
    except TimeoutError:
        base.detail = join_detail(base.detail, f"discovery timed out after {timeout:g} s")
        return ServerStatus(server.name, "none", base, probed=True, failed=True)
    except Exception as exc:
        base.detail = join_detail(base.detail, f"discovery failed: {type(exc).__name__}: {exc}")
        return ServerStatus(server.name, "none", base, probed=True, failed=True)
    if result.oauth:
        hint = _prelogin_hint(server, result) or f"run `mcpdeck login {server.name}`"
        base.detail = join_detail(base.detail, f"{result.detail}; {hint}")
        base.issuer = base.issuer or result.issuer
        return ServerStatus(server.name, "oauth_available", base, probed=True)
    base.detail = join_detail(base.detail, result.detail)
    return ServerStatus(server.name, "none", base, probed=True, failed=result.error is not None)


async def _tried(
    status: ServerStatus,
    server: ServerConfig,
    token: str,
    http: HttpClient,
    timeout: float,
) -> ServerStatus:
    """The stored token tried at the server: still authenticated, or rejected (issue 13)."""
    from mcpdeck.oauth.acceptance import token_rejection

    assert server.url is not None
    why = await token_rejection(http, server.url, token, timeout=timeout)
    if why is None:
        return status
    status.auth_status = "oauth_available"
    status.auth.detail = why
    status.probed = True
    return status


def _prelogin_hint(server: ServerConfig, result: Any) -> str | None:
    """The first problem a login would hit, seen in the metadata the probe fetched."""
    from mcpdeck.diagnostics.prelogin import Advertised, hint

    return hint(
        server,
        Advertised(result.prm, result.as_metadata, result.issuer, result.named_issuer),
    )


async def _from_helper(
    server: ServerConfig, loaded: LoadedConfig, environ: Mapping[str, str] | None
) -> ServerStatus | None:
    """Run the server's http_headers_helper (as a session would): an Authorization header in
    its output is a bearer token; a failure is the status. None: the helper set no Authorization."""
    if server.http_headers_helper is None:
        return None
    from mcpdeck.session.header_helper import HeaderHelperError, run_headers_helper

    try:
        headers = await run_headers_helper(server.http_headers_helper, loaded.cwd, environ=environ)
    except HeaderHelperError as exc:
        return ServerStatus(server.name, "none", AuthInfo(detail=str(exc)), failed=True)
    if any(k.lower() == "authorization" for k in headers) or server.has_authorization_header(
        os.environ if environ is None else environ
    ):
        return ServerStatus(
            server.name,
            "bearer_token",
            AuthInfo(detail="Authorization header from http_headers_helper"),
        )
    return None


def _probe_outcome(server: ServerConfig, fallback: AuthInfo | None, status: ServerStatus) -> None:
    if fallback is not None and status.auth_status == "none":
        # Stored but unusable credentials: the server did use OAuth once.
        status.auth_status = "oauth_available"


def settle_refused(plan: StatusPlan, wait: float = 0.2) -> None:
    """Decide the servers whose loopback port refuses connections, without an HTTP client.

    Configured local servers that are not running are common; a loopback port nobody listens
    on answers a connection attempt with a reset at once (microseconds). Knowing that before
    any HTTP exchange spares `list --json` the imports of asyncio and the HTTP stack (about
    100 ms of its 130) when every probe would fail that way. The detail is the probe's own.
    """
    by_origin: dict[tuple[str, int], list[tuple[ServerConfig, AuthInfo | None]]] = {}
    rest: list[tuple[ServerConfig, AuthInfo | None]] = []
    for server, fallback in plan.to_probe:
        # A header helper's outcome decides first (compute_statuses runs it).
        origin = None if server.http_headers_helper else _loopback_origin(server.url or "")
        if origin is None:
            rest.append((server, fallback))
        else:
            by_origin.setdefault(origin, []).append((server, fallback))
    if not by_origin:
        return
    refused = _refusing(list(by_origin), wait)
    for origin, servers in by_origin.items():
        if origin not in refused:
            rest.extend(servers)
            continue
        for server, fallback in servers:
            info = fallback or AuthInfo(detail="")
            info.detail = join_detail(
                info.detail, f"discovery failed: {server.url}: connection failed"
            )
            status = ServerStatus(server.name, "none", info, probed=True, failed=True)
            _probe_outcome(server, fallback, status)
            plan.decided.append(status)
    still = {id(server) for server, _ in rest}
    plan.to_probe = [p for p in plan.to_probe if id(p[0]) in still]  # config order kept


def _loopback_origin(url: str) -> tuple[str, int] | None:
    from urllib.parse import urlsplit

    from mcpdeck.net import is_loopback_host  # loopback is never reached through a proxy

    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    host = parts.hostname
    if port is None or host is None or not is_loopback_host(host):
        return None
    return host, port


def _refusing(origins: list[tuple[str, int]], wait: float) -> set[tuple[str, int]]:
    """The origins where every address refused a TCP connection, checked one at a time.

    Stops at the first origin that accepts: an HTTP client is needed then anyway, and its
    probes report refusals themselves (so a config of 1000 running servers costs one extra
    connection, not 1000).
    """
    import errno
    import select
    import socket

    refused: set[tuple[str, int]] = set()
    for host, port in origins:
        try:
            # bytes, not str: a str host goes through the idna codec, whose import (stringprep,
            # unicodedata) costs about 2 ms; loopback names are ASCII.
            infos = socket.getaddrinfo(host.encode("ascii"), port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeEncodeError):
            return refused
        for family, kind, proto, _, address in infos:
            with socket.socket(family, kind, proto) as sock:
                sock.setblocking(False)
                code = sock.connect_ex(address)
                if code == errno.EINPROGRESS:
                    select.select([], [sock], [], wait)
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code != errno.ECONNREFUSED:
                    return refused  # it answered (or failed otherwise): probe for real
        refused.add((host, port))
    return refused


def plan_and_settle(
    loaded: LoadedConfig, credentials: CredentialLookup | None, **kwargs: Any
) -> StatusPlan:
    """``plan_statuses`` then ``settle_refused``: everything decided before any HTTP exchange."""
    plan = plan_statuses(loaded, credentials, **kwargs)
    settle_refused(plan)
    return plan


async def compute_statuses(
    loaded: LoadedConfig,
    credentials: CredentialLookup | None,
    *,
    names: list[str] | None = None,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SEC,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_result: Callable[[ServerStatus], None] | None = None,
    environ: Mapping[str, str] | None = None,
    http: HttpClient | None = None,
    plan: StatusPlan | None = None,
    check_tokens: bool = False,
) -> dict[str, ServerStatus]:
    """Status of every server (or of ``names``), in config order; ``on_result`` sees each early.

    ``check_tokens``: try each stored token at its server (the TUI's checks); a 401 turns
    "authenticated" into "token rejected by the server"."""
    import asyncio

    results: list[ServerStatus] = []

    def done(status: ServerStatus) -> None:
        results.append(status)
        if on_result is not None:
            on_result(status)

    if plan is None:
        # The keyring may block on D-Bus: plan in a thread so the caller's loop stays responsive.
        plan = await asyncio.to_thread(
            plan_and_settle,
            loaded,
            credentials,
            names=names,
            offline=offline,
            environ=environ,
            check_tokens=check_tokens,
        )
    for status in plan.decided:
        done(status)

    if plan.to_probe or plan.to_try:
        from mcpdeck.net import ensure_open_files
        from mcpdeck.net_probe import MAX_IDLE_CONNECTIONS, ProbeClient
        from mcpdeck.oauth.probe import MetadataCache

        jobs_count = len(plan.to_probe) + len(plan.to_try)
        # A probe is three requests to the server's origin. When every server fits in one wave
        # they go in parallel (three connections, a 200 ms server answers in 200 ms); when
        # there are more servers than that, throughput counts, not one server's latency: the
        # three go in series on one kept-alive connection (2000 fewer connections for 1000
        # servers: 0.7-0.9 s less of the servers' CPU, 0.2 s less of ours), and as a server
        # then holds one socket instead of three, four times as many run at once (1000
        # servers answering in 200 ms in one wave of 1024, not two of 768: 2.91 -> 2.67 s).
        speculate = jobs_count <= concurrency
        workers = min(jobs_count, concurrency if speculate else 4 * concurrency)
        per_server = 3 if speculate else 1  # sockets a server's probe holds at once
        idle = max(MAX_IDLE_CONNECTIONS, workers)
        needed = per_server * workers + idle + 256  # 256: the process's own files
        limit = ensure_open_files(needed)
        if limit is not None and limit < needed:
            # The hard limit is lower: fewer servers at once and fewer kept-alive connections
            # rather than "connection failed" for the servers past the limit.
            room = limit - min(256, limit // 2)
            workers = max(1, room // (2 * per_server))
            idle = max(1, room - per_server * workers)
        own_client = http is None
        client = http or ProbeClient(environ=environ, max_idle=idle)
        cache = MetadataCache(client, speculate=speculate)

        async def one(server: ServerConfig, fallback: AuthInfo | None) -> None:
            helped = await _from_helper(server, loaded, environ)
            if helped is not None:
                done(helped)
                return
            status = await _probe(server, client, timeout, fallback, cache)
            _probe_outcome(server, fallback, status)
            done(status)

        async def attempt(status: ServerStatus, server: ServerConfig, token: str) -> None:
            done(await _tried(status, server, token, client, timeout))

        # Coroutines are made when a worker takes the job: one never started (a cancelled
        # run) would warn that it was never awaited.
        jobs = iter(
            [
                *(partial(one, *p) for p in plan.to_probe),
                *(partial(attempt, *t) for t in plan.to_try),
            ]
        )

        async def worker() -> None:
            for job in jobs:
                await job()

        # ``workers`` tasks taking the next server, not one task per server behind a
        # semaphore: with 1000 servers, 750 waiters made every release scan them
        # (Semaphore.locked), about 0.1 s of CPU.
        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        finally:
            await cache.aclose()
            if own_client:
                await client.aclose()

    return in_config_order(loaded, results)
