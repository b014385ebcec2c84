"""The one redaction helper: registered secrets and credential-looking values are masked."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mcpdeck.redact import MASK, redact, redact_headers, redact_obj, register_secret


def test_registered_secret_is_masked_anywhere() -> None:
    register_secret("s3cr3t-opaque-value")
    assert redact("error: got s3cr3t-opaque-value back") == f"error: got {MASK} back"


def test_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abc def") == "abc def"


def test_authorization_values_are_masked() -> None:
    assert redact("Authorization: Bearer eyJhbGciOi.abc.def") == f"Authorization: Bearer {MASK}"
    assert redact("authorization: basic dXNlcjpwYXNz") == f"authorization: basic {MASK}"


def test_prose_about_bearer_tokens_stays_readable() -> None:
    text = "Needs a static bearer token. Set a Bearer token in DOCS_TOKEN."
    assert redact(text) == text


def test_query_and_json_token_fields_are_masked() -> None:
    url = "http://127.0.0.1/cb?code=abc123&state=xyz&access_token=tok.tok"
    out = redact(url)
    assert "abc123" not in out and "tok.tok" not in out and "state=xyz" in out
    body = '{"access_token": "zzz", "refresh_token":"yyy", "expires_in": 3600}'
    out = redact(body)
    assert "zzz" not in out and "yyy" not in out and "3600" in out


def test_headers_and_objects() -> None:
    headers = redact_headers({"Authorization": "Bearer x", "Accept": "application/json"})
    assert headers == {"Authorization": MASK, "Accept": "application/json"}
    obj = redact_obj({"error": {"code": -32600}, "client_secret": "cs-value", "n": [1, "a"]})
    assert obj == {"error": {"code": -32600}, "client_secret": MASK, "n": [1, "a"]}


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=8, max_size=40))
def test_any_registered_secret_never_survives(secret: str) -> None:
    if len(secret.strip()) < 8:
        return
    register_secret(secret)
    assert secret not in redact(f"before {secret} after")


def test_sanitize_leaves_printable_text_alone_because_it_changes_no_printable_character() -> None:
    """``sanitize`` skips its patterns for printable text (no compile on most runs): that is
    only right while every character they change is non-printable, checked over all code points."""
    from mcpdeck import redact

    changed = re.compile(f"{redact._CONTROLS}|{redact._BIDI}")
    printable_but_changed = [
        hex(c) for c in range(0x110000) if chr(c).isprintable() and changed.match(chr(c))
    ]
    assert printable_but_changed == []
    assert redact.sanitize("a\x1b[2Jb\u202ec → d") == "a␛[2Jb\\u202ec → d"


def _patterns_applied(text: str) -> str:
    from mcpdeck.redact import _patterns

    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text


_WORDS = ["Bearer ", "BASIC ", "Access_Token=", '"PASSWORD": "', "code=", "ı", "ſ", "K", " "]


@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=12)), max_size=8).map("".join))
def test_the_quick_word_check_never_skips_a_match(text: str) -> None:
    # redact() skips the patterns when no trigger word is in the text: never a text they change
    assert redact(text) == _patterns_applied(text)


def test_a_dotless_i_still_reaches_the_patterns() -> None:
    # re's IGNORECASE matches "ı" for "i": the ASCII-only shortcut must not apply
    assert redact("assertıon=abcdef123") == f"assertıon={MASK}"
