"""Authentication status of many servers at once (bounded concurrency, per-server timeouts).

The four values are the CLI/JSON contract (docs/architecture.md, "Contracts"):
``authenticated``, ``oauth_available``, ``bearer_token``, ``none``. Order of evidence:
configuration first (no I/O), stored credentials next (a blocking store, read in a thread), the
network last (probes run concurrently).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.redact import redact
from mcpdeck.timefmt import describe_time_left

if TYPE_CHECKING:
    from mcpdeck.oauth.fetch import HttpClient
    from mcpdeck.oauth.probe import MetadataCache

AuthStatus = Literal["authenticated", "oauth_available", "bearer_token", "none"]
DEFAULT_TIMEOUT_SEC = 5.0
# Servers probed at once (three requests each, in parallel). With the lean probe client
# (mcpdeck.net_probe) 1000 servers cost about 1.3 s of CPU in all (4.2 s through httpx2).
# Starting all of them at once spends the first second opening 3000 connections before any
# answer is read; 256 at a time keeps sending and reading interleaved (1000 servers at 200 ms
# each: 3.2-3.4 s at 256 vs 3.4-3.6 s at 1000 and 3.9 s at 128, on a loaded 2-core machine).
DEFAULT_CONCURRENCY = 256


class CredentialLookup(Protocol):
    """What status needs from the credential facade: the record and the backend holding it."""

    def locate(self, key: CredentialKey) -> tuple[CredentialRecord, str] | None: ...


@dataclass
class AuthInfo:
    detail: str
    expires_at: float | None = None
    scopes: list[str] = field(default_factory=list)
    store: str | None = None
    refreshable: bool = False
    requested_scopes: list[str] = field(default_factory=list)
    issuer: str | None = None
    obtained_at: float | None = None  # when the stored tokens were issued (last login)


@dataclass
class ServerStatus:
    name: str
    auth_status: AuthStatus
    auth: AuthInfo
    probed: bool = False
    # True when the status could not be determined (probe timed out or failed, store error).
    failed: bool = False
    checked_at: float = field(default_factory=time.time)

    def auth_json(self) -> dict[str, Any]:
        """The ``auth`` object of ``list --json``."""
        info = asdict(self.auth)
        expires = self.auth.expires_at
        info["expires_at"] = _iso(expires) if expires is not None else None
        info["detail"] = redact(self.auth.detail)
        return {k: info[k] for k in ("detail", "expires_at", "scopes", "store", "refreshable")}


def status_to_json(status: ServerStatus) -> dict[str, Any]:
    """Everything of a status as JSON (the TUI's probe worker sends these over a pipe)."""
    return asdict(status)


def status_from_json(data: dict[str, Any]) -> ServerStatus:
    fields = dict(data)
    fields["auth"] = AuthInfo(**fields["auth"])
    return ServerStatus(**fields)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def status_from_config(
    server: ServerConfig, environ: Mapping[str, str] | None = None
) -> ServerStatus | None:
    """The status when the configuration alone decides it; None when credentials or a probe must."""
    env = os.environ if environ is None else environ
    reason = server.inactive_reason
    if reason is not None:
        return ServerStatus(server.name, "none", AuthInfo(detail=reason))
    if server.transport == "stdio":
        return ServerStatus(server.name, "none", AuthInfo(detail="stdio server: no authentication"))
    if server.bearer_token_env_var:
        var = server.bearer_token_env_var
        detail = f"{var} is set" if env.get(var) else f"{var} is not set"
        return ServerStatus(server.name, "bearer_token", AuthInfo(detail=detail))
    if server.http_headers_helper is not None:
        return None  # the helper's output decides (compute_statuses runs it)
    if server.has_authorization_header(env):
        where = (
            "http_headers"
            if any(k.lower() == "authorization" for k in server.http_headers)
            else "env_http_headers"
        )
        return ServerStatus(
            server.name, "bearer_token", AuthInfo(detail=f"Authorization header from {where}")
        )
    return None


def status_from_record(
    server: ServerConfig, record: CredentialRecord, store: str, now: float | None = None
) -> ServerStatus | None:
    """The status given stored credentials; None when they are unusable and a probe should decide."""
    now = time.time() if now is None else now
    info = AuthInfo(
        detail="",
        expires_at=record.expires_at,
        scopes=list(record.granted_scopes or record.requested_scopes),
        store=store,
        refreshable=record.refreshable,
        requested_scopes=list(record.requested_scopes),
        issuer=record.issuer,
        obtained_at=record.obtained_at,
    )
    if record.unusable_reason:
        info.detail = record.unusable_reason
        info.refreshable = False
        return ServerStatus(server.name, "oauth_available", info)
    left = record.expires_in(now)
    if left is None:
        info.detail = "logged in (token does not expire)"
    elif left > 0:
        info.detail = f"logged in; token valid for {describe_time_left(left)}"
    elif record.refreshable:
        info.detail = "token expired; it will be refreshed on next use"
    else:
        info.detail = "token expired and no refresh token; log in again"
        return ServerStatus(server.name, "oauth_available", info)
    return ServerStatus(server.name, "authenticated", info)


def _lookup_all(
    servers: list[ServerConfig], loaded: LoadedConfig, credentials: CredentialLookup
) -> dict[str, tuple[CredentialRecord, str] | BaseException | None]:
    out: dict[str, tuple[CredentialRecord, str] | BaseException | None] = {}
    for server in servers:
        assert server.url is not None
        key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
        try:
            out[server.name] = credentials.locate(key)
        except Exception as exc:  # a broken store must not hide the other servers
            out[server.name] = exc
    return out


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
        base.detail = _join(base.detail, f"discovery timed out after {timeout:g} s")
        return ServerStatus(server.name, "none", base, probed=True, failed=True)
    except Exception as exc:
        base.detail = _join(base.detail, f"discovery failed: {type(exc).__name__}: {exc}")
        return ServerStatus(server.name, "none", base, probed=True, failed=True)
    if result.oauth:
        hint = _prelogin_hint(server, result) or f"run `mcpdeck login {server.name}`"
        base.detail = _join(base.detail, f"{result.detail}; {hint}")
        base.issuer = base.issuer or result.issuer
        return ServerStatus(server.name, "oauth_available", base, probed=True)
    base.detail = _join(base.detail, result.detail)
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


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


@dataclass
class StatusPlan:
    """What configuration and stored credentials decide; the rest needs a network probe."""

    decided: list[ServerStatus] = field(default_factory=list)
    to_probe: list[tuple[ServerConfig, AuthInfo | None]] = field(default_factory=list)
    # Authenticated by the store, to be tried at the server (``check_tokens``).
    to_try: list[tuple[ServerStatus, ServerConfig, str]] = field(default_factory=list)


def plan_statuses(
    loaded: LoadedConfig,
    credentials: CredentialLookup | None,
    *,
    names: list[str] | None = None,
    offline: bool = False,
    environ: Mapping[str, str] | None = None,
    check_tokens: bool = False,
) -> StatusPlan:
    """Decide every status that needs no network. Blocking: reads the credential store."""
    plan = StatusPlan()
    undecided: list[ServerConfig] = []
    for name, server in loaded.visible().items():
        if names is not None and name not in names:
            continue
        decided = status_from_config(server, environ)
        if decided is not None:
            plan.decided.append(decided)
        else:
            undecided.append(server)

    stored: dict[str, tuple[CredentialRecord, str] | BaseException | None] = {}
    if undecided and credentials is not None:
        stored = _lookup_all(undecided, loaded, credentials)

    for server in undecided:
        found = stored.get(server.name)
        fallback: AuthInfo | None = None
        if isinstance(found, BaseException):
            fallback = AuthInfo(
                detail=f"credential store error: {redact(str(found))}",
                # Codex's encrypted secrets store: say where the tokens are held.
                store=getattr(found, "store", None),
            )
        elif found is not None:
            record, store = found
            status = status_from_record(server, record, store)
            if status is not None and status.auth_status == "authenticated":
                if check_tokens and not offline and server.url and not record.is_expired():
                    plan.to_try.append((status, server, record.access_token))
                else:
                    plan.decided.append(status)
                continue
            fallback = status.auth if status is not None else None
        if offline:
            info = fallback or AuthInfo(detail="")
            if server.http_headers_helper is not None and server.has_authorization_header(
                os.environ if environ is None else environ
            ):
                plan.decided.append(
                    ServerStatus(
                        server.name,
                        "bearer_token",
                        AuthInfo(detail="Authorization header from http_headers"),
                    )
                )
                continue
            if server.http_headers_helper is not None:
                info.detail = _join(info.detail, "http_headers_helper not run (--offline)")
            info.detail = _join(info.detail, "not probed (--offline)")
            state: AuthStatus = "oauth_available" if fallback else "none"
            plan.decided.append(ServerStatus(server.name, state, info))
        else:
            plan.to_probe.append((server, fallback))
    return plan


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


def codex_auth_status(
    server: ServerConfig, status: ServerStatus | None, environ: Mapping[str, str] | None = None
) -> str:
    """The word `codex mcp list --json` 0.171.0 prints for this server (checked against it).

    Codex's list never runs an http_headers_helper (``unknown``), counts bearer_token_env_var
    even when the variable is unset, and drops an env header whose variable is unset.
    """
    env = os.environ if environ is None else environ
    if not server.codex_enabled or server.transport != "streamable_http":
        return "unsupported"
    if server.bearer_token_env_var:
        return "bearer_token"
    if server.http_headers_helper is not None:
        return "unknown"
    if server.has_authorization_header(env):
        return "bearer_token"
    if status is None:
        return "unknown"
    if status.auth_status == "authenticated":
        return "o_auth"
    if status.auth_status == "oauth_available":
        return "not_logged_in"
    if status.auth_status == "bearer_token":
        return "bearer_token"
    return "unknown" if status.failed else "unsupported"


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
            info.detail = _join(info.detail, f"discovery failed: {server.url}: connection failed")
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
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
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


def in_config_order(loaded: LoadedConfig, statuses: list[ServerStatus]) -> dict[str, ServerStatus]:
    order = {name: i for i, name in enumerate(loaded.visible())}
    return {s.name: s for s in sorted(statuses, key=lambda s: order.get(s.name, 0))}


def offline_statuses(
    loaded: LoadedConfig,
    credentials: CredentialLookup | None,
    *,
    environ: Mapping[str, str] | None = None,
) -> dict[str, ServerStatus]:
    """``list --offline``: synchronous, no event loop, no HTTP client (start-up budget)."""
    plan = plan_statuses(loaded, credentials, offline=True, environ=environ)
    return in_config_order(loaded, plan.decided)


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
        from mcpdeck.net_probe import ProbeClient
        from mcpdeck.oauth.probe import MetadataCache

        ensure_open_files(3 * min(concurrency, len(plan.to_probe) + len(plan.to_try)) + 256)
        gate = asyncio.Semaphore(concurrency)
        own_client = http is None
        client = http or ProbeClient(environ=environ)
        cache = MetadataCache(client)

        async def one(server: ServerConfig, fallback: AuthInfo | None) -> None:
            async with gate:
                helped = await _from_helper(server, loaded, environ)
                if helped is not None:
                    done(helped)
                    return
                status = await _probe(server, client, timeout, fallback, cache)
            _probe_outcome(server, fallback, status)
            done(status)

        async def attempt(status: ServerStatus, server: ServerConfig, token: str) -> None:
            async with gate:
                done(await _tried(status, server, token, client, timeout))

        try:
            await asyncio.gather(
                *(one(s, f) for s, f in plan.to_probe),
                *(attempt(st, s, t) for st, s, t in plan.to_try),
            )
        finally:
            await cache.aclose()
            if own_client:
                await client.aclose()

    return in_config_order(loaded, results)
