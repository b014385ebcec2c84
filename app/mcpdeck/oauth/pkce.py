"""PKCE S256 and state values: fresh for every login, never stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from authlib.oauth2.rfc7636 import create_s256_code_challenge


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str = "S256"


def new_pkce() -> Pkce:
    # 64 url-safe bytes of entropy → 86 characters, within RFC 7636's 43–128.
    verifier = secrets.token_urlsafe(64)
    return Pkce(verifier=verifier, challenge=create_s256_code_challenge(verifier))


def new_state() -> str:
    return secrets.token_urlsafe(32)
