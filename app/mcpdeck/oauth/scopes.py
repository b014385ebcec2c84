"""Which scopes to request (docs/architecture.md, "OAuth client rules")."""

from __future__ import annotations

from typing import Literal

from mcpdeck.oauth.challenge import Challenge
from mcpdeck.oauth.discovery import Discovery
from mcpdeck.records import record

ScopeSource = Literal["user", "config", "challenge", "prm", "none"]


@record(frozen=True)
class ScopeChoice:
    """The scopes to request and where they came from."""

    scopes: list[str]
    source: ScopeSource

    @property
    def discovered(self) -> bool:
        """Scopes mcpdeck found on its own (may be dropped on invalid_scope)."""
        return self.source in ("challenge", "prm")


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def choose_scopes(
    *,
    user: list[str] | None,
    config: list[str] | None,
    challenge: Challenge | None,
    discovery: Discovery,
) -> ScopeChoice:
    """``--scopes`` > config ``scopes`` > 401 challenge ``scope`` > PRM ``scopes_supported`` >
    omit; ``offline_access`` added only when the authorization server lists it."""
    choice: ScopeChoice
    if user:
        choice = ScopeChoice(_dedupe(user), "user")
    elif config:
        choice = ScopeChoice(_dedupe(config), "config")
    elif challenge is not None and challenge.scopes:
        choice = ScopeChoice(_dedupe(challenge.scopes), "challenge")
    elif discovery.scopes_supported:
        choice = ScopeChoice(_dedupe(discovery.scopes_supported), "prm")
    else:
        return ScopeChoice([], "none")
    if "offline_access" in discovery.as_scopes_supported and "offline_access" not in choice.scopes:
        choice = ScopeChoice([*choice.scopes, "offline_access"], choice.source)
    return choice


def union(held: list[str], wanted: list[str]) -> list[str]:
    return _dedupe([*held, *wanted])
