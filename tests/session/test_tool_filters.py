"""enabled_tools then disabled_tools, as Codex applies them (pure function, no server)."""

from __future__ import annotations

from mcpdeck.session.inventory import apply_tool_filters

TOOLS = ["search", "fetch", "delete", "admin"]


def test_no_filters_expose_everything() -> None:
    hidden_by, report = apply_tool_filters(TOOLS, None, None)
    assert report.exposed == TOOLS and report.hidden == []
    assert set(hidden_by.values()) == {None}


def test_allow_list_then_deny_list() -> None:
    hidden_by, report = apply_tool_filters(TOOLS, ["search", "fetch", "delete"], ["delete"])
    assert report.exposed == ["search", "fetch"]
    assert hidden_by["admin"] == "enabled_tools"
    assert hidden_by["delete"] == "disabled_tools"


def test_entries_naming_no_tool_are_reported_as_likely_typos() -> None:
    _, report = apply_tool_filters(TOOLS, ["search", "serach"], ["fecth"])
    assert report.unknown_enabled == ["serach"]
    assert report.unknown_disabled == ["fecth"]
    assert report.exposed == ["search"]


def test_an_empty_allow_list_hides_everything() -> None:
    _, report = apply_tool_filters(TOOLS, [], None)
    assert report.exposed == [] and report.hidden == TOOLS
