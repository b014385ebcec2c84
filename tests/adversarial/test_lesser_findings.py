"""The lower-severity findings of issue 12, each against a real loopback server or process:
idle connections at the end of a login, a PRM host with ``]``, a PRM resource naming a parent
path, ``*.localhost`` endpoints over plain http."""

from __future__ import annotations

import socket
import urllib.request
from urllib.parse import parse_qs, urlsplit

from tests.adversarial.conftest import Deck
from tests.adversarial.hostile_http import Hostility, hostile_server


def test_idle_browser_connections_at_the_end_of_login_print_no_traceback(deck: Deck) -> None:
    with hostile_server(Hostility(token_error="the code was already used")) as base:
        deck.write_user(f'[mcp_servers.victim]\nurl = "{base}/mcp"\n')
        session = deck.start("login", "victim", "--no-browser", "--timeout", "60")
        try:
            url = session.read_until(rb"http://127\.0\.0\.1:\d+/authorize\?\S+").group().decode()
            query = parse_qs(urlsplit(url).query)
            redirect = urlsplit(query["redirect_uri"][0])
            assert redirect.hostname == "127.0.0.1" and redirect.port
            # A browser's speculative connections: opened, never used, still open at the end.
            idle = []
            for _ in range(300):
                idle.append(socket.create_connection(("127.0.0.1", redirect.port), timeout=10))
            callback = f"{query['redirect_uri'][0]}?code=stolen-code&state={query['state'][0]}"
            with urllib.request.urlopen(callback, timeout=30) as response:
                assert response.status == 200
            run = session.finish(60)
        finally:
            session.close()
            for sock in locals().get("idle", []):
                sock.close()
    assert run.code == 1  # the hostile token endpoint refused the code
    assert "already used" in run.text
    assert "Traceback" not in run.text and "CancelledError" not in run.text
    assert len(run.output) < 20_000, f"{len(run.output)} bytes of output"


def test_a_prm_naming_a_host_with_a_bracket_is_a_clear_error(deck: Deck) -> None:
    with hostile_server(Hostility(prm_authorization_servers=["http://a]b/"])) as base:
        deck.write_user(f'[mcp_servers.victim]\nurl = "{base}/mcp"\n')
        login = deck.run("login", "victim", "--no-browser", "--timeout", "5")
        listed = deck.run("list")
    for run in (login, listed):
        assert "unexpected error" not in run.text and "Traceback" not in run.text
    assert login.code == 1
    assert "'http://a]b/' is not a valid URL" in login.text


def test_a_prm_resource_naming_a_parent_path_is_refused(deck: Deck) -> None:
    hostility = Hostility()
    with hostile_server(hostility) as base:
        hostility.prm_resource = f"{base}/tenant"
        deck.write_user(f'[mcp_servers.victim]\nurl = "{base}/tenant/mcp"\n')
        run = deck.run("login", "victim", "--no-browser", "--timeout", "5")
    assert run.code == 1
    assert "refusing to authorize" in run.text
    assert "POST /register" not in hostility.requests  # nothing went to the AS


def test_a_prm_resource_naming_the_origin_is_still_accepted(deck: Deck) -> None:
    # RFC 9728: a PRM found at the root well-known URL describes the origin; the conformance
    # suite's servers publish exactly that, and so do many real ones.
    hostility = Hostility()
    with hostile_server(hostility) as base:
        hostility.prm_resource = base
        deck.write_user(f'[mcp_servers.victim]\nurl = "{base}/mcp"\n')
        run = deck.run("login", "victim", "--no-browser", "--timeout", "2")
    assert "POST /register" in hostility.requests, run.text
    assert "refusing to authorize" not in run.text


def test_plain_http_to_a_dot_localhost_name_is_not_loopback(deck: Deck) -> None:
    hostility = Hostility()
    with hostile_server(hostility) as base:
        port = urlsplit(base).port
        hostility.prm_authorization_servers = [f"http://evil.localhost:{port}"]
        deck.write_user(f'[mcp_servers.victim]\nurl = "{base}/mcp"\n')
        run = deck.run("login", "victim", "--no-browser", "--timeout", "5")
    assert run.code == 1
    assert "must use https" in run.text
    # The login may ask the MCP server's own origin for AS metadata while the PRM is on its way
    # (the usual guess, fetched in parallel); never the plain-http AS the PRM names.
    assert not any(h.startswith("evil.localhost") for h in hostility.metadata_hosts)
    assert "POST /register" not in hostility.requests
