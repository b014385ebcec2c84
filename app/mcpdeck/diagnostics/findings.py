"""The rules: from what the doctor saw to findings, each with its fix and, when the fix is a
config change, the exact edit as data."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.credentials.record import CredentialRecord
from mcpdeck.diagnostics.edits import ConfigEdit, SetKey, TrustProject, UnsetKey
from mcpdeck.diagnostics.report import DiscoverySummary, Finding
from mcpdeck.diagnostics.token_claims import audience_matches, audiences, covers
from mcpdeck.session.environment import EnvCheck
from mcpdeck.session.models import Inventory, SessionError


@dataclass
class Facts:
    """Everything the rules look at; gathered by :mod:`mcpdeck.diagnostics.doctor`."""

    server: ServerConfig
    loaded: LoadedConfig
    env: EnvCheck
    session_error: SessionError | None = None
    session_attempted: bool = False
    inventory: Inventory | None = None
    discovery: DiscoverySummary | None = None
    record: CredentialRecord | None = None
    claims: dict[str, Any] | None = None
    # OAuth error codes the authorization server answered during the run (refresh, token),
    # oldest first: invalid_target, invalid_grant, …
    oauth_errors: list[str] = field(default_factory=list)
    effective_timeout: float | None = None
    # Where the credentials are kept and what is wrong there (bad record, file mode, sharing).
    store_findings: list[Finding] = field(default_factory=list)


def edit_file(facts: Facts, key: str) -> str:
    """Where an edit of ``key`` belongs: the file that set it, else the file defining the server."""
    server = facts.server
    location = server.provenance.get(key)
    if location is not None:
        return str(location.file)
    if server.source is not None:
        return str(server.source.file)
    return str(facts.loaded.user_file)


def _set(facts: Facts, key: str, value: Any, *, needs_value: str | None = None) -> SetKey:
    return SetKey(edit_file(facts, key), facts.server.name, key, value, needs_value)


def _unset(facts: Facts, key: str) -> UnsetKey:
    return UnsetKey(edit_file(facts, key), facts.server.name, key)


def _challenge_scopes(www_authenticate: str | None) -> list[str]:
    match = re.search(r'scope="([^"]*)"', www_authenticate or "") or re.search(
        r"scope=([^\s,]+)", www_authenticate or ""
    )
    return match.group(1).split() if match else []


def _union(*groups: Iterable[str]) -> list[str]:
    out: list[str] = []
    for group in groups:
        for item in group:
            if item not in out:
                out.append(item)
    return out


def config_findings(facts: Facts) -> list[Finding]:
    server = facts.server
    out: list[Finding] = []
    for problem in server.problems:
        out.append(
            Finding(
                "config_problem",
                "error" if problem.severity == "error" else "warning",
                problem.one_line(),
                fix=_problem_fix(facts, problem),
            )
        )
    out.extend(_approval_findings(server))
    if server.ignored_reason is not None and server.trusted:
        out.append(
            Finding(
                "not_loaded_by_codex",
                "error",
                f"Codex does not load {server.name}: {server.ignored_reason.split(': ', 1)[-1]}",
                fix="fix the syntax error (Codex refuses the whole file until then)",
            )
        )
    if server.source is not None and not server.source.trusted:
        project = facts.loaded.project_root or server.source.file.parent.parent
        out.append(
            Finding(
                "untrusted_project",
                "warning",
                f"{server.name} comes from an untrusted project layer ({server.source.file}); "
                "Codex will not start it",
                fix=f"trust the project in {facts.loaded.user_file} if you trust its config",
                edit=TrustProject(str(facts.loaded.user_file), str(project)),
            )
        )
    if not server.enabled:
        out.append(
            Finding(
                "disabled",
                "info",
                f"{server.name} is disabled",
                fix=f"mcpdeck enable {server.name}",
                edit=_set(facts, "enabled", True),
            )
        )
    return out


def _problem_fix(facts: Facts, problem: Any) -> str:
    if problem.key == "oauth.client_secret" and problem.severity == "warning":
        # Codex reads the secret only from here (it has no client_secret_env_var), so moving it
        # would break Codex's own login: keep it where it is, but private.
        source = facts.server.source
        if source is not None and source.layer == "project":
            return (
                f"move [mcp_servers.{facts.server.name}.oauth] client_secret to your user config "
                f"{facts.loaded.user_file}: a project file is shared with everyone who clones it"
            )
        try:
            mode = problem.file.stat().st_mode & 0o777
        except OSError:
            mode = 0
        if mode & 0o077:
            return f"chmod 600 {problem.file} (other users can read the secret now)"
        return f"keep {problem.file} private (it is mode 600) and out of backups you share"
    return f"edit {problem.where()}"


def _approval_findings(server: Any) -> list[Finding]:
    """Codex's approval modes for this server's tools, spelled out (they decide what runs unasked)."""
    default = server.extras.get("default_tools_approval_mode")
    tools = server.extras.get("tools") or {}
    modes = {
        tool: config.get("approval_mode")
        for tool, config in tools.items()
        if isinstance(config, dict) and config.get("approval_mode")
    }
    if default is None and not modes:
        return []
    parts = [f"{tool}: {mode}" for tool, mode in sorted(modes.items())]
    summary = f"Codex asks for approval of {server.name}'s tools as configured: "
    summary += f"default {default or 'Codex’s own default'}"
    if parts:
        summary += "; " + ", ".join(parts)
    return [
        Finding(
            "tool_approval_modes",
            "info",
            summary,
            fix="change default_tools_approval_mode or [mcp_servers.NAME.tools.TOOL] approval_mode "
            "(auto, prompt, writes or approve)",
        )
    ]


def env_findings(facts: Facts) -> list[Finding]:
    out: list[Finding] = []
    for name in facts.env.missing:
        wanted = facts.env.wanted_by.get(name, "")
        if wanted == "bearer_token_env_var":
            out.append(
                Finding(
                    "bearer_env_unset",
                    "error",
                    f"{name} is not set, so {facts.server.name} is sent no token "
                    "(it is the server's bearer_token_env_var)",
                    fix=f"export {name}=… in the shell that starts Codex (or mcpdeck)",
                )
            )
        elif wanted.startswith("env_http_headers."):
            header = wanted[len("env_http_headers.") :]
            out.append(
                Finding(
                    "env_var_unset",
                    "warning",
                    f"{name} is not set, so Codex drops the {header} header of "
                    f"{facts.server.name} ({wanted})",
                    fix=f"export {name}=… in the shell that starts Codex (or mcpdeck)",
                )
            )
        else:
            out.append(
                Finding(
                    "env_var_unset",
                    "warning",
                    f"{name} ({wanted}) is not set in this environment",
                    fix=f"export {name}=… before starting",
                )
            )
    return out


def _refresh_words(facts: Facts) -> str:
    codes = [c for c in facts.oauth_errors if c != "invalid_target"]
    if codes:
        return f" and the refresh failed ({codes[-1]})"
    if facts.record is not None and facts.record.refreshable:
        return " and a refresh did not help"
    return ""


def _server_words(err: SessionError) -> str:
    """The server's own explanation of a 401 (error_description of its challenge), if any."""
    match = re.search(r'error_description="([^"]*)"', err.www_authenticate or "")
    return f" (the server says: {match.group(1)})" if match and match.group(1) else ""


