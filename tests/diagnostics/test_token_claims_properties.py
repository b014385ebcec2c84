"""Property tests for the doctor's unverified JWT reading (``diagnostics.token_claims``).

The access token comes from an authorization server, so it is outside input: whatever it is,
the doctor reads the grant's claims or nothing, and never fails on it."""

from __future__ import annotations

import base64
import json
import string
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mcpdeck.diagnostics.token_claims import covers, unverified_claims

FAST = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
KEPT = ("iss", "aud", "exp", "iat", "nbf", "scope", "scp", "azp", "client_id")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
claims = st.dictionaries(
    st.sampled_from([*KEPT, "sub", "email", "name", "jti"]) | st.text(max_size=8),
    json_values,
    max_size=10,
)


def _part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(payload: bytes) -> str:
    return ".".join([_part(b'{"alg":"RS256","typ":"JWT"}'), _part(payload), _part(b"sig")])


@FAST
@given(claims)
def test_the_grant_s_claims_are_read_and_nothing_else(payload: dict[str, Any]) -> None:
    got = unverified_claims(jwt(json.dumps(payload).encode()))
    assert got == {k: v for k, v in payload.items() if k in KEPT}


@FAST
@given(
    st.one_of(
        st.text(max_size=200),
        st.builds(jwt, st.binary(max_size=200)),
        st.builds(lambda depth: jwt(b"[" * depth), st.integers(1, 200_000)),
    )
)
@example(jwt(b"[" * 100_000))  # nested deeper than the interpreter's recursion limit
@example(jwt(b'{"aud": ' + b"{" * 100_000))
def test_any_token_gives_claims_or_nothing(token: str) -> None:
    got = unverified_claims(token)
    assert got is None or set(got) <= set(KEPT)


url_like = st.builds(
    lambda host, path: f"https://{host}{path}",
    st.text(alphabet=string.ascii_lowercase + ".", min_size=1, max_size=12),
    st.text(alphabet=string.ascii_lowercase + "/", max_size=12).map(lambda p: "/" + p.strip("/")),
)
tails = st.text(alphabet=string.ascii_lowercase + string.digits + "/", min_size=1, max_size=10)


@FAST
@given(audience=url_like, tail=tails)
def test_an_audience_covers_paths_below_it_and_not_beside_it(audience: str, tail: str) -> None:
    assert covers(audience, audience)
    assert covers(audience, audience + "/")
    assert covers(audience, audience.rstrip("/") + "/" + tail)
    if not tail.startswith("/"):
        assert not covers(audience.rstrip("/"), audience.rstrip("/") + tail)
