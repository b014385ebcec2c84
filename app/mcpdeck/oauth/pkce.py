"""PKCE S256 and state values: fresh for every login, never stored."""

from __future__ import annotations

import base64
import os

from mcpdeck.credentials.digest import sha256_digest
from mcpdeck.records import record


@record(frozen=True)
class Pkce:
    """One login's PKCE pair: the secret verifier and its S256 challenge."""

    verifier: str
    challenge: str
    method: str = "S256"


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(verifier))) without padding.

    Three lines rather than authlib's helper: importing ``authlib.oauth2`` for it cost about
    4 ms of every login's start-up (and hashlib, which loads OpenSSL's, another ~1 ms).
    """
    digest = sha256_digest(verifier.encode("ascii"))
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _token_urlsafe(nbytes: int) -> str:
    """``secrets.token_urlsafe``, which is exactly this (``os.urandom``, base64url, no padding);
    importing ``secrets`` (random, bisect, hmac) cost ~1 ms of every login's start-up."""
    return base64.urlsafe_b64encode(os.urandom(nbytes)).rstrip(b"=").decode("ascii")


def new_pkce() -> Pkce:
    # 64 url-safe bytes of entropy → 86 characters, within RFC 7636's 43–128.
    verifier = _token_urlsafe(64)
    return Pkce(verifier=verifier, challenge=s256_challenge(verifier))


def new_state() -> str:
    return _token_urlsafe(32)