def _session_finding(facts: Facts, err: SessionError, *, explained: bool) -> list[Finding]:
    """The finding for a failed session; ``explained``: an auth finding already covers a 401."""
    server = facts.server
    name = server.name
    kind = err.kind
    if kind == "command_not_found":
        return [Finding("command_not_found", "error", err.message, fix=err.fix)]
    if kind == "cwd_missing":
        return [Finding("cwd_missing", "error", err.message, fix=err.fix)]
    if kind == "env_missing":
        return []  # env_findings already said it
    if kind == "timeout":
        current = facts.effective_timeout or server.startup_timeout_sec
        suggested = max(30, math.ceil(current * 3))
        return [
            Finding(
                "startup_timeout",
                "error",
                f"{name}: {err.message}",
                fix=f"if it is only slow, give it more time: startup_timeout_sec = {suggested}",
                edit=_set(facts, "startup_timeout_sec", suggested),
            )
        ]
    if kind == "unreachable":
        return [Finding("unreachable", "error", err.message, fix=err.fix)]
    if kind == "unauthorized":
        if server.bearer_token_env_var or server.has_authorization_header():
            source = server.bearer_token_env_var or "the Authorization header"
            return [
                Finding(
                    "bearer_rejected",
                    "error",
                    f"{name} rejected the token from {source} (401)",
                    fix=f"check the token in {source}",
                )
            ]
        if facts.record is not None:
            if explained:
                return []  # the audience or resource finding says why, with its fix
            return [
                Finding(
                    "token_revoked",
                    "error",
                    f"{name} answered 401 although a token is stored"
                    + _refresh_words(facts)
                    + ": it was revoked or expired"
                    + _server_words(err),
                    fix=f"log in again: mcpdeck login {name}",
                )
            ]
        return [
            Finding(
                "login_required",
                "error",
                f"{name} requires authentication (401) and no credentials are stored",
                fix=f"mcpdeck login {name}",
            )
        ]
    if kind == "forbidden" and err.insufficient_scope:
        # The challenge's scope first; a server that names none still lists its scopes in
        # the protected resource metadata (the reference's scope order).
        wanted = _challenge_scopes(err.www_authenticate) or (
            facts.discovery.scopes_supported if facts.discovery else []
        )
        held = server.scopes or (
            (facts.record.granted_scopes or facts.record.requested_scopes) if facts.record else []
        )
        scopes = _union(held, wanted)
        return [
            Finding(
                "insufficient_scope",
                "error",
                f"{name} refuses the token: insufficient scope"
                + (f" (needs {' '.join(wanted)})" if wanted else ""),
                fix=f"request the scopes at login: scopes = {scopes}, then mcpdeck login {name}",
                edit=_set(facts, "scopes", scopes) if wanted and scopes != server.scopes else None,
            )
        ]
    if kind == "closed" and err.stderr_tail:
        return [
            Finding(
                "server_exited",
                "error",
                f"{name}: {err.message}",
                fix="run the command by hand to see the whole error: "
                + " ".join([server.command or "", *server.args]).strip(),
            )
        ]
    return [Finding("session_failed", "error", f"{name}: {err.message}", fix=err.fix)]


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
    return (discovery.resource if discovery else None) or _canonical(facts.server.url or "")


