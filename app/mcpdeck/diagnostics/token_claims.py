"""Facts read from a JWT access token's claims, decoded WITHOUT verifying its signature.

The doctor only wants to say "this token was issued for X by Y": never a trust decision, and
never the token itself. Opaque tokens (not three base64url parts with a JSON middle) give None.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

# Only claims that describe the grant; no personal data (sub, email, name) is copied.
_KEPT = ("iss", "aud", "exp", "iat", "nbf", "scope", "scp", "azp", "client_id")


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def unverified_claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        payload = json.loads(_b64url(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a payload nested deeper than the interpreter's stack (a hostile
        # authorization server's token) is opaque to the doctor, not a crash.
        return None
    if not isinstance(payload, dict):
        return None
    return {k: payload[k] for k in _KEPT if k in payload}


def audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [a for a in aud if isinstance(a, str)]
    return []


def _norm(uri: str) -> str:
    return uri.rstrip("/").lower()


def covers(audience: str, resource: str) -> bool:
    """Whether a token for ``audience`` is meant for ``resource``: the same URI, or a prefix.

    A prefix counts the way RFC 9728 matches a PRM resource: ``https://h/`` covers
    ``https://h/mcp``; ``https://h/other`` does not.
    """
    aud, target = _norm(audience), _norm(resource)
    return target == aud or target.startswith(aud + "/")


def audience_matches(claims: dict[str, Any], resources: list[str]) -> bool | None:
    """Whether ``aud`` names one of ``resources`` or a prefix of one (None: no audience)."""
    auds = audiences(claims)
    if not auds:
        return None
    return any(covers(aud, resource) for resource in resources if resource for aud in auds)
