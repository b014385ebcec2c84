"""PKCE S256 (RFC 7636): the challenge the authorization server will recompute."""

from __future__ import annotations

from mcpdeck.oauth.pkce import new_pkce, s256_challenge


def test_s256_matches_the_rfc_7636_appendix_b_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_every_login_gets_a_fresh_verifier_within_the_rfc_length() -> None:
    first, second = new_pkce(), new_pkce()
    assert first.verifier != second.verifier
    assert 43 <= len(first.verifier) <= 128
    assert first.challenge == s256_challenge(first.verifier) and first.method == "S256"
