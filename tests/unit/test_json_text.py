"""dumps_indented writes exactly what json.dumps(value, indent=2) writes."""

from __future__ import annotations

import collections
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcpdeck.json_text import dumps_indented

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and infinities included: json.dumps writes NaN, Infinity
    st.text(),
)
keys = st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(keys, inner, max_size=5),
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_text_as_json_dumps_indent_2(value: object) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


class Name(str):
    pass


class Count(int):
    pass


def test_subclasses_and_ordered_dicts_as_json_dumps() -> None:
    value = collections.OrderedDict(
        [(Name("a:b"), [Count(3), Name("x"), math.inf]), (2.5, {}), (None, [])]
    )
    assert dumps_indented(value) == json.dumps(value, indent=2)


def test_what_json_dumps_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps_indented({(1, 2): 0})
    with pytest.raises(TypeError):
        dumps_indented([object()])
