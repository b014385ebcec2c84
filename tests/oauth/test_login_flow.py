"""The login flow against a real loopback authorization server and MCP resource."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mcpdeck.config.model import OAuthOverrides
from mcpdeck.oauth.errors import CallbackError, DiscoveryError, OAuthError
from mcpdeck.oauth.flow import login
from mcpdeck.oauth.trace import AuthorizationUrl, CredentialsStored, FlowTrace, WaitingForCallback
from tests.oauth.conftest import http_server, key_for, loaded_with
from tests.oauth.memstore import MemoryStore
from tests.oauth.servers import follow_redirects, query, world


async def _login(w, tmp_path: Path, store: MemoryStore, **kw):
    server = kw.pop("server", None) or http_server("docs", w.mcp_url)
    loaded = loaded_with(tmp_path, server)
    trace = FlowTrace()
    record = await login(
        server,
        loaded,
        store,
        trace=trace,
        browser=kw.pop("browser", follow_redirects),
        timeout=kw.pop("timeout", 10),
        **kw,
    )
    return record, trace, loaded, server


async def test_full_login_stores_tokens_for_the_server(tmp_path: Path, store: MemoryStore) -> None:
    with world() as w:
        record, trace, loaded, server = await _login(w, tmp_path, store)
        assert record.access_token in w.access_tokens
        assert record.refresh_token in w.refresh_tokens
        assert store.load(key_for(loaded, server)).access_token == record.access_token
        assert record.issuer == w.issuer and record.resource == w.mcp_url
        steps = [e.step for e in trace.events]
        for step in (
            "probe",
            "discovery",
            "registration",
            "authorize",
            "waiting",
            "callback",
            "token",
            "stored",
        ):
            assert step in steps
        assert w.issuer in store.registrations


async def test_the_events_consumers_act_on_are_typed_and_keep_the_json_shape(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        _, trace, *_ = await _login(w, tmp_path, store, timeout=7)
        [url] = [e for e in trace.events if isinstance(e, AuthorizationUrl)]
        [waiting] = [e for e in trace.events if isinstance(e, WaitingForCallback)]
        [stored] = [e for e in trace.events if isinstance(e, CredentialsStored)]
        assert url.step == "authorize" and url.url.startswith(f"{w.issuer}/authorize?")
        assert query(w.recorded.authorize[0])["state"][0] in url.url
        assert (waiting.step, waiting.timeout) == ("waiting", 7)
        assert (stored.step, stored.store) == ("stored", store.name)
        for event in (url, waiting, stored):
            # One JSON shape for every event (doctor reports, TUI log): the typed field is in data.
            assert list(event.to_json()) == [
                "step",
                "status",
                "summary",
                "at",
                "elapsed_ms",
                "data",
            ]
        assert (url.data["url"], waiting.data["timeout"], stored.data["store"]) == (
            url.url,
            7,
            store.name,
        )


async def test_resource_parameter_sent_exactly_once_in_authorize_and_token(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        await _login(w, tmp_path, store)
        assert query(w.recorded.authorize[0])["resource"] == [w.mcp_url]
        assert query(w.recorded.token[0])["resource"] == [w.mcp_url]


async def test_configured_oauth_resource_replaces_the_default_never_two(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        server = http_server("docs", w.mcp_url, oauth_resource="https://api.example.com/")
        record, trace, *_ = await _login(w, tmp_path, store, server=server)
        assert record.resource == "https://api.example.com/"
        assert query(w.recorded.authorize[0])["resource"] == ["https://api.example.com/"]
        assert query(w.recorded.token[0])["resource"] == ["https://api.example.com/"]
        # The override differs from the server's PRM resource: the login says so.
        notes = [e for e in trace.events if e.data.get("server_resource") == w.mcp_url]
        assert notes and "oauth_resource" in notes[0].summary


async def test_no_resource_note_when_the_override_names_the_server(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        server = http_server("docs", w.mcp_url, oauth_resource=w.mcp_url + "/")
        _, trace, *_ = await _login(w, tmp_path, store, server=server)
        assert not [e for e in trace.events if "server_resource" in e.data]


async def test_pkce_support_missing_refuses_login(tmp_path: Path, store: MemoryStore) -> None:
    with world(pkce_methods=None) as w:
        with pytest.raises(OAuthError, match="PKCE S256"):
            await _login(w, tmp_path, store)
        assert w.recorded.authorize == []
    with world(pkce_methods=["plain"]) as w:
        with pytest.raises(OAuthError, match="PKCE S256"):
            await _login(w, tmp_path, store)
        assert w.recorded.authorize == [] and store.records == {}


async def test_iss_missing_when_advertised_is_rejected(tmp_path: Path, store: MemoryStore) -> None:
    with world(iss_mode="missing") as w:
        with pytest.raises(CallbackError, match="no iss parameter"):
            await _login(w, tmp_path, store)
        assert w.recorded.token == [] and store.records == {}


async def test_iss_missing_when_not_advertised_is_accepted(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(iss_mode="missing", advertise_iss=False) as w:
        record, *_ = await _login(w, tmp_path, store)
        assert record.access_token


async def test_iss_wrong_is_rejected_and_error_fields_not_shown(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(iss_mode="wrong", authorize_error="access_denied") as w:
        with pytest.raises(CallbackError) as info:
            await _login(w, tmp_path, store)
        assert "attacker.example" in str(info.value)
        assert "the user said no" not in str(info.value)
        assert w.recorded.token == [] and store.records == {}


async def test_error_in_the_callback_ends_the_flow_with_that_error(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(authorize_error="access_denied") as w:
        with pytest.raises(CallbackError, match="access_denied: the user said no"):
            await _login(w, tmp_path, store)
        assert store.records == {}


async def test_issuer_mismatch_in_metadata_is_not_used(tmp_path: Path, store: MemoryStore) -> None:
    with world() as w:
        w.options.metadata_issuer = w.issuer + "/other"
        with pytest.raises(DiscoveryError, match="issuer mismatch"):
            await _login(w, tmp_path, store)
        assert w.recorded.authorize == []


async def test_issuer_differing_by_a_trailing_slash_is_tolerated_then_used_verbatim(
    tmp_path: Path, store: MemoryStore
) -> None:
    """RFC 8414 §3.3 wants identity; FastMCP adds a '/' (issue 13, item 2). From the metadata on,
    its issuer is the one checked: here the AS's callback ``iss`` is the PRM's spelling, which
    is then a mismatch (RFC 9207), and the registration is keyed by the metadata's issuer."""
    with world() as w:
        w.options.metadata_issuer = w.issuer + "/"
        with pytest.raises(CallbackError, match="iss"):
            await _login(w, tmp_path, store)
        assert len(w.recorded.authorize) == 1
    with world() as w:
        w.options.metadata_issuer = w.issuer + "/"
        w.options.iss_mode = "missing"
        w.options.advertise_iss = False
        record, trace, _, _ = await _login(w, tmp_path, store)
        assert record.issuer == w.issuer + "/"
        assert w.issuer + "/" in store.registrations
        notes = [e.summary for e in trace.events if "trailing '/'" in e.summary]
        assert notes and "tolerated" in notes[0]


