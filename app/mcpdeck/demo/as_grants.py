"""What the demo authorization server remembers: clients, resources, pending consents, codes
and tokens, each change made under one lock.

Tokens are opaque random strings kept in memory. Codes and refresh tokens belong to a family
(one per authorization): replaying a code, or a rotated refresh token, revokes the family.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from mcpdeck.demo.resources import canonical_resource

OFFLINE_ACCESS = "offline_access"
PREREGISTERED_CLIENT_ID = "mcpdeck-demo-public-client"
CODE_LIFETIME = 60.0
PENDING_LIFETIME = 600.0


@dataclass
class RegisteredClient:
    client_id: str
    client_name: str
    redirect_uris: list[str]
    token_endpoint_auth_method: str
    grant_types: list[str]
    client_secret: str | None = None
    issued_at: int = field(default_factory=lambda: int(time.time()))


@dataclass
class ProtectedResource:
    """A resource server the AS issues tokens for, with the scopes it understands."""

    uri: str
    scopes: list[str]
    default_scopes: list[str]


@dataclass
class PendingConsent:
    """A valid authorization request waiting for the user's decision on the consent page."""

    client_id: str
    redirect_uri: str
    state: str | None
    scopes: list[str]
    resource: str
    code_challenge: str
    created: float


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    resource: str
    code_challenge: str
    expires_at: float
    family: str
    used: bool = False


@dataclass
class AccessTokenInfo:
    """What a resource server learns from a token: who, which scopes, for which audience."""

    client_id: str
    scopes: list[str]
    audience: str
    expires_at: float
    family: str


@dataclass
class RefreshGrant:
    client_id: str
    scopes: list[str]
    resource: str
    family: str
    active: bool = True


class Grants:
    """The demo AS's memory. Every method is safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resources: dict[str, ProtectedResource] = {}
        self._clients: dict[str, RegisteredClient] = {}
        self._pending: dict[str, PendingConsent] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._access: dict[str, AccessTokenInfo] = {}
        self._refresh: dict[str, RefreshGrant] = {}

    # -- resources and clients

    def add_resource(self, resource: ProtectedResource) -> None:
        with self._lock:
            self._resources[resource.uri] = resource

    def resource(self, raw: str) -> ProtectedResource | None:
        with self._lock:
            return self._resources.get(canonical_resource(raw))

    def all_scopes(self) -> set[str]:
        with self._lock:
            return {s for r in self._resources.values() for s in r.scopes}

    def add_client(self, client: RegisteredClient) -> None:
        with self._lock:
            self._clients[client.client_id] = client

    def client(self, client_id: str) -> RegisteredClient | None:
        with self._lock:
            return self._clients.get(client_id)

    # -- the authorization step

    def hold(self, pending: PendingConsent) -> str:
        """Keep ``pending`` until the user decides; returns the id the consent form posts."""
        request_id = secrets.token_urlsafe(24)
        with self._lock:
            self._pending[request_id] = pending
        return request_id

    def take_pending(self, request_id: str) -> PendingConsent | None:
        """The pending request, once (a second decision finds nothing); None when expired."""
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is None or time.time() - pending.created > PENDING_LIFETIME:
            return None
        return pending

    def new_code(self, pending: PendingConsent) -> str:
        code = "demo_code_" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = AuthorizationCode(
                pending.client_id,
                pending.redirect_uri,
                pending.scopes,
                pending.resource,
                pending.code_challenge,
                time.time() + CODE_LIFETIME,
                family=secrets.token_hex(8),
            )
        return code

    def use_code(self, code: str) -> tuple[AuthorizationCode | None, bool]:
        """The code's grant, marked used, and whether it had been used already (a replay)."""
        with self._lock:
            grant = self._codes.get(code)
            replay = grant is not None and grant.used
            if grant is not None:
                grant.used = True
        return grant, replay

    # -- tokens

    def issue_tokens(
        self, client_id: str, scopes: list[str], resource: str, family: str, lifetime: float
    ) -> dict[str, Any]:
        """A new access and refresh token pair, as the token endpoint answers it."""
        access = "demo_at_" + secrets.token_urlsafe(24)
        refresh = "demo_rt_" + secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = AccessTokenInfo(
                client_id, scopes, resource, time.time() + lifetime, family
            )
            self._refresh[refresh] = RefreshGrant(client_id, scopes, resource, family)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(lifetime),
            "refresh_token": refresh,
            "scope": " ".join(scopes),
        }

    def use_refresh(self, token: str) -> tuple[RefreshGrant | None, bool]:
        """The refresh grant, deactivated (rotation: it works once), and whether it was active."""
        with self._lock:
            grant = self._refresh.get(token)
            was_active = grant is not None and grant.active
            if grant is not None:
                grant.active = False
        return grant, was_active

    def reactivate(self, grant: RefreshGrant) -> None:
        """Undo ``use_refresh``: a malformed request does not burn the token."""
        with self._lock:
            grant.active = True

    def revoke_family(self, family: str) -> None:
        with self._lock:
            for token in [t for t, i in self._access.items() if i.family == family]:
                del self._access[token]
            for grant in self._refresh.values():
                if grant.family == family:
                    grant.active = False

    def revoke(self, token: str, client_id: str) -> None:
        """RFC 7009: an access token alone, a refresh token with its whole family."""
        with self._lock:
            access = self._access.get(token)
            if access is not None and access.client_id == client_id:
                del self._access[token]
            refresh = self._refresh.get(token)
            family = refresh.family if refresh and refresh.client_id == client_id else None
        if family:
            self.revoke_family(family)

    def access(self, token: str) -> AccessTokenInfo | None:
        with self._lock:
            return self._access.get(token)

    def expire_access_tokens(self) -> int:
        now = time.time()
        with self._lock:
            for info in self._access.values():
                info.expires_at = min(info.expires_at, now - 1)
            return len(self._access)

    def revoke_all(self) -> None:
        with self._lock:
            self._access.clear()
            for grant in self._refresh.values():
                grant.active = False

    def active_refresh_tokens(self) -> int:
        with self._lock:
            return sum(1 for g in self._refresh.values() if g.active)
