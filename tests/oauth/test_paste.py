"""A pasted callback URL is checked as Codex checks it before anything in it is used."""

from __future__ import annotations

import pytest

from mcpdeck.oauth.errors import CallbackError
from mcpdeck.oauth.paste import pasted_target

REDIRECT = "http://127.0.0.1:5555/callback"


def test_the_redirect_with_code_and_state_is_accepted() -> None:
    got = pasted_target(f"  {REDIRECT}?code=abc&state=s1\n", REDIRECT)
    assert got == "/callback?code=abc&state=s1"


@pytest.mark.parametrize(
    ("pasted", "words"),
    [
        ("not a url", "not a callback URL"),
        ("http://127.0.0.1:5556/callback?code=a&state=s", "not this login's redirect URI"),
        ("http://evil.example:5555/callback?code=a&state=s", "not this login's redirect URI"),
        ("http://127.0.0.1:5555/other?code=a&state=s", "not this login's redirect URI"),
        ("http://u:p@127.0.0.1:5555/callback?code=a&state=s", "credentials or a fragment"),
        ("http://127.0.0.1:5555/callback?code=a&state=s#x", "credentials or a fragment"),
        ("http://127.0.0.1:5555/callback?code=a", "no state"),
        ("http://127.0.0.1:5555/callback?code=a&code=b&state=s", "duplicate parameters"),
        ("http://127.0.0.1:5555/callback?code=a&error=x&state=s", "both a code and an error"),
        ("http://127.0.0.1:5555/callback?state=" + "s" * 70000, "64 KiB"),
    ],
)
def test_anything_else_is_refused(pasted: str, words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        pasted_target(pasted, REDIRECT)


def test_configured_redirect_parameters_must_survive_unchanged() -> None:
    redirect = "https://dev.example.com/cb?tenant=a"
    assert pasted_target(f"{redirect}&code=c&state=s", redirect) == "/cb?tenant=a&code=c&state=s"
    with pytest.raises(CallbackError, match="not this login's redirect URI"):
        pasted_target("https://dev.example.com/cb?tenant=b&code=c&state=s", redirect)
    with pytest.raises(CallbackError, match="changes this login's redirect query"):
        pasted_target(f"{redirect}&tenant=b&code=c&state=s", redirect)