async def test_prm_resource_mismatch_aborts_before_authorization(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(prm_resource="https://evil.example.com/mcp") as w:
        with pytest.raises(DiscoveryError, match=r"evil\.example\.com"):
            await _login(w, tmp_path, store)
        assert w.recorded.authorize == [] and w.recorded.registrations == []


async def test_plain_http_non_loopback_endpoints_refused(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(as_overrides={"token_endpoint": "http://auth.example.com/token"}) as w:
        with pytest.raises(OAuthError, match="must use https"):
            await _login(w, tmp_path, store)
        assert w.recorded.authorize == []
    with (
        world(as_overrides={"authorization_endpoint": "http://auth.example.com/authorize"}) as w,
        pytest.raises(OAuthError, match="must use https"),
    ):
        await _login(w, tmp_path, store)


async def test_registration_reused_on_next_login_with_same_issuer(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world() as w:
        first, *_ = await _login(w, tmp_path, store)
        second, *_ = await _login(w, tmp_path, store)
        assert len(w.recorded.registrations) == 1
        assert first.client_id == second.client_id


async def test_dynamic_registration_body(tmp_path: Path, store: MemoryStore) -> None:
    with world() as w:
        await _login(w, tmp_path, store)
        body = w.recorded.registrations[0]
        assert body["client_name"] == "mcpdeck"
        assert body["grant_types"] == ["authorization_code", "refresh_token"]
        assert body["response_types"] == ["code"]
        assert body["token_endpoint_auth_method"] == "none"
        assert body["application_type"] == "native"
        assert body["redirect_uris"][0].startswith("http://127.0.0.1:")


async def test_no_registration_and_no_client_id_is_a_clear_error(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(registration=False) as w:
        with pytest.raises(OAuthError) as info:
            await _login(w, tmp_path, store)
        assert "[mcp_servers.docs.oauth] client_id" in info.value.one_line()


async def test_preregistered_client_with_secret_from_env_uses_basic(
    tmp_path: Path, store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCS_CLIENT_SECRET", "s3cr3t-value")
    with world(registration=False, auth_methods=["client_secret_basic"]) as w:
        server = http_server(
            "docs",
            w.mcp_url,
            oauth=OAuthOverrides(
                client_id="pre-client", client_secret_env_var="DOCS_CLIENT_SECRET"
            ),
        )
        record, *_ = await _login(w, tmp_path, store, server=server)
        assert record.client_id == "pre-client"
        assert w.recorded.token_headers[0]["authorization"].startswith("Basic ")
        assert "client_secret" not in query(w.recorded.token[0])
        assert w.recorded.registrations == []


async def test_client_secret_post(
    tmp_path: Path, store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCS_CLIENT_SECRET", "s3cr3t-value")
    with world(registration=False, auth_methods=["client_secret_post"]) as w:
        server = http_server(
            "docs",
            w.mcp_url,
            oauth=OAuthOverrides(
                client_id="pre-client", client_secret_env_var="DOCS_CLIENT_SECRET"
            ),
        )
        await _login(w, tmp_path, store, server=server)
        sent = query(w.recorded.token[0])
        assert sent["client_secret"] == ["s3cr3t-value"] and sent["client_id"] == ["pre-client"]
        assert "authorization" not in w.recorded.token_headers[0]


async def test_cimd_used_when_the_server_supports_it(tmp_path: Path, store: MemoryStore) -> None:
    url = "https://client.example.com/mcpdeck.json"
    with world(as_overrides={"client_id_metadata_document_supported": True}) as w:
        server = http_server("docs", w.mcp_url, oauth=OAuthOverrides(client_metadata_url=url))
        record, *_ = await _login(w, tmp_path, store, server=server)
        assert record.client_id == url
        assert query(w.recorded.authorize[0])["client_id"] == [url]
        assert w.recorded.registrations == []


async def test_failed_login_keeps_old_credentials(tmp_path: Path, store: MemoryStore) -> None:
    with world() as w:
        old, _, loaded, server = await _login(w, tmp_path, store)
        w.options.authorize_error = "access_denied"
        with pytest.raises(CallbackError):
            await _login(w, tmp_path, store)
        kept = store.load(key_for(loaded, server))
        assert kept is not None and kept.access_token == old.access_token


async def test_cancelling_the_login_while_a_helper_stops_cancels_it(
    tmp_path: Path, store: MemoryStore
) -> None:
    """The callback has arrived and the flow waits for the browser helper to stop: cancelling
    the login then must end it there, before any token request or store write."""
    stopping = asyncio.Event()
    never = asyncio.Event()

    async def slow_to_stop_browser(url: str) -> None:
        try:
            await follow_redirects(url)
            await never.wait()  # a browser still open after the redirect
        except asyncio.CancelledError:
            stopping.set()
            await never.wait()  # slow to clean up: only the login's own cancel ends it
            raise

    with world() as w:
        task = asyncio.create_task(_login(w, tmp_path, store, browser=slow_to_stop_browser))
        await asyncio.wait_for(stopping.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        assert w.recorded.token == [] and store.records == {}
