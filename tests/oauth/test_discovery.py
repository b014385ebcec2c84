"""Discovery: WWW-Authenticate parsing, the PRM and AS metadata ladders, limits on metadata."""

from __future__ import annotations

import httpx2
import pytest

from mcpdeck.oauth.challenge import parse_www_authenticate
from mcpdeck.oauth.discovery import discover
from mcpdeck.oauth.errors import DiscoveryError
from mcpdeck.oauth.probe import probe_server
from mcpdeck.oauth.resource_urls import as_metadata_urls, resource_matches
from mcpdeck.oauth.trace import FlowTrace
from tests.oauth.servers import world


def test_www_authenticate_parsing_variants() -> None:
    (c,) = parse_www_authenticate(
        'Bearer realm="mcp", resource_metadata="https://a.example/.well-known/oauth-protected-resource/mcp", scope="read write"'
    )
    assert c.is_bearer and c.resource_metadata.endswith("/mcp") and c.scopes == ["read", "write"]
    (c,) = parse_www_authenticate("Bearer error=insufficient_scope, scope=files:read")
    assert c.error == "insufficient_scope" and c.scope == "files:read"
    basic, bearer = parse_www_authenticate(
        'Basic realm="x", Bearer resource_metadata=https://x/y, error="invalid_token"'
    )
    assert basic.scheme == "Basic" and basic.params == {"realm": "x"}
    assert bearer.resource_metadata == "https://x/y" and bearer.error == "invalid_token"
    neg, bearer = parse_www_authenticate('Negotiate abc123==, bearer scope="a"')
    assert neg.token68 == "abc123==" and bearer.is_bearer and bearer.scope == "a"
    (c,) = parse_www_authenticate('Bearer error_description="the \\"token\\" expired, sorry"')
    assert c.error_description == 'the "token" expired, sorry'
    assert parse_www_authenticate("") == []
    (c,) = parse_www_authenticate("Bearer")
    assert c.params == {}


def test_as_metadata_ladder_inserts_the_issuer_path() -> None:
    assert as_metadata_urls("https://auth.example/tenant1") == [
        "https://auth.example/.well-known/oauth-authorization-server/tenant1",
        "https://auth.example/.well-known/openid-configuration/tenant1",
        "https://auth.example/tenant1/.well-known/openid-configuration",
    ]
    assert as_metadata_urls("https://auth.example") == [
        "https://auth.example/.well-known/oauth-authorization-server",
        "https://auth.example/.well-known/openid-configuration",
    ]


def test_prm_resource_check_same_origin_and_path_prefix() -> None:
    assert resource_matches("https://a.example/mcp", "https://a.example/mcp")
    assert resource_matches("https://a.example", "https://a.example/mcp")
    assert resource_matches("https://a.example:443/mcp", "https://A.example/mcp/")
    assert not resource_matches("https://a.example/mcp", "https://a.example/mcpx")
    assert not resource_matches("https://evil.example/mcp", "https://a.example/mcp")
    assert not resource_matches("http://a.example/mcp", "https://a.example/mcp")
    assert not resource_matches("https://a.example:8443/mcp", "https://a.example/mcp")


async def test_probe_finds_oauth_behind_a_401() -> None:
    with world() as w:
        async with httpx2.AsyncClient() as http:
            result = await probe_server(http, w.mcp_url)
        assert result.oauth and result.issuer == w.issuer
        assert result.detail == f"OAuth discovered at {w.issuer}"


async def test_probe_of_an_open_server_says_no_oauth() -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.loopback import serve

    async def mcp(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"jsonrpc": "2.0", "id": 0, "result": {}})

    with serve(Starlette(routes=[Route("/mcp", mcp, methods=["POST"])])) as base:
        async with httpx2.AsyncClient() as http:
            result = await probe_server(http, base + "/mcp")
    assert not result.oauth
    assert result.detail == "no OAuth metadata (server answered 200 without authentication)"


async def test_root_prm_never_requested_when_the_header_names_a_url() -> None:
    with world() as w:
        trace = FlowTrace()
        async with httpx2.AsyncClient() as http:
            await discover(http, w.mcp_url, trace=trace)
        urls = [e.data.get("url") for e in trace.events if e.step == "discovery"]
        assert w.prm_url in urls
        assert w.rs_base + "/.well-known/oauth-protected-resource" not in urls


async def test_path_aware_prm_tried_before_root_without_header() -> None:
    with world(prm_in_header=False) as w:
        trace = FlowTrace()
        async with httpx2.AsyncClient() as http:
            found = await discover(http, w.mcp_url, trace=trace)
        urls = [
            e.data.get("url") for e in trace.events if e.step == "discovery" and e.data.get("url")
        ]
        assert urls[0] == w.prm_url and found.prm_url == w.prm_url


async def test_issuer_with_path_uses_path_insertion() -> None:
    with world(issuer_path="/tenant1") as w:
        async with httpx2.AsyncClient() as http:
            found = await discover(http, w.mcp_url)
        assert found.issuer == w.issuer
        assert w.recorded.metadata_paths[0] == "/.well-known/oauth-authorization-server/tenant1"


@pytest.mark.parametrize(
    "body, words",
    [
        (b"<html>not json</html>", "not valid JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'{"issuer": "' + b"x" * (300 * 1024) + b'"}', "larger than 256 KiB"),
    ],
)
async def test_oversized_or_garbage_metadata_is_a_clear_error(body: bytes, words: str) -> None:
    with world(metadata_raw=body) as w:
        async with httpx2.AsyncClient() as http:
            with pytest.raises(DiscoveryError, match=words):
                await discover(http, w.mcp_url)
    with world(prm_raw=body) as w:
        async with httpx2.AsyncClient() as http:
            with pytest.raises(DiscoveryError, match=words):
                await discover(http, w.mcp_url)


async def test_every_discovery_request_is_a_trace_event_with_status_and_time() -> None:
    with world() as w:
        trace = FlowTrace()
        async with httpx2.AsyncClient() as http:
            await discover(http, w.mcp_url, trace=trace)
        requests = [
            e for e in trace.events if e.data.get("url") and e.step in ("probe", "discovery")
        ]
        assert len(requests) >= 3
        assert all(e.data.get("http_status") and e.elapsed_ms is not None for e in requests)


async def test_a_guessed_metadata_url_the_server_does_not_name_is_never_reported() -> None:
    """A login's discovery GETs the usual metadata URLs while it probes; here the authorization
    server is on another origin, so the guess at the MCP server's origin is wasted: the trace
    shows only the requests the discovery asked for, in order."""
    with world() as w:
        trace = FlowTrace()
        async with httpx2.AsyncClient() as http:
            found = await discover(http, w.mcp_url, trace=trace)
        urls = [e.data["url"] for e in trace.events if e.step == "discovery" and "url" in e.data]
        assert urls == [w.prm_url, as_metadata_urls(w.issuer)[0]]
        assert found.issuer == w.issuer
        assert w.rs_base + "/.well-known/oauth-authorization-server" not in urls
