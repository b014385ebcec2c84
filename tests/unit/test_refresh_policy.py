"""The background refresh policy, driven by a clock the test sets (no Textual, no waiting)."""

from __future__ import annotations

from mcpdeck import records
from mcpdeck.config.model import ServerConfig
from mcpdeck.credentials.record import refresh_margin
from mcpdeck.tui.model import Probe, RowState
from mcpdeck.tui.refresh_policy import REFRESH_COOLDOWN_SEC, RefreshPolicy, token_lifetime

NOW = 1_800_000_000.0
LIFETIME = 3600.0


def row(name: str = "docs", *, left: float = 60.0, **probe: object) -> RowState:
    """An authenticated, refreshable server whose hour-long token has ``left`` seconds."""
    fields: dict[str, object] = {
        "name": name,
        "auth_status": "authenticated",
        "detail": "",
        "expires_at": NOW + left,
        "obtained_at": NOW + left - LIFETIME,
        "refreshable": True,
    }
    fields.update(probe)
    server = ServerConfig(name=name, transport="streamable_http", url="http://127.0.0.1:1/mcp")
    return RowState(server=server, probe=Probe(**fields), checking=False)  # type: ignore[arg-type]


def test_due_only_inside_the_margin() -> None:
    margin = refresh_margin(LIFETIME)
    policy = RefreshPolicy()
    assert policy.is_due(row(left=margin), NOW)
    assert not policy.is_due(row(left=margin + 1), NOW)
    assert policy.is_due(row(left=margin + 1), NOW + 1)  # time moves, the margin is reached
    assert policy.is_due(row(left=-5), NOW)  # already expired: still refreshable


def test_margin_scales_with_a_short_lived_token() -> None:
    short = row(left=10.0, obtained_at=NOW - 50.0)  # a 60 s token
    assert token_lifetime(short.probe) == 60.0  # type: ignore[arg-type]
    assert refresh_margin(60.0) < 20
    policy = RefreshPolicy()
    assert policy.is_due(short, NOW)
    assert not policy.is_due(row(left=30.0, obtained_at=NOW - 30.0), NOW)


def test_not_due_when_nothing_can_be_refreshed() -> None:
    policy = RefreshPolicy()
    assert not policy.is_due(row(refreshable=False), NOW)
    assert not policy.is_due(row(auth_status="oauth_available"), NOW)
    assert not policy.is_due(row(expires_at=None), NOW)
    checking = row()
    checking.checking = True
    assert not policy.is_due(checking, NOW)
    disabled = row()
    disabled.server = records.replace(disabled.server, enabled=False)
    assert not policy.is_due(disabled, NOW)
    assert not policy.is_due(RowState(server=row().server, probe=None, checking=False), NOW)


def test_an_attempt_cools_down_before_the_next() -> None:
    policy = RefreshPolicy()
    rows = [row("a"), row("b", left=LIFETIME)]
    assert policy.start_due(rows, NOW) == ["a"]
    assert policy.in_flight == {"a"}
    assert policy.start_due(rows, NOW + 1) == []  # in flight
    policy.finished("a", failed=False)
    assert policy.start_due(rows, NOW + REFRESH_COOLDOWN_SEC - 1) == []  # cooling down
    assert policy.start_due(rows, NOW + REFRESH_COOLDOWN_SEC) == ["a"]


def test_a_failure_waits_for_the_user() -> None:
    policy = RefreshPolicy()
    rows = [row("a")]
    assert policy.start_due(rows, NOW) == ["a"]
    policy.finished("a", failed=True)
    assert policy.blocked == {"a"}
    assert policy.start_due(rows, NOW + 10 * REFRESH_COOLDOWN_SEC) == []  # never on its own
    policy.allow("a")  # r, R or a login
    assert policy.start_due(rows, NOW + 1) == ["a"]  # and the cool-down is lifted too


def test_refreshed_at_is_remembered() -> None:
    policy = RefreshPolicy()
    policy.start_due([row("a")], NOW)
    policy.finished("a", failed=False)
    policy.refreshed("a", NOW + 2)
    assert policy.refreshed_at == {"a": NOW + 2}
