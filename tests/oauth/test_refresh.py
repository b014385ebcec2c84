"""Refresh: before expiry, rotation stored at once, old token kept, invalid_grant, single flight."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from mcpdeck import records
from mcpdeck.credentials.record import CredentialRecord, refresh_margin
from mcpdeck.errors import AuthRequired
from mcpdeck.oauth.flow import login, new_http_client
from mcpdeck.oauth.refresh import UNUSABLE_REASON, refresh_credentials
from mcpdeck.oauth.token_provider import TokenProvider
from mcpdeck.oauth.trace import FlowTrace
from tests.oauth.conftest import http_server, key_for, loaded_with
from tests.oauth.memstore import MemoryStore
from tests.oauth.servers import World, follow_redirects, query, world
from tests.peers import ROOT


def _age(store, key, seconds: float) -> None:
    """Pretend the stored token was obtained ``seconds`` earlier (no waiting in tests)."""
    record = store.load(key)
    store.save(
        key,
        records.replace(
            record,
            obtained_at=record.obtained_at - seconds,
            expires_at=record.expires_at - seconds,
        ),
    )


async def _logged_in(w: World, home: Path, store) -> tuple[CredentialRecord, object, object]:
    server = http_server("docs", w.mcp_url)
    loaded = loaded_with(home, server)
    record = await login(
        server, loaded, store, trace=FlowTrace(), browser=follow_redirects, timeout=10
    )
    return record, server, loaded


def test_the_refresh_margin_scales_with_the_token_lifetime() -> None:
    assert refresh_margin(3600) == 60 and refresh_margin(None) == 60
    assert refresh_margin(60) == 15 and refresh_margin(30) == 7.5


async def test_token_within_the_margin_is_refreshed_before_use_and_rotation_stored(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(access_lifetime=30) as w:
        old, server, loaded = await _logged_in(w, tmp_path, store)
        provider = TokenProvider(server, loaded, store)
        # Right after the login a 30 s token is used as it is (issue 13: not refreshed at once).
        assert await provider.bearer() == old.access_token
        assert w.recorded.refreshes() == []
        # 25 of its 30 seconds gone: inside its margin (a quarter of the lifetime).
        _age(store, key_for(loaded, server), 25)
        token = await provider.bearer()
        assert token != old.access_token and token in w.access_tokens
        stored = store.load(key_for(loaded, server))
        assert stored.access_token == token
        assert stored.refresh_token != old.refresh_token  # the rotated one, stored at once
        assert len(w.recorded.refreshes()) == 1


async def test_refresh_sends_resource_and_keeps_old_refresh_token_when_none_returned(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(access_lifetime=30, rotate_refresh=False) as w:
        old, server, loaded = await _logged_in(w, tmp_path, store)
        async with new_http_client() as http:
            record = await refresh_credentials(
                http, store, tmp_path, key_for(loaded, server), force=True
            )
        assert record is not None and record.refresh_token == old.refresh_token
        assert record.access_token != old.access_token
        assert query(w.recorded.refreshes()[0])["resource"] == [w.mcp_url]


async def test_invalid_grant_marks_the_record_unusable_and_never_loops(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(access_lifetime=30) as w:
        _, server, loaded = await _logged_in(w, tmp_path, store)
        w.refresh_tokens.clear()  # the server forgot every refresh token
        async with new_http_client() as http:
            with pytest.raises(AuthRequired, match="rejected"):
                await refresh_credentials(
                    http, store, tmp_path, key_for(loaded, server), force=True
                )
        stored = store.load(key_for(loaded, server))
        assert stored.unusable_reason == UNUSABLE_REASON
        provider = TokenProvider(server, loaded, store)
        assert await provider.bearer() is None
        assert await provider.on_unauthorized(w.challenge()) is None
        assert len(w.recorded.refreshes()) == 1


async def test_refresh_once_on_401_then_give_up_when_not_interactive(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        old, server, loaded = await _logged_in(w, tmp_path, store)
        provider = TokenProvider(server, loaded, store)
        assert await provider.bearer() == old.access_token
        fresh = await provider.on_unauthorized(w.challenge())
        assert fresh and fresh != old.access_token
        # The new token is rejected too: no second refresh, and no login when not interactive.
        assert await provider.on_unauthorized(w.challenge()) is None
        assert len(w.recorded.refreshes()) == 1
        assert len(w.recorded.authorize) == 1


async def test_tokens_only_for_the_server_they_were_issued_for(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        _, server, loaded = await _logged_in(w, tmp_path, store)
        key = key_for(loaded, server)
        record = store.load(key)
        record.server_url = "https://other.example/mcp"
        store.save(key, record)
        assert await TokenProvider(server, loaded, store).bearer() is None


def test_two_processes_refreshing_at_once_send_one_refresh_request(tmp_path: Path) -> None:
    from mcpdeck.credentials.select import open_store

    with world(access_lifetime=30, refresh_delay=0.5) as w:
        (tmp_path / "config.toml").write_text(
            f'mcp_oauth_credentials_store = "file"\n\n[mcp_servers.docs]\nurl = "{w.mcp_url}"\n'
        )
        from mcpdeck.config.loader import load_config

        loaded = load_config(tmp_path, tmp_path)
        server = loaded.servers["docs"]
        store = open_store("file", tmp_path)
        asyncio.run(
            login(server, loaded, store, trace=FlowTrace(), browser=follow_redirects, timeout=10)
        )
        _age(store, key_for(loaded, server), 25)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.oauth.refresh_worker", str(tmp_path), "docs"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        digests = {out.strip() for out, _ in outs}
        assert len(w.recorded.refreshes()) == 1, outs
        stored = store.load(key_for(loaded, server))
        assert digests == {
            "token-sha256:" + hashlib.sha256(stored.access_token.encode()).hexdigest()
        }


async def test_a_failed_refresh_of_an_expired_token_keeps_its_oauth_error(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(access_lifetime=30) as w:
        _, server, loaded = await _logged_in(w, tmp_path, store)
        key = key_for(loaded, server)
        record = store.load(key)
        record.expires_at = 0.0  # expired: a refresh is the only way to a token
        store.save(key, record)
        w.options.refresh_error = "invalid_target"
        trace = FlowTrace()
        provider = TokenProvider(server, loaded, store, trace=trace)
        assert await provider.bearer() is None
        assert provider.last_error is not None
        assert provider.last_error_code == "invalid_target"
        failed = [e for e in trace.events if e.step == "refresh" and e.status == "fail"]
        assert failed and all(e.data.get("error") == "invalid_target" for e in failed)
        # Not invalid_grant: the record stays usable for a login with a corrected resource.
        assert store.load(key).unusable_reason is None


async def test_a_failed_refresh_after_401_keeps_its_oauth_error(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        old, server, loaded = await _logged_in(w, tmp_path, store)
        w.options.refresh_error = "invalid_target"
        trace = FlowTrace()
        provider = TokenProvider(server, loaded, store, trace=trace)
        assert await provider.bearer() == old.access_token
        assert await provider.on_unauthorized(w.challenge()) is None
        assert provider.last_error_code == "invalid_target"
        assert any(
            e.step == "refresh" and e.data.get("error") == "invalid_target" for e in trace.events
        )


async def test_a_rejected_refresh_token_is_reported_as_invalid_grant(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(access_lifetime=30) as w:
        _, server, loaded = await _logged_in(w, tmp_path, store)
        _age(store, key_for(loaded, server), 25)
        w.refresh_tokens.clear()
        provider = TokenProvider(server, loaded, store)
        assert await provider.bearer() is None
        assert provider.last_error_code == "invalid_grant"
