"""Findings from the published OAuth metadata, before any login
(the checks themselves are :mod:`mcpdeck.diagnostics.prelogin`)."""

from __future__ import annotations

from mcpdeck.diagnostics.edits import ConfigEdit
from mcpdeck.diagnostics.facts import Facts, set_key, unset_key
from mcpdeck.diagnostics.report import Finding


def metadata_findings(facts: Facts) -> list[Finding]:
    """What the published metadata already shows, login or not (issue 13, item 3)."""
    from mcpdeck.diagnostics.prelogin import Advertised, checks

    discovery = facts.discovery
    if discovery is None:
        return []
    err = facts.session_error
    if discovery.error and facts.server.url and (err is None or err.kind == "unauthorized"):
        # The server answered (a 401 or nothing wrong): its metadata is what failed.
        alias = discovery.suggested_url
        return [
            Finding(
                "discovery_failed",
                "error",
                f"OAuth discovery for {facts.server.name} failed: {discovery.error}",
                fix=f'use url = "{alias}" in [mcp_servers.{facts.server.name}]'
                if alias
                else "check the server's metadata (the log shows each request); a login "
                "cannot start until discovery works",
                edit=set_key(facts, "url", alias) if alias else None,
            )
        ]
    if not (discovery.prm or discovery.as_metadata):
        return []
    advertised = Advertised(
        prm=discovery.prm,
        as_metadata=discovery.as_metadata,
        issuer=discovery.issuer,
        named_issuer=discovery.named_issuer,
    )
    out = []
    for check in checks(facts.server, advertised):
        change = check.edit
        edit: ConfigEdit | None = None
        if change is not None:
            edit = (
                unset_key(facts, change.key)
                if change.remove
                else set_key(facts, change.key, change.value, needs_value=change.needs_value)
            )
        if check.id == "dcr_unsupported" and facts.record is not None:
            continue  # logged in already: the client identity exists
        out.append(Finding(check.id, check.severity, check.message, fix=check.fix, edit=edit))  # type: ignore[arg-type]
    return out
