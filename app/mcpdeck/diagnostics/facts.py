"""What the doctor saw of one server, handed to the rules, and where their edits go."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.credentials.record import CredentialRecord
from mcpdeck.diagnostics.edits import SetKey, UnsetKey
from mcpdeck.diagnostics.report import DiscoverySummary, Finding
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


def set_key(facts: Facts, key: str, value: Any, *, needs_value: str | None = None) -> SetKey:
    return SetKey(edit_file(facts, key), facts.server.name, key, value, needs_value)


def unset_key(facts: Facts, key: str) -> UnsetKey:
    return UnsetKey(edit_file(facts, key), facts.server.name, key)


def canonical(url: str) -> str:
    from mcpdeck.oauth.resource_urls import canonical_resource

    return canonical_resource(url)
