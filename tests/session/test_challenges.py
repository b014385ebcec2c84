"""The session layer reads challenges with the one WWW-Authenticate parser, in raw or display form."""

from __future__ import annotations

import pytest

from mcpdeck.session.challenges import parse_challenge, refuses_scope
from mcpdeck.session.http import challenge_text
from mcpdeck.session.models import SessionError

REFUSAL = 'Bearer error="insufficient_scope", scope="files:read files:write"'
DESCRIBED_ONLY = 'Bearer error="invalid_token", error_description="not insufficient_scope"'


@pytest.mark.parametrize("form", [lambda h: h, challenge_text], ids=["raw", "display"])
def test_a_scope_refusal_is_read_in_raw_and_display_form(form) -> None:
    text = form(REFUSAL)
    assert refuses_scope(text)
    challenge = parse_challenge(text)
    assert challenge is not None
    assert challenge.scopes == ["files:read", "files:write"]


@pytest.mark.parametrize("form", [lambda h: h, challenge_text], ids=["raw", "display"])
def test_the_words_in_a_description_are_not_a_refusal(form) -> None:
    assert not refuses_scope(form(DESCRIBED_ONLY))


def test_session_error_asks_the_parser() -> None:
    refused = SessionError("forbidden", "x", status=403, www_authenticate=challenge_text(REFUSAL))
    described = SessionError(
        "forbidden", "x", status=403, www_authenticate=challenge_text(DESCRIBED_ONLY)
    )
    assert refused.insufficient_scope
    assert not described.insufficient_scope


def test_nothing_to_read() -> None:
    assert parse_challenge(None) is None
    assert not refuses_scope("")
