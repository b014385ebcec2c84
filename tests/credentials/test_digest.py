"""The built-in SHA-256 used for credential keys gives hashlib's digests (Codex's key format)."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from mcpdeck.credentials.digest import sha256_hex


@given(st.text())
def test_same_digest_as_hashlib(text: str) -> None:
    assert sha256_hex(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_known_vector() -> None:
    assert sha256_hex("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
