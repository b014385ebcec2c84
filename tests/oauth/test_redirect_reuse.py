"""A second login reuses the stored dynamic registration only with the very redirect URI it
registered: many authorization servers (the MCP SDK's) compare redirect URIs exactly, so the
callback listener binds the registered port again, and registers anew when it cannot."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mcpdeck.config.model import OAuthOverrides
from mcpdeck.credentials.record import ClientRegistration, CredentialRecord
from mcpdeck.oauth.callback import ListenSpec, listen_spec, registered_spec
from mcpdeck.oauth.client_identity import redirect_compatible, reusable_redirect_uris
from mcpdeck.oauth.errors import CallbackError
from mcpdeck.oauth.flow import login
from mcpdeck.oauth.trace import FlowTrace
from tests.oauth.conftest import http_server, key_for, loaded_with
from tests.oauth.memstore import MemoryStore
from tests.oauth.servers import World, follow_redirects, query, world


async def _login_to(
    w: World, tmp_path: Path, store: MemoryStore
) -> tuple[CredentialRecord, FlowTrace]:
    server = http_server("docs", w.mcp_url)
    trace = FlowTrace()
    # A short timeout: an AS refusing the redirect URI leaves the listener waiting that long.
    record = await login(
        server,
        loaded_with(tmp_path, server),
        store,
        trace=trace,
        browser=follow_redirects,
        timeout=10,
    )
    return record, trace


def _sent_redirect_uris(w: World) -> list[str]:
    return [query(pairs)["redirect_uri"][0] for pairs in w.recorded.authorize]


@contextmanager
def _occupied(uri: str) -> Iterator[None]:
    """Another program listening on the port of ``uri``."""
    with socket.socket() as sock:
        # The previous listener's closed connections may linger in TIME_WAIT on that port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", urlsplit(uri).port or 0))
        sock.listen()
        yield


async def test_second_login_at_an_exact_matching_as_reuses_the_registration_and_port(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(exact_redirect=True) as w:
        first, _ = await _login_to(w, tmp_path, store)
        second, _ = await _login_to(w, tmp_path, store)
        assert len(w.recorded.registrations) == 1
        assert second.client_id == first.client_id
        registered = w.recorded.registrations[0]["redirect_uris"]
        assert _sent_redirect_uris(w) == registered * 2
        assert store.registrations[w.issuer].redirect_uris == registered


async def test_a_busy_registered_port_means_a_new_registration_which_is_stored(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(exact_redirect=True) as w:
        first, _ = await _login_to(w, tmp_path, store)
        old = store.registrations[w.issuer]
        with _occupied(old.redirect_uris[0]):
            second, trace = await _login_to(w, tmp_path, store)
        assert len(w.recorded.registrations) == 2
        assert second.access_token in w.access_tokens
        assert second.client_id != first.client_id
        new = store.registrations[w.issuer]
        assert new.client_id == second.client_id
        assert new.redirect_uris != old.redirect_uris
        assert _sent_redirect_uris(w)[1] == new.redirect_uris[0]
        notes = [e for e in trace.events if e.step == "callback" and e.status == "info"]
        assert notes and "not free" in notes[0].summary


async def test_a_failed_login_with_a_new_registration_keeps_the_old_one_and_the_tokens(
    tmp_path: Path, store: MemoryStore
) -> None:
    with world(exact_redirect=True) as w:
        first, _ = await _login_to(w, tmp_path, store)
        old = store.registrations[w.issuer]
        w.options.authorize_error = "access_denied"
        with _occupied(old.redirect_uris[0]), pytest.raises(CallbackError, match="access_denied"):
            await _login_to(w, tmp_path, store)
        assert len(w.recorded.registrations) == 2  # registered, but not kept
        assert store.registrations[w.issuer] == old
        server = http_server("docs", w.mcp_url)
        kept = store.load(key_for(loaded_with(tmp_path, server), server))
        assert kept is not None and kept.access_token == first.access_token


def test_redirect_compatible_is_an_exact_match() -> None:
    registered = ["http://127.0.0.1:4312/callback"]
    assert redirect_compatible(registered, "http://127.0.0.1:4312/callback")
    for other in (
        "http://127.0.0.1:4313/callback",  # another port (RFC 8252 §7.3 would allow it)
        "http://localhost:4312/callback",
        "http://127.0.0.1:4312/callback/",
        "http://127.0.0.1:4312/Callback",
        "https://127.0.0.1:4312/callback",
    ):
        assert not redirect_compatible(registered, other), other
    assert not redirect_compatible([], registered[0])


def test_registered_spec_only_when_the_port_is_mcpdecks_to_choose() -> None:
    uri = "http://127.0.0.1:4312/callback"
    assert registered_spec(listen_spec(None, None), [uri]) == ListenSpec(
        "127.0.0.1", 4312, "/callback", uri
    )
    for configured in (
        listen_spec(None, 8123),
        listen_spec("http://localhost:9911/cb", None),
        listen_spec("http://localhost/cb", None),
        listen_spec("https://devbox.example.com/oauth/cb", 8443),
    ):
        assert registered_spec(configured, [uri]) is None


def test_registered_spec_takes_only_loopback_http_uris_with_a_port() -> None:
    default = listen_spec(None, None)
    for unusable in (
        "http://127.0.0.1/callback",
        "https://127.0.0.1:4312/callback",
        "http://example.com:4312/callback",
        "http://127.0.0.1:4312/callback?x=1",
        "http://[::1",
        "http://127.0.0.1:99999/callback",
    ):
        assert registered_spec(default, [unusable]) is None, unusable
    assert registered_spec(default, ["http://localhost:4312/cb"]) == ListenSpec(
        "127.0.0.1", 4312, "/cb", "http://localhost:4312/cb"
    )
    assert registered_spec(default, ["https://a.example/cb", "http://[::1]:4312/cb"]) == (
        ListenSpec("::1", 4312, "/cb", "http://[::1]:4312/cb")
    )


def test_no_registered_port_for_a_configured_client_id() -> None:
    stored = ClientRegistration(
        issuer="https://as.example",
        client_id="dyn",
        redirect_uris=["http://127.0.0.1:4312/callback"],
        kind="dcr",
    )
    plain = http_server("docs", "https://mcp.example/mcp")
    assert reusable_redirect_uris(plain, stored) == stored.redirect_uris
    assert reusable_redirect_uris(plain, None) == []
    pre = http_server("docs", "https://mcp.example/mcp", oauth=OAuthOverrides(client_id="pre"))
    assert reusable_redirect_uris(pre, stored) == []
