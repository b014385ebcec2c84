"""Property tests for the line scanner (``mcpdeck.config.lines``): on generated valid TOML it
places every table header and key on the line where a person wrote it, and classifies every
line as the loader and the text-preserving editor expect.

The generator writes what makes a light scan go wrong: quoted keys holding dots, `=` or `#`,
strings that look like headers or assignments, multi-line strings and arrays whose lines start
with `[`, inline tables, comments and blank lines between everything.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpdeck.config.lines import (
    ASSIGN,
    BLANK,
    COMMENT,
    HEADER,
    VALUE,
    KeyPath,
    scan_key_lines,
    scan_structure,
)

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BARE = re.compile(r"[A-Za-z0-9_-]+\Z")

# Text that, outside its quotes, would read as a header, an assignment or a comment.
lookalikes = st.sampled_from(
    ["[t0]", "[[t1]]", "k0 = 1", "# not a comment", "a.b = 'c'", "x", "", '\\"', "'", "]", "{"]
)
texts = lookalikes | st.text(alphabet="ab =[]#.'{},", max_size=12)


@dataclass
class Doc:
    lines: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    where: dict[KeyPath, int] = field(default_factory=dict)

    def add(self, line: str, kind: str, path: KeyPath = ()) -> None:
        self.lines.append(line)
        self.kinds.append(kind)
        if path:
            self.where.setdefault(path, len(self.lines))

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


@st.composite
def key_part(draw: st.DrawFn, prefix: str) -> tuple[str, str]:
    """(name, as written): unique by ``prefix``, quoted when it is not bare (or by choice)."""
    name = prefix + draw(st.text(alphabet="ab_-. #=[]\"'", max_size=4))
    style = draw(st.sampled_from(["bare", "basic", "literal"]))
    if style == "bare" and BARE.match(name):
        return name, name
    if style == "literal" and "'" not in name:
        return name, f"'{name}'"
    return name, json.dumps(name)


def _basic(text: str) -> str:
    return json.dumps(text)


@st.composite
def value_lines(draw: st.DrawFn) -> list[str]:
    """A value as written after `key = `: its first line, then any continuation lines."""
    kind = draw(
        st.sampled_from(
            [
                "int",
                "bool",
                "basic",
                "literal",
                "array",
                "inline",
                "ml_basic",
                "ml_literal",
                "ml_array",
            ]
        )
    )
    if kind == "int":
        return [str(draw(st.integers(-(10**6), 10**6)))]
    if kind == "bool":
        return [draw(st.sampled_from(["true", "false"]))]
    if kind == "basic":
        return [_basic(draw(texts))]
    if kind == "literal":
        return [f"'{draw(texts).replace(chr(39), '')}'"]
    if kind == "array":
        items = draw(st.lists(texts, max_size=3))
        return ["[" + ", ".join(_basic(t) for t in items) + "]"]
    if kind == "inline":
        return ["{ a = " + _basic(draw(texts)) + ", b = [1, 2] }"]
    if kind in ("ml_basic", "ml_literal"):
        quote = '"""' if kind == "ml_basic" else "'''"
        body = draw(st.lists(lookalikes, min_size=1, max_size=3))
        body = [line.replace("'", "").replace('"', "").replace("\\", "") for line in body]
        return [quote + body[0], *body[1:], "end" + quote]
    # A multi-line array whose element lines may start with `[` (nested arrays) or `{`.
    elements = draw(
        st.lists(
            st.sampled_from(
                ['["a"],', "[[1], [2]],", '[["[t0]"]],', '"[t0]",', "{ k0 = 1 },", "# c", ""]
            ),
            min_size=1,
            max_size=4,
        )
    )
    return ["[", *(f"  {e}" for e in elements), "]"]


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    doc = Doc()

    def noise() -> None:
        for _ in range(draw(st.integers(0, 2))):
            if draw(st.booleans()):
                doc.add("", BLANK)
            else:
                doc.add(draw(st.sampled_from(["# a comment", "  # [t9] = x"])), COMMENT)

    def entries(table: KeyPath, count: int) -> None:
        for j in range(count):
            noise()
            first, first_written = draw(key_part(f"k{j}"))
            path: KeyPath = (*table, first)
            written = first_written
            if draw(st.integers(0, 3)) == 0:  # a dotted key
                second, second_written = draw(key_part("in"))
                path += (second,)
                written += draw(st.sampled_from([".", " . "])) + second_written
            value = draw(value_lines())
            indent = draw(st.sampled_from(["", "  "]))
            doc.add(f"{indent}{written} = {value[0]}", ASSIGN, path)
            for line in value[1:]:
                doc.add(line, VALUE)

    entries((), draw(st.integers(0, 2)))
    for i in range(draw(st.integers(0, 4))):
        noise()
        name, written = draw(key_part(f"t{i}"))
        path: KeyPath = (name,)
        if draw(st.booleans()):
            sub, sub_written = draw(key_part("s"))
            path += (sub,)
            written += "." + sub_written
        if draw(st.integers(0, 3)) == 0:  # an array of tables, written twice
            for _ in range(2):
                doc.add(f"[[{written}]]", HEADER, path)
                entries(path, draw(st.integers(0, 2)))
        else:
            doc.add(f"[ {written} ]" if draw(st.booleans()) else f"[{written}]", HEADER, path)
            entries(path, draw(st.integers(0, 3)))
    noise()
    return doc


@FAST
@given(documents())
def test_every_header_and_key_is_placed_on_the_line_it_was_written(doc: Doc) -> None:
    tomllib.loads(doc.text)  # the generator writes valid TOML
    found = scan_key_lines(doc.text)
    assert {path: found.get(path) for path in doc.where} == doc.where
    # Nothing invented: every other path it reports is a header or key written somewhere.
    assert set(found) == set(doc.where)


@FAST
@given(documents())
def test_every_line_gets_the_kind_it_was_written_as(doc: Doc) -> None:
    entries = scan_structure(doc.text)
    assert [e.number for e in entries] == list(range(1, len(doc.lines) + 1))
    assert [e.kind for e in entries] == doc.kinds
    for entry in entries:
        if entry.kind in (HEADER, ASSIGN):
            assert doc.where[entry.path] <= entry.number
            assert entry.path[: len(entry.table)] == entry.table
