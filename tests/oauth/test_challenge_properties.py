"""Property tests for the one WWW-Authenticate parser (``mcpdeck.oauth.challenge``).

Challenges are generated, written out as RFC 9110 §11.6.1 allows (quoted or bare values,
optional whitespace around ``=`` and after commas, token68 credentials) and parsed back.
That the parser never raises on arbitrary text is checked in
tests/adversarial/test_parser_properties.py.
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpdeck.oauth.challenge import Challenge, bearer_challenge, parse_www_authenticate

FAST = settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

TCHAR = "!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters
tokens = st.text(alphabet=TCHAR, min_size=1, max_size=12)
schemes = tokens | st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "DPoP", "Negotiate"])
# RFC 9110 token68. Padding is none or at least two '=': a single trailing '=' after a token
# reads as an empty parameter, because servers do send `realm=` (see the last test).
token68s = st.builds(
    lambda body, pad: body + pad,
    st.text(alphabet=string.ascii_letters + string.digits + "-._~+/", min_size=1, max_size=30),
    st.sampled_from(["", "==", "==="]),
)
# Anything a quoted-string can carry: no control characters but tab, any non-ASCII.
quoted_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")) | st.just("\t"), max_size=40
)
tricky = st.sampled_from(
    [
        "missing scope=admin",
        'say "hi", then scope=files:read',
        "a, b, c",
        "back\\slash",
        '\\"',
        "resource_metadata=https://evil.example/",
        "",
        " leading and trailing ",
    ]
)
values = quoted_text | tricky | tokens
spaces = st.sampled_from(["", " ", "\t", "  "])


@st.composite
def challenges(draw: st.DrawFn) -> Challenge:
    scheme = draw(schemes)
    if draw(st.integers(0, 3)) == 0:
        return Challenge(scheme, {}, draw(token68s))
    names = draw(st.lists(tokens, max_size=5, unique_by=str.lower))
    return Challenge(scheme, {name: draw(values) for name in names})


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def written(draw: st.DrawFn, challenge: Challenge) -> str:
    """One challenge as a server may write it."""
    if challenge.token68 is not None:
        return f"{challenge.scheme} {challenge.token68}"
    params = []
    for name, value in challenge.params.items():
        bare = value and all(c in TCHAR for c in value) and draw(st.booleans())
        shown_name = draw(st.sampled_from([name, name.upper(), name.lower()]))
        params.append(
            f"{shown_name}{draw(spaces)}={draw(spaces)}{value if bare else _quote(value)}"
        )
    if not params:
        return challenge.scheme
    return f"{challenge.scheme} " + f",{draw(spaces)}".join(params)


@st.composite
def headers(draw: st.DrawFn) -> tuple[list[Challenge], str]:
    items = draw(st.lists(challenges(), min_size=1, max_size=4))
    text = f",{draw(spaces)}".join(draw(written(c)) for c in items)
    return items, draw(spaces) + text + draw(spaces)


def _expected(items: list[Challenge]) -> list[Challenge]:
    """Parameter names are case-insensitive: the parser lowercases them."""
    return [
        Challenge(c.scheme, {k.lower(): v for k, v in c.params.items()}, c.token68) for c in items
    ]


@FAST
@given(headers())
def test_written_challenges_parse_back_to_themselves(case: tuple[list[Challenge], str]) -> None:
    items, header = case
    assert parse_www_authenticate(header) == _expected(items)


@FAST
@given(headers())
def test_the_bearer_challenge_is_the_first_bearer_one(case: tuple[list[Challenge], str]) -> None:
    items, header = case
    bearers = [c for c in _expected(items) if c.scheme.lower() == "bearer"]
    assert bearer_challenge(header) == (bearers[0] if bearers else None)


@FAST
@given(description=quoted_text | tricky, scope=quoted_text | tricky, first=st.booleans())
def test_a_description_quoting_commas_quotes_or_scope_never_leaks_into_the_scope(
    description: str, scope: str, first: bool
) -> None:
    """The case a regex got wrong: `error_description="missing scope=admin", scope=files:read`."""
    parts = [f"error_description={_quote(description)}", f"scope={_quote(scope)}"]
    header = "Bearer error=insufficient_scope, " + ", ".join(parts if first else parts[::-1])
    challenge = bearer_challenge(header)
    assert challenge is not None
    assert challenge.error == "insufficient_scope"
    assert challenge.params["error_description"] == description
    assert challenge.params["scope"] == scope
    assert challenge.scopes == scope.split()


@FAST
@given(token68s, schemes, st.lists(challenges(), max_size=2))
def test_a_token68_is_kept_whole_among_other_challenges(
    token68: str, scheme: str, others: list[Challenge]
) -> None:
    items = [Challenge(scheme, {}, token68), *others]
    header = ", ".join([f"{scheme} {token68}", *(_plain(c) for c in others)])
    assert parse_www_authenticate(header) == _expected(items)


def _plain(challenge: Challenge) -> str:
    if challenge.token68 is not None:
        return f"{challenge.scheme} {challenge.token68}"
    params = ", ".join(f"{k}={_quote(v)}" for k, v in challenge.params.items())
    return f"{challenge.scheme} {params}".rstrip()


def test_a_lone_equals_sign_reads_as_an_empty_parameter() -> None:
    """The documented tolerance behind the token68 strategy above: `realm=` (no value) is an
    empty parameter, not a token68 credential, so the parameters after it are still read."""
    assert parse_www_authenticate("Bearer realm=, scope=x") == [
        Challenge("Bearer", {"realm": "", "scope": "x"})
    ]
