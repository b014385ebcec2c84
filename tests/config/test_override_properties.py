"""Property tests for ``-c key=value`` (``mcpdeck.config.overrides.parse_override``): a TOML
value written after the key comes back as that value, and any text gives a pair or a
ValueError with Codex's words, never another exception."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpdeck.config.overrides import parse_override

FAST = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

key_parts = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=10)
keys = st.lists(key_parts, min_size=1, max_size=4).map(".".join)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | texts,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(key_parts, children, max_size=4)
    ),
    max_leaves=10,
)


def toml_value(value: Any) -> str:
    """An inline TOML value: basic strings with every control character escaped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # JSON's escapes are TOML's, except that TOML also wants DEL escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"


@FAST
@given(key=keys, value=values, before=st.sampled_from(["", " "]), after=st.sampled_from(["", " "]))
def test_a_toml_value_comes_back_as_itself(key: str, value: Any, before: str, after: str) -> None:
    assert parse_override(f"{key}{before}={after}{toml_value(value)}") == (key, value)


@FAST
@given(key=keys, word=st.text(alphabet=string.ascii_letters + "/._-", min_size=1, max_size=20))
def test_a_bare_word_is_a_string_as_codex_takes_it(key: str, word: str) -> None:
    """`-c mcp_servers.x.command=echo`: not TOML, so the text itself."""
    if word in ("true", "false", "inf", "nan"):
        return  # those are TOML values
    assert parse_override(f"{key}={word}") == (key, word)


@FAST
@given(st.text(max_size=80))
def test_any_text_gives_a_pair_or_codex_s_error(text: str) -> None:
    try:
        key, _value = parse_override(text)
    except ValueError as exc:
        assert str(exc).startswith("invalid override")
        return
    assert key and all(key.split("."))


@pytest.mark.parametrize(("text", "words"), [("a", "missing '='"), ("=1", "empty key")])
def test_malformed_overrides_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_override(text)