def _server_at(facts: Facts, resource: str) -> str | None:
    """The other configured server whose URL ``resource`` is, to name it in a message."""
    for other in facts.loaded.servers.values():
        same = other.url is not None and _canonical(other.url) == _canonical(resource)
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
        edit = _unset(facts, "oauth_resource")
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
        edit = _set(facts, "oauth_resource", expected)
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
        edit = _unset(facts, "oauth_resource")
    elif sent is None or not covers(sent, expected):
        fix = f'set oauth_resource = "{expected}" (the resource {name} names), then {login}'
        edit = _set(facts, "oauth_resource", expected)
    else:
        fix = (
            f"{expected} is what {name} names as its resource, and the authorization server "
            "refuses it: set oauth_resource to the resource identifier the provider documents "
            f"for this server, then {login}"
        )
        edit = _set(
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


def inventory_findings(facts: Facts) -> list[Finding]:
    inventory = facts.inventory
    if inventory is None or "tools" in inventory.errors:
        return []
    out: list[Finding] = []
    server = facts.server
    for key, unknown, configured in (
        ("enabled_tools", inventory.filters.unknown_enabled, server.enabled_tools),
        ("disabled_tools", inventory.filters.unknown_disabled, server.disabled_tools),
    ):
        if not unknown or configured is None:
            continue
        kept = [name for name in configured if name not in unknown]
        # All entries wrong: an empty allow-list would hide every tool, so drop the key.
        edit = _set(facts, key, kept) if kept else _unset(facts, key)
        offered = ", ".join(t.name for t in inventory.tools[:8])
        out.append(
            Finding(
                "unknown_tool_filter",
                "warning",
                f"{key} names tools {server.name} does not offer: {', '.join(unknown)}"
                + (
                    f" (it offers {offered}{', …' if len(inventory.tools) > 8 else ''})"
                    if offered
                    else ""
                ),
                fix=f"remove {', '.join(unknown)} from {key}, or correct the "
                + ("name" if len(unknown) == 1 else "names")
                + f" to tools {server.name} offers",
                edit=edit,
            )
        )
    for kind, why in inventory.errors.items():
        out.append(Finding("listing_failed", "warning", f"listing {kind} failed: {why}"))
    return out


def _canonical(url: str) -> str:
    from mcpdeck.oauth.resource_urls import canonical_resource

    return canonical_resource(url)


# Auth findings that say why a stored token gets a 401 better than "revoked or expired".
_EXPLAINS_401 = frozenset(
    {"token_audience", "token_stale_resource", "resource_required", "oauth_resource_mismatch"}
)


def prelogin_findings(facts: Facts) -> list[Finding]:
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
                edit=_set(facts, "url", alias) if alias else None,
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
                _unset(facts, change.key)
                if change.remove
                else _set(facts, change.key, change.value, needs_value=change.needs_value)
            )
        if check.id == "dcr_unsupported" and facts.record is not None:
            continue  # logged in already: the client identity exists
        out.append(Finding(check.id, check.severity, check.message, fix=check.fix, edit=edit))  # type: ignore[arg-type]
    return out


def collect(facts: Facts) -> list[Finding]:
    """All findings, errors first."""
    out = config_findings(facts) + env_findings(facts)
    auth = auth_findings(facts) + prelogin_findings(facts)
    if facts.session_error is not None:
        explained = any(f.id in _EXPLAINS_401 and f.severity == "error" for f in auth)
        out += _session_finding(facts, facts.session_error, explained=explained)
    out += auth
    out += inventory_findings(facts)
    out += facts.store_findings
    if facts.server.required and facts.session_attempted and facts.session_error is not None:
        out.append(
            Finding(
                "required_failing",
                "error",
                f"{facts.server.name} is required: Codex will not start while it fails",
                fix="fix the errors above, or set required = false to start without it",
                edit=_set(facts, "required", False),
            )
        )
    order = {"error": 0, "warning": 1, "info": 2}
    # Keep one finding per (id, message): a rule and a session error can say the same thing.
    seen: set[tuple[str, str]] = set()
    unique = []
    for finding in out:
        if (finding.id, finding.message) not in seen:
            seen.add((finding.id, finding.message))
            unique.append(finding)
    return sorted(unique, key=lambda f: order[f.severity])


def expires_words(expires_at: float | None) -> str | None:
    if expires_at is None:
        return None
    left = expires_at - time.time()
    from mcpdeck.timefmt import describe_time_left

    return f"expires in {describe_time_left(left)}" if left > 0 else "expired"


__all__ = ["Facts", "collect", "edit_file", "expires_words"]
