"""Credential records, their keys, and the store interface. No I/O here."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mcpdeck.credentials.digest import sha256_hex
from mcpdeck.records import as_dict, field, field_names, record
from mcpdeck.redact import register_secrets

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any, Protocol

# Where mcpdeck kept credentials before it used Codex's own layout (accounts ``mcp|…`` and
# ``mcp-client|…``). Codex's ChatGPT sign-in lives under the same service (accounts ``cli|…``):
# mcpdeck only ever reads and deletes its own old accounts there, and never writes.
KEYRING_SERVICE = "Codex Auth"
LEGACY_KEYRING_SERVICE = KEYRING_SERVICE
# Codex 0.171.0's keyring service for MCP OAuth tokens (rmcp-client oauth.rs).
CODEX_KEYRING_SERVICE = "Codex MCP Credentials"
# mcpdeck's own records (client registrations, requested scopes, client secrets).
OWN_KEYRING_SERVICE = "mcpdeck"
# Refresh when fewer than this many seconds remain (issue #3: 60 s margin) — at most: a
# shorter-lived token gets a quarter of its lifetime (issue 13), so a 60 s token is not
# refreshed on every use right after the login.
REFRESH_MARGIN_SEC = 60.0
SHORT_TOKEN_MARGIN_SHARE = 0.25


def refresh_margin(lifetime: float | None) -> float:
    """Seconds before expiry at which a token of ``lifetime`` seconds is refreshed."""
    if lifetime is None or lifetime <= 0:
        return REFRESH_MARGIN_SEC
    return min(REFRESH_MARGIN_SEC, lifetime * SHORT_TOKEN_MARGIN_SHARE)


def canonical_codex_home(codex_home: Path) -> str:
    """The canonical path string that isolates one CODEX_HOME's credentials from another's."""
    return os.path.realpath(os.path.expanduser(str(codex_home)))


@record(frozen=True)
class CredentialKey:
    """One record per (CODEX_HOME, server name, server URL)."""

    codex_home: str  # canonical, see canonical_codex_home()
    server_name: str
    server_url: str

    @classmethod
    def for_server(cls, codex_home: Path, server_name: str, server_url: str) -> CredentialKey:
        return cls(canonical_codex_home(codex_home), server_name, server_url)

    def store_key(self) -> str:
        """Codex's key for this server: ``<name>|<16 hex of SHA-256 of the transport JSON>``.

        Codex 0.171.0 hashes ``{"type":"http","url":<url>,"headers":{}}`` serialized compactly
        in that key order (serde_json: non-ASCII kept as UTF-8); CODEX_HOME is not part of it.
        """
        transport = json.dumps(
            {"type": "http", "url": self.server_url, "headers": {}},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        digest = sha256_hex(transport)[:16]
        return f"{self.server_name}|{digest}"

    def account(self) -> str:
        """Legacy keyring account (before Codex's layout): name plus a digest of home, name, URL."""
        digest = sha256_hex(json.dumps([self.codex_home, self.server_name, self.server_url]))[:24]
        return f"mcp|{self.server_name}|{digest}"


def registration_account(codex_home: str, issuer: str) -> str:
    """Store account of the client registration at ``issuer`` for one (canonical) CODEX_HOME."""
    digest = sha256_hex(json.dumps([codex_home, issuer]))[:24]
    return f"mcp-client|{digest}"


@record
class ClientRegistration:
    """An OAuth client identity at one authorization server (keyed by its issuer)."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    token_endpoint_auth_method: str = "none"
    redirect_uris: list[str] = field(default_factory=list)
    registered_at: float = field(default_factory=time.time)
    # "dcr" (dynamic registration), "cimd" (client id metadata document), "preregistered"
    kind: str = "dcr"

    def __post_init__(self) -> None:
        register_secrets([self.client_secret])

    def __repr__(self) -> str:
        return (
            f"ClientRegistration(issuer={self.issuer!r}, client_id={self.client_id!r}, "
            f"kind={self.kind!r}, secret={'set' if self.client_secret else 'none'})"
        )

    def to_json(self) -> dict[str, Any]:
        return as_dict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClientRegistration:
        names = set(field_names(cls))
        return cls(**{k: v for k, v in data.items() if k in names})


@record
class CredentialRecord:
    """Everything mcpdeck keeps about one login. Secrets never leave the store."""

    server_name: str
    server_url: str
    client_id: str
    issuer: str | None
    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None  # epoch seconds
    token_type: str = "Bearer"
    requested_scopes: list[str] = field(default_factory=list)
    granted_scopes: list[str] = field(default_factory=list)
    resource: str | None = None
    token_endpoint: str | None = None
    client_secret: str | None = None
    token_endpoint_auth_method: str = "none"
    # None for a login Codex made (its records do not say when).
    obtained_at: float | None = field(default_factory=time.time)
    last_refresh_at: float | None = None
    # Set when the refresh token was rejected (invalid_grant): the record must not be used.
    unusable_reason: str | None = None

    def __post_init__(self) -> None:
        register_secrets([self.access_token, self.refresh_token, self.client_secret])

    def __repr__(self) -> str:  # never print tokens, even by accident
        return (
            f"CredentialRecord(server={self.server_name!r}, url={self.server_url!r}, "
            f"issuer={self.issuer!r}, expires_at={self.expires_at!r}, "
            f"refreshable={self.refreshable}, scopes={self.granted_scopes!r})"
        )

    __str__ = __repr__

    @property
    def refreshable(self) -> bool:
        return bool(self.refresh_token) and self.unusable_reason is None

    def expires_in(self, now: float | None = None) -> float | None:
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None, margin: float = 0.0) -> bool:
        left = self.expires_in(now)
        return left is not None and left <= margin

    @property
    def lifetime(self) -> float | None:
        """Seconds the current access token was issued for (from when it was obtained)."""
        if self.expires_at is None:
            return None
        since = self.last_refresh_at or self.obtained_at
        return None if since is None else self.expires_at - since

    def needs_refresh(self, now: float | None = None) -> bool:
        return self.is_expired(now, margin=refresh_margin(self.lifetime))

    def usable(self, now: float | None = None) -> bool:
        """Usable now, or can be made usable by a refresh."""
        if self.unusable_reason is not None:
            return False
        return not self.is_expired(now) or self.refreshable

    def to_json(self) -> dict[str, Any]:
        return as_dict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CredentialRecord:
        names = set(field_names(cls))
        return cls(**{k: v for k, v in data.items() if k in names})


class CredentialStoreError(Exception):
    """A store could not be read or written; the message is one line and says what to do."""


class StoreUnavailable(CredentialStoreError):
    """The backend does not work on this machine (no Secret Service, locked keyring, …)."""


if TYPE_CHECKING:

    class CredentialStore(Protocol):
        """A backend. Blocking calls: async callers run them with ``asyncio.to_thread``."""

        name: str  # "keyring" or "file"

        def load(self, key: CredentialKey) -> CredentialRecord | None: ...

        def save(self, key: CredentialKey, record: CredentialRecord) -> None: ...

        def delete(self, key: CredentialKey) -> bool: ...

        def load_registration(self, codex_home: str, issuer: str) -> ClientRegistration | None: ...

        def save_registration(self, codex_home: str, registration: ClientRegistration) -> None: ...


# ----- validation at the boundary (token responses and stored records)

# A lifetime longer than this is treated as this long: a hostile `expires_in` (1e300, Infinity)
# must neither overflow a date nor make a token live forever.
MAX_LIFETIME_SEC = 366 * 86400.0


class InvalidRecord(CredentialStoreError):
    """A stored record (or a token response) with a field of the wrong type or value."""


def token_problem(value: Any, what: str) -> str | None:
    """Why ``value`` cannot be a token (never quoting it), or None when it can."""
    if not isinstance(value, str):
        return f"{what} is not a string (got {type(value).__name__})"
    if not value.strip():
        return f"{what} is empty"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        return f"{what} contains control characters (CR, LF or others)"
    return None


def clamp_lifetime(expires_in: Any) -> float | None:
    """``expires_in`` as finite seconds in [0, MAX_LIFETIME_SEC]; None when absent or not a number.

    NaN and non-numbers mean "unknown" (the token is used until the server rejects it, then
    refreshed); infinities and huge numbers are clamped, negative ones mean "already expired".
    """
    if isinstance(expires_in, bool):
        return None
    if isinstance(expires_in, str):
        text = expires_in.strip()
        if not text.isdigit():
            return None
        expires_in = int(text[:12])  # more digits than this is clamped anyway
    if not isinstance(expires_in, int | float):
        return None
    try:
        seconds = float(expires_in)
    except OverflowError:  # an int too large for a float
        return MAX_LIFETIME_SEC if expires_in > 0 else 0.0
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_LIFETIME_SEC)


def clamp_expires_at(expires_at: float | None, now: float | None = None) -> float | None:
    """An absolute expiry no later than ``now + MAX_LIFETIME_SEC`` (None stays None)."""
    if expires_at is None:
        return None
    limit = (time.time() if now is None else now) + MAX_LIFETIME_SEC
    return min(expires_at, limit)
