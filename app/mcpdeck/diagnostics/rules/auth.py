"""Findings about stored credentials: unusable tokens, another authorization server, a
token for another resource, a refused resource indicator."""

from __future__ import annotations

from mcpdeck.diagnostics.edits import ConfigEdit
from mcpdeck.diagnostics.facts import Facts, canonical, set_key, unset_key
from mcpdeck.diagnostics.report import Finding
from mcpdeck.diagnostics.token_claims import audience_matches, audiences, covers

# Auth findings that say why a stored token gets a 401 better than "revoked or expired".
EXPLAINS_401 = frozenset(
    {"token_audience", "token_stale_resource", "resource_required", "oauth_resource_mismatch"}
)


def auth_findings(facts: Facts) -> list[Finding]:
    server = facts.server
    out: list[Finding] = []
    record = facts.record
    err = facts.session_error
    if record is not None:
        reason = record.unusable_reason
        if reason is None and record.is_expired() and not record.refreshable:
            reason = "the token expired and there is no refresh token"
        if reason is not None and not (err and err.kind == "unauthorized"):
            out.append(
                Finding(
                    "token_unusable",
                    "error",
                    f"stored credentials for {server.name} are unusable: {reason}",
                    fix=f"log in again: mcpdeck login {server.name}",
                )
            )
    changed = _authorization_server_changed(facts)
    if changed is not None:
        out.append(changed)
    audience = _audience_finding(facts)
    if audience is not None:
        out.append(audience)
    if "invalid_target" in facts.oauth_errors:
        out.append(_resource_finding(facts))
    return out


def _authorization_server_changed(facts: Facts) -> Finding | None:
    """The server's PRM no longer names the authorization server the credentials came from."""
    from mcpdeck.oauth.resource_urls import differs_by_trailing_slash

    record, discovery = facts.record, facts.discovery
    prm = discovery.prm if discovery is not None else None
    if record is None or not record.issuer or not prm:
        return None
    named = [s for s in prm.get("authorization_servers") or [] if isinstance(s, str)]
    if not named or any(
        s == record.issuer or differs_by_trailing_slash(s, record.issuer) for s in named
    ):
        return None
    name = facts.server.name
    return Finding(
        "authorization_server_changed",
        "error",
        f"the stored credentials of {name} come from {record.issuer}, but {name} now names "
        f"{named[0]} as its authorization server",
        fix=f"log in again: mcpdeck login {name} (mcpdeck registers with {named[0]}; the old "
        "client id and tokens are never sent there)",
    )


def _expected_resource(facts: Facts) -> str:
    """What this server's tokens must be for: its PRM ``resource``, else its canonical URL."""
    discovery = facts.discovery
    return (discovery.resource if discovery else None) or canonical(facts.server.url or "")


def _server_at(facts: Facts, resource: str) -> str | None:
    """The other configured server whose URL ``resource`` is, to name it in a message."""
    for other in facts.loaded.servers.values():
        same = other.url is not None and canonical(other.url) == canonical(resource)
        if same and other.name != facts.server.name:
            return other.name
    return None


def _audience_finding(facts: Facts) -> Finding | None:
    """The stored token is for another resource: from its JWT ``aud`` when it has one (what
    the authorization server issued), else from the resource it was requested for."""
    server, record, claims = facts.server, facts.record, facts.claims
    if not server.url or record is None:
        return None
    expected = _expected_resource(facts)
    resources = [server.url, expected]
    requested = record.resource
    if claims is not None and audience_matches(claims, resources) is False:
        issued_for = ", ".join(audiences(claims))
        how = "its audience, read from the token without verification"
    elif claims is not None and audience_matches(claims, resources):
        return None
    elif requested and not any(covers(requested, r) for r in resources):
        issued_for = requested
        how = "the resource it was requested for"
    else:
        return None
    owner = _server_at(facts, issued_for)
    if owner is not None:
        issued_for = f"{owner}'s resource {issued_for}"
    name = server.name
    rejected = facts.session_error is not None and facts.session_error.kind == "unauthorized"
    message = f"the stored token is for {issued_for} ({how}), not for {name} ({expected})" + (
        f": that is why {name} answers 401" if rejected else ""
    )
    configured = server.oauth_resource
    login = f"mcpdeck login {name}"
    edit: ConfigEdit | None
    if configured and not covers(configured, expected):
        fix = (
            f'remove oauth_resource = "{configured}" from [mcp_servers.{name}]: it names '
            f"another resource, and without it mcpdeck asks for {expected}; "
            f"then log in again ({login}) to get a token for {name}"
        )
        edit = unset_key(facts, "oauth_resource")
    elif requested and not any(covers(requested, r) for r in resources):
        # The config is right now; the token comes from a login made before it was corrected.
        return Finding(
            "token_stale_resource",
            "error" if rejected else "warning",
            f"the stored token was requested for {issued_for} by an earlier login; "
            f"{name} is {expected}" + (f": that is why {name} answers 401" if rejected else ""),
            fix=f"log in again: {login} (the new token is requested for {expected})",
        )
    elif not configured:
        fix = f'set oauth_resource = "{expected}" and log in again: {login}'
        edit = set_key(facts, "oauth_resource", expected)
    else:
        fix = (
            f"log in again ({login}); if the new token is still for {issued_for}, the "
            "authorization server ignores the resource indicator: ask its administrator"
        )
        edit = None
    return Finding(
        "token_audience", "error" if rejected else "warning", message, fix=fix, edit=edit
    )


def _resource_finding(facts: Facts) -> Finding:
    """The authorization server refused the resource indicator (``invalid_target``)."""
    server = facts.server
    name = server.name
    expected = _expected_resource(facts)
    configured = server.oauth_resource
    sent = configured or (facts.record.resource if facts.record else None)
    login = f"mcpdeck login {name}"
    edit: ConfigEdit | None
    if configured and not covers(configured, expected):
        fix = (
            f'remove oauth_resource = "{configured}" (then mcpdeck asks for {expected}, the '
            f"resource {name} names), then log in again: {login}"
        )
        edit = unset_key(facts, "oauth_resource")
    elif sent is None or not covers(sent, expected):
        fix = f'set oauth_resource = "{expected}" (the resource {name} names), then {login}'
        edit = set_key(facts, "oauth_resource", expected)
    else:
        fix = (
            f"{expected} is what {name} names as its resource, and the authorization server "
            "refuses it: set oauth_resource to the resource identifier the provider documents "
            f"for this server, then {login}"
        )
        edit = set_key(
            facts,
            "oauth_resource",
            None,
            needs_value="the resource identifier the provider documents for this server",
        )
    return Finding(
        "resource_required",
        "error",
        "the authorization server refused the resource indicator"
        + (f" {sent}" if sent else "")
        + " (invalid_target)",
        fix=fix,
        edit=edit,
    )
