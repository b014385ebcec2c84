"""Authentication status: the model, and every decision that needs no network.

The four values are the CLI/JSON contract (docs/architecture.md, "Contracts"):
``authenticated``, ``oauth_available``, ``bearer_token``, ``none``. Order of evidence:
configuration first (no I/O), stored credentials next (a blocking store, read in a thread), the
network last (``mcpdeck.status_probe``: probes run concurrently).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.records import as_dict, field, record
from mcpdeck.redact import redact

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any, Literal, Protocol

    from mcpdeck.credentials.record import CredentialKey, CredentialRecord

    AuthStatus = Literal["authenticated", "oauth_available", "bearer_token", "none"]

    class CredentialLookup(Protocol):
        """What status needs from the credential facade: the record and the backend holding it."""

        def locate(self, key: CredentialKey) -> tuple[CredentialRecord, str] | None: ...


DEFAULT_TIMEOUT_SEC = 5.0
# Servers probed at once (three requests each, in parallel). With the lean probe client
# (mcpdeck.net_probe) 1000 servers cost about 1.3 s of CPU in all (4.2 s through httpx2).
# Starting all of them at once spends the first second opening 3000 connections before any
# answer is read; 256 at a time keeps sending and reading interleaved (1000 servers at 200 ms
# each: 3.2-3.4 s at 256 vs 3.4-3.6 s at 1000 and 3.9 s at 128, on a loaded 2-core machine).
DEFAULT_CONCURRENCY = 256


@record
class AuthInfo:
    detail: str
    expires_at: float | None = None
    scopes: list[str] = field(default_factory=list)
    store: str | None = None
    refreshable: bool = False
    requested_scopes: list[str] = field(default_factory=list)
    issuer: str | None = None
    obtained_at: float | None = None  # when the stored tokens were issued (last login)


@record
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
        auth = self.auth
        expires = auth.expires_at
        return {
            "detail": redact(auth.detail),
            "expires_at": _iso(expires) if expires is not None else None,
            "scopes": list(auth.scopes),
            "store": auth.store,
            "refreshable": auth.refreshable,
        }


def status_to_json(status: ServerStatus) -> dict[str, Any]:
    """Everything of a status as JSON (the TUI's probe worker sends these over a pipe)."""
    return as_dict(status)


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
    decided = config_decision(server, environ)
    if decided is None:
        return None
    return ServerStatus(server.name, decided[0], AuthInfo(detail=decided[1]))


def config_decision(
    server: ServerConfig, environ: Mapping[str, str] | None = None
) -> tuple[AuthStatus, str] | None:
    """(status, detail) when the configuration alone decides the status, else None; without
    building the status (``list`` asks this of every server before it opens the store)."""
    env = os.environ if environ is None else environ
    reason = server.inactive_reason
    if reason is not None:
        return "none", reason
    if server.transport == "stdio":
        return "none", "stdio server: no authentication"
    if server.bearer_token_env_var:
        var = server.bearer_token_env_var
        return "bearer_token", f"{var} is set" if env.get(var) else f"{var} is not set"
    if server.http_headers_helper is not None:
        return None  # the helper's output decides (status_probe.compute_statuses runs it)
    if server.has_authorization_header(env):
        where = (
            "http_headers"
            if any(k.lower() == "authorization" for k in server.http_headers)
            else "env_http_headers"
        )
        return "bearer_token", f"Authorization header from {where}"
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
        from mcpdeck.timefmt import describe_time_left

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
    # Imported here: a list that the configuration alone decides never needs the store's types.
    from mcpdeck.credentials.record import CredentialKey

    out: dict[str, tuple[CredentialRecord, str] | BaseException | None] = {}
    for server in servers:
        assert server.url is not None
        key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
        try:
            out[server.name] = credentials.locate(key)
        except Exception as exc:  # a broken store must not hide the other servers
            out[server.name] = exc
    return out


def join_detail(first: str, second: str) -> str:
    """Two parts of a status detail, as one line."""
    return f"{first}; {second}" if first else second


@record
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
                info.detail = join_detail(info.detail, "http_headers_helper not run (--offline)")
            info.detail = join_detail(info.detail, "not probed (--offline)")
            state: AuthStatus = "oauth_available" if fallback else "none"
            plan.decided.append(ServerStatus(server.name, state, info))
        else:
            plan.to_probe.append((server, fallback))
    return plan


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
