"""OAuth discovery for an MCP server (reference/mcp-auth-client.md, "Discovery").

WWW-Authenticate parsing, the protected-resource metadata (RFC 9728) ladder and resource
check, the authorization-server metadata (RFC 8414 / OIDC) ladder with exact issuer match, and
the 2025-03-26 legacy fallbacks. Only stdlib and httpx2: ``mcpdeck list`` imports this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2

from mcpdeck.oauth.errors import DiscoveryError, OAuthError
from mcpdeck.oauth.fetch import (
    MCP_PROTOCOL_VERSION,
    Fetched,
    FetchFailed,
    bounded_request,
    initialize_request,
    require_secure,
)
from mcpdeck.oauth.trace import FlowTrace, Status, Step

PROBE_TIMEOUT_SEC = 10.0

# ---------------------------------------------------------------------------------------------
# WWW-Authenticate


@dataclass
class Challenge:
    """One challenge of a WWW-Authenticate header (RFC 9110 §11.6.1)."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None

    @property
    def is_bearer(self) -> bool:
        return self.scheme.lower() == "bearer"

    @property
    def resource_metadata(self) -> str | None:
        return self.params.get("resource_metadata") or None

    @property
    def scope(self) -> str | None:
        return self.params.get("scope") or None

    @property
    def scopes(self) -> list[str]:
        return (self.scope or "").split()

    @property
    def error(self) -> str | None:
        return self.params.get("error") or None

    @property
    def error_description(self) -> str | None:
        return self.params.get("error_description") or None


_TCHAR = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TOKEN68 = _TCHAR | set("/=")


