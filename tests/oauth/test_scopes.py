"""Scope selection order, offline_access, the one retry without discovered scopes, step-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpdeck.errors import AuthRequired
from mcpdeck.oauth.challenge import parse_www_authenticate
from mcpdeck.oauth.discovery import Discovery
from mcpdeck.oauth.errors import CallbackError
from mcpdeck.oauth.flow import login
from mcpdeck.oauth.scopes import choose_scopes
from mcpdeck.oauth.token_provider import MAX_AUTHORIZATIONS, TokenProvider
from mcpdeck.oauth.trace import FlowTrace
from tests.oauth.conftest import http_server, loaded_with
from tests.oauth.memstore import MemoryStore
from tests.oauth.servers import follow_redirects, query, world


def _discovery(
    prm_scopes: list[str] | None = None, as_scopes: list[str] | None = None
) -> Discovery:
    prm = {"resource": "https://a.example/mcp", "authorization_servers": ["https://as.example"]}
    if prm_scopes is not None:
        prm["scopes_supported"] = prm_scopes
    meta = {"issuer": "https://as.example"}
    if as_scopes is not None:
        meta["scopes_supported"] = as_scopes
    return Discovery(
        "https://a.example/mcp",
        None,
        prm,
        None,
        "https://a.example/mcp",
        "https://as.example",
        meta,
        None,
    )


def test_scope_selection_order() -> None:
    (challenge,) = parse_www_authenticate('Bearer scope="from:challenge"')
    d = _discovery(prm_scopes=["from:prm"])

    def pick(**kw):
        return choose_scopes(
            **{"user": None, "config": None, "challenge": None, "discovery": d, **kw}
        )

    assert pick(user=["u"], config=["c"], challenge=challenge).scopes == ["u"]
    assert pick(config=["c"], challenge=challenge).scopes == ["c"]
    assert pick(challenge=challenge).scopes == ["from:challenge"]
    assert pick().scopes == ["from:prm"]
    assert (
        choose_scopes(user=None, config=None, challenge=None, discovery=_discovery()).scopes == []
    )


def test_offline_access_only_when_the_authorization_server_lists_it() -> None:
    listed = _discovery(prm_scopes=["a"], as_scopes=["a", "offline_access"])
    assert choose_scopes(user=None, config=None, challenge=None, discovery=listed).scopes == [
        "a",
        "offline_access",
    ]
    unlisted = _discovery(prm_scopes=["a"], as_scopes=["a"])
    assert choose_scopes(user=None, config=None, challenge=None, discovery=unlisted).scopes == ["a"]


async def test_discovered_scopes_rejected_are_retried_once_without_scope(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(prm_scopes=["bogus"], reject_scopes={"bogus"}) as w:
        server = http_server("docs", w.mcp_url)
        record = await login(
            server,
            loaded_with(tmp_path, server),
            store,
            trace=FlowTrace(),
            browser=follow_redirects,
            timeout=10,
        )
        assert len(w.recorded.authorize) == 2
        assert query(w.recorded.authorize[0])["scope"] == ["bogus"]
        assert "scope" not in query(w.recorded.authorize[1])
        assert record.access_token


async def test_user_given_scopes_are_never_dropped(tmp_path: Path, store: MemoryStore) -> None:
    with world(reject_scopes={"bogus"}) as w:
        server = http_server("docs", w.mcp_url)
        with pytest.raises(CallbackError, match="invalid_scope"):
            await login(
                server,
                loaded_with(tmp_path, server),
                store,
                scopes=["bogus"],
                trace=FlowTrace(),
                browser=follow_redirects,
                timeout=10,
            )
        assert len(w.recorded.authorize) == 1


async def test_step_up_requests_the_union_and_stops_after_the_limit(
    tmp_path: Path, store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mcpdeck.oauth.token_provider as tp

    async def login_via_test_browser(*args, **kwargs):  # the product login, our test browser
        return await login(*args, **kwargs, browser=follow_redirects)

    monkeypatch.setattr(tp, "login", login_via_test_browser)
    with world(challenge_scope="read") as w:
        server = http_server("docs", w.mcp_url)
        provider = TokenProvider(server, loaded_with(tmp_path, server), store, interactive=True)
        assert await provider.on_unauthorized(w.challenge()) is not None
        assert query(w.recorded.authorize[0])["scope"] == ["read"]
        w.options.challenge_scope = "write"
        await provider.on_insufficient_scope(w.challenge("insufficient_scope"))
        assert query(w.recorded.authorize[1])["scope"] == ["read write"]
        for _ in range(MAX_AUTHORIZATIONS - 2):
            await provider.on_insufficient_scope(w.challenge("insufficient_scope"))
        with pytest.raises(AuthRequired, match="giving up"):
            await provider.on_insufficient_scope(w.challenge("insufficient_scope"))
        assert len(w.recorded.authorize) == MAX_AUTHORIZATIONS
