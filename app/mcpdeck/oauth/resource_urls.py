"""URL rules of OAuth for MCP: origins, the RFC 8707 canonical resource, the RFC 9728 and
RFC 8414 / OIDC well-known ladders, and whether a protected resource's ``resource`` names
this server (RFC 9728 §3.3). Pure stdlib, no I/O."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mcpdeck.net import is_loopback_host


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
    try:
        a, b = urlsplit(prm_resource), urlsplit(server_url)
        hosts = a.hostname, b.hostname
    except ValueError:  # "http://[": no host to compare, so no alias to suggest
        return None
    if hosts[0] == hosts[1] or not (is_loopback_host(a.hostname) and is_loopback_host(b.hostname)):
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
