"""Line numbers for TOML keys, found by a light scan of the text (the TOML parser gives none).

The scan understands table headers, dotted and quoted keys, multi-line strings and multi-line
arrays well enough to place every key a person writes; anything it cannot place simply has no
line number. One scanner loop serves both the loader (``scan_key_lines``: key -> line) and the
text-preserving editor (``scan_structure``: every line with its kind).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

KeyPath = tuple[str, ...]

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_PART = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_DOTTED = rf"{_PART}(?:[ \t]*\.[ \t]*{_PART})*"
_PART_RE = re.compile(_PART)
_HEADER_RE = re.compile(rf"[ \t]*(\[\[?)[ \t]*({_DOTTED})[ \t]*\]\]?")
_ASSIGN_RE = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=")
# A triple quote, a one-line string (skipped whole: `"'''"` opens nothing) or a comment.
_VALUE_TOKEN_RE = re.compile(r'"""|\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#')


def _unquote(part: str) -> str:
    if part.startswith('"'):
        try:
            value = json.loads(part)
        except ValueError:
            return part[1:-1]
        return value if isinstance(value, str) else part[1:-1]
    if part.startswith("'"):
        return part[1:-1]
    return part


def physical_lines(text: str) -> list[str]:
    """Lines split on LF only, as TOML counts them (``str.splitlines`` also splits on \\x0c,
    \\x85, U+2028…, which may sit inside strings)."""
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def split_key(dotted: str) -> KeyPath:
    if '"' not in dotted and "'" not in dotted:
        return tuple(part.strip() for part in dotted.split("."))
    return tuple(_unquote(m.group(0)) for m in _PART_RE.finditer(dotted))


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, else of its closest written ancestor (inline tables, dotted keys)."""
    found = lines.get(path)  # most keys: written on their own line, no prefix to cut
    if found is not None:
        return found
    for end in range(len(path) - 1, 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None


# --- what a line is ---------------------------------------------------------------------------

BLANK = "blank"
COMMENT = "comment"
HEADER = "header"  # [table] or [[array of tables]]
ASSIGN = "assign"  # key = value (the line where the key starts)
VALUE = "value"  # continuation of a multi-line value or string


class LineEntry:
    """One physical line: its kind, and for headers/assignments the full key path."""

    __slots__ = ("kind", "number", "path", "table")

    def __init__(self, number: int, kind: str, table: KeyPath, path: KeyPath = ()) -> None:
        self.number = number
        self.kind = kind
        self.table = table  # the table this line belongs to
        self.path = path

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"LineEntry({self.number}, {self.kind}, {self.path})"


def _walk(text: str) -> Iterator[tuple[int, str, KeyPath, KeyPath]]:
    """The one scanner loop: ``(line number, kind, table, key path)`` for every line."""
    table: KeyPath = ()
    open_triple: str | None = None
    depth = 0  # open brackets of a multi-line array or inline table
    for number, line in enumerate(physical_lines(text), start=1):
        if open_triple is not None:
            # Inside a multi-line string: nothing here is a key until the string closes.
            if line.count(open_triple) % 2 == 1:
                open_triple = None
            yield number, VALUE, table, ()
            continue
        stripped = line.lstrip()
        if depth > 0:
            # Inside a multi-line array: a line like `["a"],` is an element, not a header.
            depth = max(0, depth + _bracket_balance(stripped))
            yield number, VALUE, table, ()
            continue
        if not stripped:
            yield number, BLANK, table, ()
            continue
        if stripped[0] == "#":
            yield number, COMMENT, table, ()
            continue
        if stripped[0] == "[":
            header = _HEADER_RE.match(line)
            if header:
                table = split_key(header.group(2))
                yield number, HEADER, table, table
                continue
        assign = _ASSIGN_RE.match(line)
        if assign is None:
            yield number, VALUE, table, ()
            continue
        yield number, ASSIGN, table, table + split_key(assign.group(1))
        rest = line[assign.end() :]
        open_triple = _opening_triple(rest)
        if open_triple is None and ("[" in rest or "{" in rest):
            # Only an opening bracket can start a multi-line value. Tracking them costs about
            # 0.6 us per inline array or table (4,000 of them: 12.7 ms to scan a 10,000-line
            # file instead of 8.6 ms), the price of not reading `["a"],` as a table header.
            depth = max(0, _bracket_balance(rest))


def _opening_triple(rest: str) -> str | None:
    """The triple quote of a multi-line string left open at the end of a value's first line."""
    if '"""' not in rest and "'''" not in rest:
        return None  # most values: no tokenizing
    pos = 0
    while True:
        token = _VALUE_TOKEN_RE.search(rest, pos)
        if token is None or token.group(0) == "#":
            return None
        quote = token.group(0)
        if quote not in ('"""', "'''"):
            pos = token.end()
            continue
        close = rest.find(quote, token.end())
        if close < 0:
            return quote
        pos = close + 3


def scan_key_lines(text: str) -> dict[KeyPath, int]:
    """Map each table header and key path to the 1-based line where it first appears."""
    lines: dict[KeyPath, int] = {}
    for number, _kind, _table, path in _walk(text):
        if path:
            lines.setdefault(path, number)
    return lines


def scan_structure(text: str) -> list[LineEntry]:
    """Every physical line with its kind and table, for edits that keep the rest of the text."""
    return [LineEntry(number, kind, table, path) for number, kind, table, path in _walk(text)]


_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')


def _bracket_balance(fragment: str) -> int:
    """Open minus closed brackets/braces outside strings and comments on one line."""
    code = _STRING_RE.sub('""', fragment)
    hash_at = code.find("#")
    if hash_at >= 0:
        code = code[:hash_at]
    return code.count("[") + code.count("{") - code.count("]") - code.count("}")
