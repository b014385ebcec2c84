"""OAuth discovery for an MCP server: the protected-resource metadata (RFC 9728) ladder and
resource check, the authorization-server metadata (RFC 8414 / OIDC) ladder with exact issuer
match, and the 2025-03-26 legacy fallbacks. Challenges are parsed in ``oauth.challenge``, URL
rules live in ``oauth.resource_urls``, the status probe in ``oauth.probe``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from mcpdeck.oauth.challenge import Challenge, bearer_challenge
from mcpdeck.oauth.errors import DiscoveryError, OAuthError
from mcpdeck.oauth.fetch import (
    MCP_PROTOCOL_VERSION,
    Fetched,
    FetchFailed,
    HttpClient,
    bounded_request,
    require_secure,
)
from mcpdeck.oauth.resource_urls import (
    as_metadata_urls,
    canonical_resource,
    differs_by_trailing_slash,
    host_alias_url,
    origin_of,
    prm_well_known_urls,
    resource_matches,
)
from mcpdeck.oauth.trace import FlowTrace
from mcpdeck.oauth.tracer import Tracer
from mcpdeck.oauth.unauthenticated import PROBE_TIMEOUT_SEC, unauthenticated_request
from mcpdeck.records import record


@record
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


def _get(http: HttpClient, url: str) -> Coroutine[Any, Any, Fetched]:
    return bounded_request(
        http,
        "GET",
        url,
        headers={"Accept": "application/json", "MCP-Protocol-Version": MCP_PROTOCOL_VERSION},
    )


def _prefetch(http: HttpClient, server_url: str, tracer: Tracer) -> None:
    """Start the metadata GETs most servers will be asked for (the path-aware protected-resource
    metadata, the origin's authorization-server metadata) at the same time as the probe, as the
    status probe does: two round trips fewer in series (a login against a server 100 ms away
    is 200 ms faster). A wrong guess costs a request and is never reported: discovery then
    asks for the URLs the server names."""
    try:
        urls = [prm_well_known_urls(server_url)[0]]
        origin = origin_of(server_url)
        require_secure(origin, "authorization server")
        urls.append(as_metadata_urls(origin)[0])
    except (ValueError, OAuthError):
        pass  # an unusable URL: the probe says why; nothing more to guess
    else:
        for url in urls:
            tracer.prefetched[url] = asyncio.ensure_future(_get(http, url))


async def _drop_prefetched(tracer: Tracer) -> None:
    """Cancel the GETs nobody asked for (and collect every outcome)."""
    tasks, tracer.prefetched = list(tracer.prefetched.values()), {}
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


async def get_metadata(
    http: HttpClient, url: str, tracer: Tracer, what: str
) -> tuple[Fetched | None, str | None]:
    """GET one metadata URL. Returns (response, None) or (None, why it failed)."""
    if tracer.cache is not None:
        return await asyncio.shield(tracer.cache.get(url))
    ahead = tracer.prefetched.pop(url, None)
    try:
        fetched = await (ahead if ahead is not None else _get(http, url))
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
    http: HttpClient, server_url: str, challenge: Challenge | None, tracer: Tracer
) -> tuple[dict[str, Any] | None, str | None]:
    """The PRM document and its URL, (None, None) when the server publishes none."""
    named = challenge.resource_metadata if challenge else None
    if named:
        if not named.lower().startswith(("https://", "http://")):
            raise DiscoveryError(f"{server_url}: resource_metadata is not an http(s) URL: {named}")
        fetched, why = await get_metadata(http, named, tracer, "protected resource metadata")
        if fetched is None:
            # The header named this URL: the well-known ladder must not be tried instead.
            raise DiscoveryError(
                f"protected resource metadata named by the server could not be read: {why}",
                hint="check the server's resource_metadata URL",
            )
        return _valid_prm(fetched, server_url, from_url="header"), named
    for url in prm_well_known_urls(server_url):
        fetched, _ = await get_metadata(http, url, tracer, "protected resource metadata")
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
    http: HttpClient, issuer: str, tracer: Tracer
) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """AS metadata whose issuer is exactly ``issuer``; (None, None, reasons) when none."""
    require_secure(issuer, "authorization server")
    reasons: list[str] = []
    for url in as_metadata_urls(issuer):
        fetched, why = await get_metadata(http, url, tracer, "authorization server metadata")
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


async def token_endpoint_of(http: HttpClient, issuer: str, trace: FlowTrace | None = None) -> str:
    """The token endpoint of ``issuer`` (exact issuer match), for a login Codex made."""
    meta, _, reasons = await _find_as_metadata(http, issuer, Tracer(trace))
    if meta is None:
        raise DiscoveryError(
            f"no authorization server metadata for {issuer}: " + "; ".join(reasons[:3])
        )
    _check_endpoints(meta)
    return str(meta["token_endpoint"])


def _check_endpoints(meta: dict[str, Any]) -> None:
    for name in ("authorization_endpoint", "token_endpoint"):
        value = meta.get(name)
        if not isinstance(value, str) or not value:
            raise DiscoveryError(f"authorization server metadata has no {name}")
    for name in ("authorization_endpoint", "token_endpoint", "registration_endpoint"):
        value = meta.get(name)
        if isinstance(value, str) and value:
            require_secure(value, name.replace("_", " "))


async def discover(
    http: HttpClient,
    server_url: str,
    *,
    www_authenticate: str | None = None,
    probe: bool = True,
    trace: FlowTrace | None = None,
) -> Discovery:
    """Run the whole discovery chain; raises DiscoveryError (one line) when it cannot."""
    tracer = Tracer(trace)
    challenge = bearer_challenge(www_authenticate) if www_authenticate else None
    if challenge is None and probe:
        _prefetch(http, server_url, tracer)
        try:
            answered = await unauthenticated_request(http, server_url, tracer, PROBE_TIMEOUT_SEC)
            if answered is not None:
                challenge = bearer_challenge(answered[1].get("www-authenticate"))
            return await discover_from(http, server_url, challenge, tracer)
        finally:
            await _drop_prefetched(tracer)
    return await discover_from(http, server_url, challenge, tracer)


async def discover_from(
    http: HttpClient, server_url: str, challenge: Challenge | None, tracer: Tracer
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
    fetched, _ = await get_metadata(
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
