"""The one human duration formatter, shared by `list`, the doctor and the TUI."""

from __future__ import annotations

import pytest

from mcpdeck.timefmt import describe_time_left


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (-5, "0 s"),
        (0, "0 s"),
        (12.9, "12 s"),
        (59, "59 s"),
        (60, "1 min 00 s"),
        (250, "4 min 10 s"),
        (3599, "59 min 59 s"),
        (3600, "1 h 0 min"),
        (7500, "2 h 5 min"),
        (86399, "23 h 59 min"),
        (86400, "1 d 0 h"),
        (3 * 86400 + 5 * 3600 + 59, "3 d 5 h"),
    ],
)
def test_each_unit_boundary(seconds: float, words: str) -> None:
    assert describe_time_left(seconds) == words
