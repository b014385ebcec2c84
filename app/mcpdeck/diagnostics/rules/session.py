"""Findings about the live session: what failed when it opened, and a required server failing."""

from __future__ import annotations

import math
from collections.abc import Iterable

from mcpdeck.diagnostics.facts import Facts, set_key
from mcpdeck.diagnostics.report import Finding
from mcpdeck.oauth.challenge import Challenge, bearer_challenge
from mcpdeck.session.models import SessionError


def _challenge(err: SessionError) -> Challenge | None:
    """The Bearer challenge of the refusal. The session keeps it in display form ("Bearer: k=v",
    see :func:`mcpdeck.session.http.challenge_text`): the parser reads it once the colon after
    the scheme is dropped."""
    scheme, sep, rest = (err.www_authenticate or "").partition(" ")
    return bearer_challenge(f"{scheme.rstrip(':')}{sep}{rest}")


def _union(*groups: Iterable[str]) -> list[str]:
    out: list[str] = []
    for group in groups:
        for item in group:
            if item not in out:
                out.append(item)
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
    challenge = _challenge(err)
    said = challenge.error_description if challenge is not None else None
    return f" (the server says: {said})" if said else ""


def session_findings(facts: Facts, err: SessionError, *, explained: bool) -> list[Finding]:
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
                edit=set_key(facts, "startup_timeout_sec", suggested),
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
    challenge = _challenge(err) if kind == "forbidden" else None
    if challenge is not None and challenge.error == "insufficient_scope":
        # The challenge's scope first; a server that names none still lists its scopes in
        # the protected resource metadata (the reference's scope order).
        wanted = challenge.scopes or (facts.discovery.scopes_supported if facts.discovery else [])
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
                edit=set_key(facts, "scopes", scopes)
                if wanted and scopes != server.scopes
                else None,
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


def required_findings(facts: Facts) -> list[Finding]:
    """A required server that fails stops Codex itself."""
    if not (facts.server.required and facts.session_attempted and facts.session_error):
        return []
    return [
        Finding(
            "required_failing",
            "error",
            f"{facts.server.name} is required: Codex will not start while it fails",
            fix="fix the errors above, or set required = false to start without it",
            edit=set_key(facts, "required", False),
        )
    ]