def parse_www_authenticate(header: str) -> list[Challenge]:
    """All challenges of a header value; tolerant of sloppy servers, never raises."""
    s = header or ""
    i, n = 0, len(s)
    out: list[Challenge] = []

    def skip_ws(j: int) -> int:
        while j < n and s[j] in " \t":
            j += 1
        return j

    def read_token(j: int) -> tuple[str, int]:
        k = j
        while k < n and s[k] in _TCHAR:
            k += 1
        return s[j:k], k

    def read_value(j: int) -> tuple[str, int]:
        if j < n and s[j] == '"':
            j += 1
            buf: list[str] = []
            while j < n and s[j] != '"':
                if s[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(s[j])
                j += 1
            return "".join(buf), min(j + 1, n)
        k = j
        while k < n and s[k] not in ", \t":
            k += 1
        return s[j:k], k

    current: Challenge | None = None
    while i < n:
        i = skip_ws(i)
        if i < n and s[i] == ",":
            i += 1
            continue
        if i >= n:
            break
        token, j = read_token(i)
        if not token:
            i += 1  # garbage character: skip it
            continue
        k = skip_ws(j)
        if current is not None and k < n and s[k] == "=" and not _is_token68_end(s, j):
            value, i = read_value(skip_ws(k + 1))
            current.params.setdefault(token.lower(), value)
            continue
        # A new challenge: scheme, then maybe a token68.
        current = Challenge(scheme=token)
        out.append(current)
        i = skip_ws(j)
        if i < n and s[i] != ",":
            _, tok_end = read_token(i)
            if _looks_like_param(s, i) and not _is_token68_end(s, tok_end):
                continue  # "Bearer realm=x": parameters follow
            t68_end = i
            while t68_end < n and s[t68_end] in _TOKEN68:
                t68_end += 1
            after = skip_ws(t68_end)
            if t68_end > i and (after >= n or s[after] == ","):
                current.token68 = s[i:t68_end]
                i = after
    return out


def _is_token68_end(s: str, j: int) -> bool:
    """True when s[j:] is only '=' padding up to a comma or the end ("abc==")."""
    k = j
    while k < len(s) and s[k] == "=":
        k += 1
    if k - j < 2:
        return False
    while k < len(s) and s[k] in " \t":
        k += 1
    return k >= len(s) or s[k] == ","


def _looks_like_param(s: str, j: int) -> bool:
    k = j
    while k < len(s) and s[k] in _TCHAR:
        k += 1
    while k < len(s) and s[k] in " \t":
        k += 1
    return k < len(s) and s[k] == "="


def bearer_challenge(header: str | None) -> Challenge | None:
    """The Bearer challenge of a header, if any."""
    for challenge in parse_www_authenticate(header or ""):
        if challenge.is_bearer:
            return challenge
    return None


# ---------------------------------------------------------------------------------------------
# URLs


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def canonical_resource(url: str) -> str:
    """RFC 8707 canonical URI: lowercase scheme and host, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def prm_well_known_urls(server_url: str) -> list[str]:
    """Path-aware well-known URL first, then the root (RFC 9728 §3.1)."""
    parts = urlsplit(server_url)
    base = origin_of(server_url)
    path = parts.path.rstrip("/")
    urls = []
    if path:
        urls.append(f"{base}/.well-known/oauth-protected-resource{path}")
    urls.append(f"{base}/.well-known/oauth-protected-resource")
    return urls


def as_metadata_urls(issuer: str) -> list[str]:
    """RFC 8414 path insertion, then the OIDC variants (reference rule 4)."""
    parts = urlsplit(issuer)
    base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    path = parts.path.rstrip("/")
    if path:
        return [
            f"{base}/.well-known/oauth-authorization-server{path}",
            f"{base}/.well-known/openid-configuration{path}",
            f"{base}{path}/.well-known/openid-configuration",
        ]
    return [
        f"{base}/.well-known/oauth-authorization-server",
        f"{base}/.well-known/openid-configuration",
    ]


def host_alias_url(prm_resource: str, server_url: str) -> str | None:
    """The server URL under the host name its PRM uses, when only the host differs and both
    are loopback names (127.0.0.1 vs localhost): the URL the user should configure."""
    from mcpdeck.net import is_loopback_host

    a, b = urlsplit(prm_resource), urlsplit(server_url)
    if a.hostname == b.hostname or not (
        is_loopback_host(a.hostname) and is_loopback_host(b.hostname)
    ):
        return None
    if a.scheme.lower() != b.scheme.lower() or _port(a) != _port(b):
        return None
    swapped = server_url.replace(b.netloc, a.netloc, 1)
    return swapped if resource_matches(prm_resource, swapped) else None


def differs_by_trailing_slash(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are the same but for exactly one trailing '/'."""
    return a + "/" == b or b + "/" == a


def resource_matches(prm_resource: str, server_url: str, *, origin_allowed: bool = True) -> bool:
    """The PRM ``resource`` names this server (RFC 9728 §3.3).

    Identical to the server URL (scheme and host case, default port and a trailing slash aside);
    or, when ``origin_allowed``, the server's origin: that is the identifier a PRM at the root
    well-known URL was derived from, and what the conformance suite's servers and many real
    ones publish. A path in between (``https://host/tenant`` for ``https://host/tenant/mcp``)
    or anywhere else is refused: a resource on the same host could otherwise widen the token's
    audience beyond this server.
    """
    try:
        a, b = urlsplit(prm_resource), urlsplit(server_url)
        same_origin = (
            a.scheme.lower() == b.scheme.lower()
            and (a.hostname or "").lower() == (b.hostname or "").lower()
            and _port(a) == _port(b)
        )
    except ValueError:  # a host such as "a]b": no resource of ours
        return False
    if not same_origin or a.fragment:
        return False
    want = a.path.rstrip("/")
    have = b.path.rstrip("/")
    if have == want and a.query == b.query:
        return True
    return origin_allowed and want == "" and not a.query


def _port(parts: Any) -> int | None:
    try:
        port: int | None = parts.port
    except ValueError:
        return None
    if port is None:
        return {"https": 443, "http": 80}.get(parts.scheme.lower())
    return port


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Discovery:
    """Everything a login needs to know about the server and its authorization server."""

    server_url: str
    challenge: Challenge | None
    prm: dict[str, Any] | None
    prm_url: str | None
    # The resource indicator to send by default: the PRM resource verbatim, else canonical URI.
    resource: str
    issuer: str
    as_metadata: dict[str, Any]
    as_metadata_url: str | None
    # "prm" (current spec), "legacy-metadata" or "legacy-defaults" (2025-03-26 fallbacks)
    mode: str = "prm"
    # The issuer as the PRM names it, when it differs from the metadata's (a trailing '/').
    named_issuer: str | None = None

    @property
    def scopes_supported(self) -> list[str]:
        """The PRM's scopes_supported (never the AS's: reference, scopes)."""
        value = (self.prm or {}).get("scopes_supported")
        return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []

    @property
    def as_scopes_supported(self) -> list[str]:
        value = self.as_metadata.get("scopes_supported")
        return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []

    def endpoint(self, name: str) -> str | None:
        value = self.as_metadata.get(name)
        return value if isinstance(value, str) and value else None


@dataclass
class ProbeResult:
    oauth: bool
    detail: str
    challenge: Challenge | None = None
    prm: dict[str, Any] | None = None
    resource: str | None = None
    issuer: str | None = None
    as_metadata: dict[str, Any] | None = None
    error: str | None = None
    status: int | None = None
    named_issuer: str | None = None  # the PRM's spelling of the issuer, when it differs
    suggested_url: str | None = None  # the url to configure instead (a host alias)


# ---------------------------------------------------------------------------------------------
# Requests


class MetadataCache:
    """Metadata GETs shared by every discovery of one run: one request per URL.

    Servers behind one authorization server share its metadata, and servers on one origin
    share the root PRM; each is fetched once per run. Entries are tasks, so probes running at
    the same time wait for the same request, and a request can start before anyone needs it
    (``prefetch``: the predicted URLs of a probe).
    """

    def __init__(self, http: httpx2.AsyncClient) -> None:
        self._http = http
        self._tasks: dict[str, asyncio.Task[tuple[Fetched | None, str | None]]] = {}

    def get(self, url: str) -> asyncio.Task[tuple[Fetched | None, str | None]]:
        task = self._tasks.get(url)
        if task is None:
            task = asyncio.ensure_future(_get_metadata(self._http, url, _Tracer(None), "metadata"))
            self._tasks[url] = task
        return task

    def prefetch(self, url: str) -> None:
        self.get(url)

    async def aclose(self) -> None:
        """Cancel the requests nobody asked for in the end (and collect every outcome)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class _Tracer:
    """Where a discovery reports its steps, and the run's metadata cache (``probe_server``)."""

    def __init__(self, trace: FlowTrace | None, cache: MetadataCache | None = None) -> None:
        self.trace = trace
        self.cache = cache

    def emit(
        self, step: Step, status: Status, summary: str, *, ms: float | None = None, **data: Any
    ) -> None:
        if self.trace is not None:
            self.trace.emit(
                step, status, summary, elapsed_ms=None if ms is None else round(ms, 1), **data
            )


async def _get_metadata(
    http: httpx2.AsyncClient, url: str, tracer: _Tracer, what: str
) -> tuple[Fetched | None, str | None]:
    """GET one metadata URL. Returns (response, None) or (None, why it failed)."""
    if tracer.cache is not None:
        return await asyncio.shield(tracer.cache.get(url))
    try:
        fetched = await bounded_request(
            http,
            "GET",
            url,
            headers={"Accept": "application/json", "MCP-Protocol-Version": MCP_PROTOCOL_VERSION},
        )
    except FetchFailed as exc:
        tracer.emit("discovery", "fail", f"GET {url} ({what}): {exc.message}", url=url)
        return None, exc.message
    tracer.emit(
        "discovery",
        "ok" if fetched.status == 200 else "fail",
        f"GET {url} ({what}) → {fetched.status} in {fetched.elapsed_ms:.0f} ms",
        url=url,
        http_status=fetched.status,
        ms=fetched.elapsed_ms,
    )
    if 300 <= fetched.status < 400:
        where = fetched.headers.get("location", "?")
        return None, f"{url}: redirect to {where} not followed (metadata must be served directly)"
    if fetched.status != 200:
        return None, f"{url}: HTTP {fetched.status}"
    return fetched, None


async def _find_prm(
    http: httpx2.AsyncClient, server_url: str, challenge: Challenge | None, tracer: _Tracer
) -> tuple[dict[str, Any] | None, str | None]:
    """The PRM document and its URL, (None, None) when the server publishes none."""
    named = challenge.resource_metadata if challenge else None
    if named:
        if not named.lower().startswith(("https://", "http://")):
            raise DiscoveryError(f"{server_url}: resource_metadata is not an http(s) URL: {named}")
        fetched, why = await _get_metadata(http, named, tracer, "protected resource metadata")
        if fetched is None:
            # The header named this URL: the well-known ladder must not be tried instead.
            raise DiscoveryError(
                f"protected resource metadata named by the server could not be read: {why}",
                hint="check the server's resource_metadata URL",
            )
        return _valid_prm(fetched, server_url, from_url="header"), named
    for url in prm_well_known_urls(server_url):
        fetched, _ = await _get_metadata(http, url, tracer, "protected resource metadata")
        if fetched is not None:
            root = url == prm_well_known_urls(server_url)[-1]
            return _valid_prm(fetched, server_url, from_url="root" if root else "path"), url
    return None, None


def _valid_prm(fetched: Fetched, server_url: str, *, from_url: str) -> dict[str, Any]:
    """The PRM document, checked. ``from_url`` says where it was found: ``path`` (the path-aware
    well-known URL: the resource must be the server URL), ``root`` or ``header`` (the origin
    is accepted too, see :func:`resource_matches`)."""
    try:
        prm = fetched.json_object()
    except OAuthError as exc:
        raise DiscoveryError(f"protected resource metadata unusable: {exc.message}") from None
    resource = prm.get("resource")
    if not isinstance(resource, str) or not resource:
        raise DiscoveryError(f"protected resource metadata at {fetched.url} has no resource")
    if not resource_matches(resource, server_url, origin_allowed=from_url != "path"):
        alias = host_alias_url(resource, server_url)
        error = DiscoveryError(
            f"protected resource metadata at {fetched.url} names resource {resource}, "
            f"which is not {server_url}; refusing to authorize",
            hint=f'the server calls itself by another host name: use url = "{alias}"'
            if alias
            else "the server may be misconfigured or hostile",
        )
        error.suggested_url = alias
        raise error
    servers = prm.get("authorization_servers")
    if servers is not None and (
        not isinstance(servers, list) or not all(isinstance(s, str) for s in servers)
    ):
        raise DiscoveryError(
            f"protected resource metadata at {fetched.url}: bad authorization_servers"
        )
    return prm


async def _find_as_metadata(
    http: httpx2.AsyncClient, issuer: str, tracer: _Tracer
) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """AS metadata whose issuer is exactly ``issuer``; (None, None, reasons) when none."""
    require_secure(issuer, "authorization server")
    reasons: list[str] = []
    for url in as_metadata_urls(issuer):
        fetched, why = await _get_metadata(http, url, tracer, "authorization server metadata")
        if fetched is None:
            reasons.append(why or url)
            continue
        try:
            meta = fetched.json_object()
        except OAuthError as exc:
            raise DiscoveryError(f"authorization server metadata unusable: {exc.message}") from None
        found = meta.get("issuer")
        if isinstance(found, str) and found != issuer and differs_by_trailing_slash(found, issuer):
            # FastMCP (pydantic) names an issuer ``http://host:port`` as ``http://host:port/``;
            # both official SDK clients accept exactly this case. The metadata's own issuer is
            # then the one every later check uses (RFC 9207 ``iss`` included).
            tracer.emit(
                "discovery",
                "info",
                f"issuer {found!r} differs from the {issuer!r} the protected resource metadata "
                "names only by a trailing '/'; tolerated, using the metadata's issuer from here on",
                url=url,
                issuer=found,
            )
            return meta, url, reasons
        if found != issuer:
            # Exact match, no normalisation (RFC 8414 §3.3): a mismatch is never used.
            tracer.emit(
                "discovery",
                "fail",
                f"{url}: issuer {meta.get('issuer')!r} is not {issuer!r}; ignored",
                url=url,
            )
            reasons.append(f"{url}: issuer mismatch ({meta.get('issuer')!r} ≠ {issuer!r})")
            continue
        return meta, url, reasons
    return None, None, reasons


async def token_endpoint_of(
    http: httpx2.AsyncClient, issuer: str, trace: FlowTrace | None = None
) -> str:
    """The token endpoint of ``issuer`` (exact issuer match), for a login Codex made."""
    meta, _, reasons = await _find_as_metadata(http, issuer, _Tracer(trace))
    if meta is None:
        raise DiscoveryError(
            f"no authorization server metadata for {issuer}: " + "; ".join(reasons[:3])
        )
    _check_endpoints(meta)
    return str(meta["token_endpoint"])


def _secure(url: str) -> bool:
    try:
        require_secure(url, "authorization server")
    except OAuthError:
        return False
    return True


def _check_endpoints(meta: dict[str, Any]) -> None:
    for name in ("authorization_endpoint", "token_endpoint"):
        value = meta.get(name)
        if not isinstance(value, str) or not value:
            raise DiscoveryError(f"authorization server metadata has no {name}")
    for name in ("authorization_endpoint", "token_endpoint", "registration_endpoint"):
        value = meta.get(name)
        if isinstance(value, str) and value:
            require_secure(value, name.replace("_", " "))


async def _unauthenticated_request(
    http: httpx2.AsyncClient, server_url: str, tracer: _Tracer, timeout: float
) -> tuple[int, httpx2.Headers] | None:
    """POST an initialize as an unauthenticated client; GET when POST is not allowed."""
    body, headers = initialize_request("probe")
    get_headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": MCP_PROTOCOL_VERSION}
    for method in ("POST", "GET"):
        started = time.monotonic()
        try:
            async with http.stream(
                method,
                server_url,
                headers=headers if method == "POST" else get_headers,
                json=body if method == "POST" else None,
                follow_redirects=False,
                timeout=httpx2.Timeout(timeout),
            ) as response:
                status, resp_headers = response.status_code, response.headers
                # The body is not needed (and an SSE body may never end): close at once.
        except httpx2.HTTPError as exc:
            tracer.emit(
                "probe", "fail", f"{method} {server_url}: {type(exc).__name__}", url=server_url
            )
            raise DiscoveryError(f"{server_url}: {_describe_error(exc)}") from None
        ms = (time.monotonic() - started) * 1000
        tracer.emit(
            "probe",
            "info",
            f"{method} {server_url} without credentials → {status} in {ms:.0f} ms",
            url=server_url,
            http_status=status,
            ms=ms,
        )
        session = resp_headers.get("mcp-session-id")
        if session and 200 <= status < 300:
            await _end_session(http, server_url, session)
        if status in (405, 406) and method == "POST":
            continue
        return status, resp_headers
    return None


async def _end_session(http: httpx2.AsyncClient, server_url: str, session: str) -> None:
    with contextlib.suppress(httpx2.HTTPError):
        await http.delete(
            server_url,
            headers={"Mcp-Session-Id": session, "MCP-Protocol-Version": MCP_PROTOCOL_VERSION},
            timeout=2.0,
        )


def _describe_error(exc: httpx2.HTTPError) -> str:
    if isinstance(exc, httpx2.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    return type(exc).__name__


async def discover(
    http: httpx2.AsyncClient,
    server_url: str,
    *,
    www_authenticate: str | None = None,
    probe: bool = True,
    trace: FlowTrace | None = None,
) -> Discovery:
    """Run the whole discovery chain; raises DiscoveryError (one line) when it cannot."""
    tracer = _Tracer(trace)
    challenge = bearer_challenge(www_authenticate) if www_authenticate else None
    if challenge is None and probe:
        answered = await _unauthenticated_request(http, server_url, tracer, PROBE_TIMEOUT_SEC)
        if answered is not None:
            challenge = bearer_challenge(answered[1].get("www-authenticate"))
    return await _discover_from(http, server_url, challenge, tracer)


async def _discover_from(
    http: httpx2.AsyncClient, server_url: str, challenge: Challenge | None, tracer: _Tracer
) -> Discovery:
    prm, prm_url = await _find_prm(http, server_url, challenge, tracer)
    if prm is not None:
        servers = prm.get("authorization_servers") or []
        if not servers:
            raise DiscoveryError(
                f"protected resource metadata at {prm_url} names no authorization server"
            )
        named_issuer = servers[0]
        meta, meta_url, reasons = await _find_as_metadata(http, named_issuer, tracer)
        if meta is None:
            raise DiscoveryError(
                f"no authorization server metadata for issuer {named_issuer} ({'; '.join(reasons)})"
            )
        _check_endpoints(meta)
        issuer = meta["issuer"]
        tracer.emit("discovery", "ok", f"OAuth discovered at {issuer}", issuer=issuer)
        return Discovery(
            server_url=server_url,
            challenge=challenge,
            prm=prm,
            prm_url=prm_url,
            resource=prm["resource"],
            issuer=issuer,
            as_metadata=meta,
            as_metadata_url=meta_url,
            named_issuer=named_issuer if named_issuer != issuer else None,
        )
    # 2025-03-26 servers: no PRM; the authorization base URL is the MCP server's origin.
    issuer = origin_of(server_url)
    tracer.emit("discovery", "info", "no protected resource metadata; trying 2025-03-26 discovery")
    require_secure(issuer, "authorization server")
    fetched, _ = await _get_metadata(
        http, f"{issuer}/.well-known/oauth-authorization-server", tracer, "legacy metadata"
    )
    if fetched is not None:
        try:
            meta = fetched.json_object()
        except OAuthError as exc:
            raise DiscoveryError(f"authorization server metadata unusable: {exc.message}") from None
        found_issuer = meta.get("issuer")
        # 2025-03-26 defines no issuer rule; the metadata must at least belong to the server's
        # origin (it may live under a path, e.g. https://host/oauth).
        if not isinstance(found_issuer, str) or origin_of(found_issuer) != issuer:
            raise DiscoveryError(
                f"{fetched.url}: issuer {found_issuer!r} does not belong to {issuer}"
            )
        _check_endpoints(meta)
        tracer.emit("discovery", "ok", f"OAuth discovered at {found_issuer} (2025-03-26 metadata)")
        return Discovery(
            server_url=server_url,
            challenge=challenge,
            prm=None,
            prm_url=None,
            resource=canonical_resource(server_url),
            issuer=found_issuer,
            as_metadata=meta,
            as_metadata_url=fetched.url,
            mode="legacy-metadata",
        )
    if challenge is None:
        raise DiscoveryError(
            f"{server_url} advertises no OAuth (no 401 challenge, no metadata)",
            hint="the server may not need a login, or may need a static token "
            "(bearer_token_env_var)",
        )
    defaults = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "registration_endpoint": f"{issuer}/register",
        # 2025-03-26 made PKCE S256 mandatory for its servers, so it is implied here.
        "code_challenge_methods_supported": ["S256"],
    }
    tracer.emit("discovery", "info", f"no metadata; using default endpoints at {issuer}")
    return Discovery(
        server_url=server_url,
        challenge=challenge,
        prm=None,
        prm_url=None,
        resource=canonical_resource(server_url),
        issuer=issuer,
        as_metadata=defaults,
        as_metadata_url=None,
        mode="legacy-defaults",
    )


async def probe_server(
    http: httpx2.AsyncClient,
    server_url: str,
    *,
    trace: FlowTrace | None = None,
    cache: MetadataCache | None = None,
) -> ProbeResult:
    """Does this server advertise OAuth? Never raises for network or metadata problems.

    With a ``cache`` (status of many servers), the protected-resource metadata and the
    authorization-server metadata are requested at the URLs most servers use, at the same
    time as the probe itself: three requests in parallel instead of in series (a 200 ms
    server answers in about 200 ms, not 600). A prediction that turns out wrong only costs
    a request; the discovery then asks for the URLs the server names, as without a cache.
    """
    tracer = _Tracer(trace, cache)
    if cache is not None:
        cache.prefetch(prm_well_known_urls(server_url)[0])
        origin = origin_of(server_url)
        if _secure(origin):
            cache.prefetch(as_metadata_urls(origin)[0])
    try:
        answered = await _unauthenticated_request(http, server_url, tracer, PROBE_TIMEOUT_SEC)
    except OAuthError as exc:
        return ProbeResult(
            oauth=False, detail=f"discovery failed: {exc.message}", error=exc.message
        )
    status = answered[0] if answered else None
    challenge = bearer_challenge(answered[1].get("www-authenticate")) if answered else None
    if status is not None and 200 <= status < 300:
        return ProbeResult(
            oauth=False,
            detail=f"no OAuth metadata (server answered {status} without authentication)",
            status=status,
        )
    try:
        found = await _discover_from(http, server_url, challenge, tracer)
    except OAuthError as exc:
        return ProbeResult(
            oauth=False,
            detail=f"discovery failed: {exc.one_line()}",
            challenge=challenge,
            error=exc.one_line(),
            status=status,
            suggested_url=getattr(exc, "suggested_url", None),
        )
    if found.mode == "legacy-defaults":
        return ProbeResult(
            oauth=False,
            detail=f"server requires authentication ({status}) but publishes no OAuth metadata",
            challenge=challenge,
            issuer=found.issuer,
            status=status,
        )
    return ProbeResult(
        oauth=True,
        detail=f"OAuth discovered at {found.issuer}",
        challenge=challenge,
        prm=found.prm,
        resource=found.resource,
        issuer=found.issuer,
        as_metadata=found.as_metadata,
        status=status,
        named_issuer=found.named_issuer,
    )
