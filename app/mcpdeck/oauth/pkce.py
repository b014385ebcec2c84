"""PKCE S256 and state values: fresh for every login, never stored."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str = "S256"


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(verifier))) without padding.

    Three lines of hashlib rather than authlib's helper: importing ``authlib.oauth2`` for it
    cost about 4 ms of every login's start-up.
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce() -> Pkce:
    # 64 url-safe bytes of entropy → 86 characters, within RFC 7636's 43–128.
    verifier = secrets.token_urlsafe(64)
    return Pkce(verifier=verifier, challenge=s256_challenge(verifier))


def new_state() -> str:
    return secrets.token_urlsafe(32)
