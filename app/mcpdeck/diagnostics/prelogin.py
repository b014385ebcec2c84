"""What can be known about a server's OAuth before any login, from the metadata the probe
already fetched: each problem with its fix, and the config edit where one applies.

Pure functions over the probe's documents (no I/O, nothing heavy imported): the doctor turns
them into findings, ``list`` shows the first one as a one-line hint in ``auth.detail``.
"""

from __future__ import annotations

from typing import Any

from mcpdeck.config.model import ServerConfig
from mcpdeck.records import record


@record(frozen=True)
class Advertised:
    """What the server and its authorization server published (None: not fetched)."""

    prm: dict[str, Any] | None
    as_metadata: dict[str, Any] | None
    issuer: str | None = None
    named_issuer: str | None = None  # the PRM's spelling, when it differs by a trailing '/'


@record(frozen=True)
class KeyFix:
    """The change of one key of the server's table that fixes a check; the doctor turns it into
    a :class:`~mcpdeck.diagnostics.edits.SetKey` or ``UnsetKey`` in the file that set the key."""

    key: str
    value: Any = None
    remove: bool = False  # remove the key instead of setting it
    needs_value: str | None = None  # what the user must supply (value is None then), in words


@record(frozen=True)
class Check:
    id: str
    severity: str  # error | warning | info
    message: str
    fix: str | None = None
    edit: KeyFix | None = None


def _canonical(url: str) -> str:
    from mcpdeck.oauth.resource_urls import canonical_resource

    return canonical_resource(url)


def _covers(resource: str, url: str) -> bool:
    from mcpdeck.oauth.resource_urls import resource_matches

    return resource_matches(resource, url)


def _strings(value: Any) -> list[str] | None:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def checks(server: ServerConfig, adv: Advertised) -> list[Check]:
    """Every pre-login problem of ``server`` visible in ``adv``, errors first."""
    name = server.name
    out: list[Check] = []
    prm = adv.prm or {}
    meta = adv.as_metadata or {}
    resource = prm.get("resource") if isinstance(prm.get("resource"), str) else None
    configured = server.oauth_resource
    if configured and resource and _canonical(configured) != _canonical(resource):
        out.append(
            Check(
                "oauth_resource_mismatch",
                "error",
                f"oauth_resource = {configured!r} in [mcp_servers.{name}] names another server: "
                f"{name} says its resource is {resource}, so a login would get a token {name} "
                "rejects",
                fix=f"remove oauth_resource from [mcp_servers.{name}] (mcpdeck then asks for "
                f"{resource}), or set it to {resource}",
                edit=KeyFix("oauth_resource", remove=True),
            )
        )
    if adv.as_metadata is not None:
        methods = _strings(meta.get("code_challenge_methods_supported")) or []
        if "S256" not in methods:
            out.append(
                Check(
                    "pkce_s256_missing",
                    "error",
                    f"the authorization server {adv.issuer} does not advertise PKCE S256 "
                    "(code_challenge_methods_supported): mcpdeck will refuse to log in",
                    fix="ask the server's operator to enable PKCE S256",
                )
            )
        if not _client_identity_possible(server, meta):
            out.append(
                Check(
                    "dcr_unsupported",
                    "error",
                    f"{adv.issuer} offers neither dynamic client registration nor client ID "
                    "metadata documents, and no client id is configured",
                    fix=f"register an OAuth client with the provider and set client_id in "
                    f"[mcp_servers.{name}.oauth]",
                    edit=KeyFix(
                        "oauth.client_id",
                        needs_value=f"the client id registered with {adv.issuer or 'the provider'}",
                    ),
                )
            )
        if meta.get("authorization_response_iss_parameter_supported") is not True:
            out.append(
                Check(
                    "iss_unsupported",
                    "info",
                    f"{adv.issuer} does not advertise RFC 9207 (authorization_response_iss_"
                    "parameter_supported): the mix-up defence rests on mcpdeck's per-issuer "
                    "registrations and exact issuer checks",
                    fix="nothing to change here; the server's operator can enable the RFC 9207 "
                    "iss parameter",
                )
            )
    supported = _strings(prm.get("scopes_supported")) or _strings(meta.get("scopes_supported"))
    if server.scopes and supported:
        unknown = [s for s in server.scopes if s not in supported]
        if unknown:
            kept = [s for s in server.scopes if s in supported]
            out.append(
                Check(
                    "scopes_unsupported",
                    "warning",
                    f"scopes {', '.join(unknown)} configured for {name} are not among the "
                    f"scopes it supports ({', '.join(supported)}); the authorization server "
                    "may refuse the login",
                    fix=f"remove {', '.join(unknown)} from scopes in [mcp_servers.{name}]",
                    edit=KeyFix("scopes", kept) if kept else KeyFix("scopes", remove=True),
                )
            )
    if adv.named_issuer:
        out.append(
            Check(
                "issuer_trailing_slash",
                "info",
                f"{name}'s metadata names the authorization server {adv.named_issuer}, whose "
                f"metadata says its issuer is {adv.issuer}: they differ by a trailing '/', "
                "which mcpdeck tolerates (as both official SDK clients do) and then uses "
                f"{adv.issuer}",
                fix="nothing to change here; the server's operator can name the authorization "
                f"server exactly as its issuer ({adv.issuer})",
            )
        )
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda c: order[c.severity])


def _client_identity_possible(server: ServerConfig, meta: dict[str, Any]) -> bool:
    if server.oauth.client_id or meta.get("registration_endpoint"):
        return True
    return bool(
        server.oauth.client_metadata_url and meta.get("client_id_metadata_document_supported")
    )


def hint(server: ServerConfig, adv: Advertised) -> str | None:
    """The first problem a login would hit, in one line (for ``list``'s ``auth.detail``)."""
    for check in checks(server, adv):
        if check.severity == "error":
            return f"{check.message}; fix: {check.fix}" if check.fix else check.message
    return None
