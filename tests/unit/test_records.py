"""mcpdeck.records behaves as the dataclasses it replaces on the start-up path."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcpdeck import records
from mcpdeck.records import FrozenInstanceError, field, record


@record
class Item:
    name: str
    tags: list[str] = field(default_factory=list)
    secret: str | None = field(default=None, repr=False)
    count: int = 0


@record(frozen=True)
class Point:
    x: int
    y: int = 0


@record
class Box:
    item: Item
    points: list[Point] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.seen.append("post_init")


@dataclasses.dataclass
class DItem:
    name: str
    tags: list[str] = dataclasses.field(default_factory=list)
    secret: str | None = dataclasses.field(default=None, repr=False)
    count: int = 0


def test_init_by_position_keyword_and_defaults() -> None:
    a = Item("a", ["t"], count=2)
    assert (a.name, a.tags, a.secret, a.count) == ("a", ["t"], None, 2)
    b, c = Item("b"), Item("c")
    b.tags.append("x")
    assert c.tags == []  # a factory runs per instance
    assert Item.count == 0  # the class keeps plain defaults, as dataclasses does


def test_bad_calls_are_type_errors() -> None:
    with pytest.raises(TypeError, match="missing required argument: 'name'"):
        Item()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        Item("a", nope=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values"):
        Item("a", name="b")  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        Point(1, 2, 3)  # type: ignore[call-arg]


def test_repr_and_eq_match_dataclasses() -> None:
    item = Item("a", ["t"], secret="s3cr3t", count=1)
    twin = DItem("a", ["t"], secret="s3cr3t", count=1)
    assert repr(item).removeprefix("Item") == repr(twin).removeprefix("DItem")
    assert "s3cr3t" not in repr(item)
    assert item == Item("a", ["t"], secret="s3cr3t", count=1)
    assert item != Item("a", ["t"], secret="other", count=1)
    assert item != twin  # another class is never equal


def test_frozen_records_are_hashable_and_read_only() -> None:
    p = Point(1)
    assert p == Point(1, 0) and hash(p) == hash(Point(1, 0))
    assert {p, Point(1, 0), Point(2)} == {Point(1), Point(2)}
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.y  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(Item("a"))  # mutable records compare by value, so they are not hashable


def test_replace_as_dict_and_post_init() -> None:
    box = Box(Item("a"), [Point(1, 2)], {"k": [Point(3)]})
    assert box.seen == ["post_init"]
    assert records.as_dict(box) == {
        "item": {"name": "a", "tags": [], "secret": None, "count": 0},
        "points": [{"x": 1, "y": 2}],
        "extra": {"k": [{"x": 3, "y": 0}]},
        "seen": ["post_init"],
    }
    moved = records.replace(Point(1, 2), y=5)
    assert moved == Point(1, 5)
    with pytest.raises(TypeError, match="no field 'z'"):
        records.replace(Point(1), z=1)
    assert records.field_names(Item) == ("name", "tags", "secret", "count")


def test_a_required_field_after_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="non-default field 'b'"):

        @record
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


@given(
    name=st.text(),
    tags=st.lists(st.text(max_size=5), max_size=4),
    count=st.integers(),
    secret=st.none() | st.text(),
)
def test_same_values_as_the_dataclass(
    name: str, tags: list[str], count: int, secret: str | None
) -> None:
    ours = Item(name, tags, secret=secret, count=count)
    theirs = DItem(name, tags, secret=secret, count=count)
    assert records.as_dict(ours) == dataclasses.asdict(theirs)
    assert repr(ours)[4:] == repr(theirs)[5:]
