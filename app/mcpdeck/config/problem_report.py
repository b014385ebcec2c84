"""Problems of one server table, each placed at the file and line of its key.

The validators (``validate``, ``transport_keys``) report through a :class:`ProblemReporter`
instead of raising, so one bad key never hides the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path

from mcpdeck.config.model import ConfigProblem, Location

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any, Literal

    Severity = Literal["error", "warning"]


def toml_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date-time"
    return type(value).__name__


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def str_map(value: Any) -> dict[str, str] | None:
    if isinstance(value, dict) and all(isinstance(item, str) for item in value.values()):
        return dict(value)
    return None


class ProblemReporter:
    """Collects problems for one server, placing each at its key's file and line."""

    def __init__(
        self, name: str, provenance: Mapping[str, Location], fallback: Location | None
    ) -> None:
        self.name = name
        self.provenance = provenance
        self.fallback = fallback
        self.problems: list[ConfigProblem] = []

    def location(self, key: str | None) -> Location | None:
        if key is not None:
            found = self.provenance.get(key)
            if found is not None:
                return found
        return self.fallback

    def add(self, message: str, key: str | None = None, severity: Severity = "error") -> None:
        where = self.location(key)
        self.problems.append(
            ConfigProblem(
                message=message,
                file=where.file if where else Path("<unknown>"),
                line=where.line if where else None,
                server=self.name,
                key=key,
                severity=severity,
            )
        )

    def wrong_type(self, key: str, expected: str, value: Any) -> None:
        self.add(f"must be {expected}, not {toml_type_name(value)}", key)


def unknown(key: str, known: frozenset[str]) -> str:
    """A warning for an unknown key, with the closest known one when there is one."""
    message = f"unknown key {key!r}: Codex ignores it"
    import difflib  # only for an unknown key: loading it cost every start-up ~0.5 ms

    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    if close:
        message += f"; did you mean {close[0]!r}?"
    return message


def choice(report: ProblemReporter, key: str, value: Any, choices: tuple[str, ...]) -> bool:
    """True when ``value`` is one of ``choices``; else the problem is reported."""
    if not isinstance(value, str):
        report.wrong_type(key, "a string", value)
        return False
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        report.add(f"unknown value {value!r}; expected one of {listed}", key)
        return False
    return True
