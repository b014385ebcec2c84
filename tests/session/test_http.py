"""Sessions over streamable HTTP against SDK servers on 127.0.0.1: plain, bearer, OAuth hooks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from mcpdeck.config.model import ServerConfig
from mcpdeck.oauth.trace import FlowTrace
from mcpdeck.session.connect import open_session
from mcpdeck.session.inventory import list_inventory
from mcpdeck.session.models import SessionError
from tests.loopback import refused_port
from tests.servers import catalog
from tests.servers.http_servers import Grant, plain_app, protected_app, refusing_app, serve

GOOD = "good-token-9f3a7c21"
WEAK = "weak-token-55e1b0d4"
FRESH = "fresh-token-0c8d2e77"


@pytest.fixture(scope="module")
def plain() -> Iterator[str]:
    with serve(plain_app) as base:
        yield base + "/mcp"


@pytest.fixture(scope="module")
def protected() -> Iterator[str]:
    grants = {
        GOOD: Grant(["read", "write"]),
        FRESH: Grant(["read", "write"]),
        WEAK: Grant(["read"]),
    }
    with serve(lambda b: protected_app(b, grants, required_scopes=["read", "write"])) as base:
        yield base + "/mcp"


def http(url: str, **kw: object) -> ServerConfig:
    return ServerConfig(name="web", transport="streamable_http", url=url, **kw)


async def test_plain_server_inventory_and_http_trace(plain: str) -> None:
    trace = FlowTrace()
    async with open_session(http(plain), trace=trace) as session:
        inventory = await list_inventory(session)
        assert session.info.server_name == "plain"
    assert len(inventory.tools) == len(catalog.TOOL_NAMES) + 1
    assert inventory.pages["tools"] == 3
    http_events = [e for e in trace.events if e.step == "http"]
    rpc = [e.data["rpc_method"] for e in http_events]
    assert "initialize" in rpc and rpc.count("tools/list") == 3
    first = http_events[0]
    assert first.data["method"] == "POST" and first.data["url"] == plain
    assert first.data["http_status"] == 200 and first.elapsed_ms is not None


async def test_bearer_from_env_var(protected: str) -> None:
    server = http(protected, bearer_token_env_var="WEB_TOKEN")
    trace = FlowTrace()
    async with open_session(server, env={"WEB_TOKEN": GOOD}, trace=trace) as session:
        inventory = await list_inventory(session)
    assert inventory.tools
    assert GOOD not in json.dumps(trace.to_json())


async def test_authorization_from_static_and_env_headers(protected: str) -> None:
    async with open_session(http(protected, http_headers={"Authorization": f"Bearer {GOOD}"})):
        pass
    server = http(protected, env_http_headers={"Authorization": "AUTH_HEADER"})
    async with open_session(server, env={"AUTH_HEADER": f"Bearer {GOOD}"}):
        pass


async def test_unset_bearer_variable_is_refused_before_any_request(protected: str) -> None:
    with pytest.raises(SessionError) as caught:
        async with open_session(http(protected, bearer_token_env_var="WEB_TOKEN"), env={}):
            pass
    assert caught.value.kind == "env_missing"
    assert "WEB_TOKEN" in caught.value.message


async def test_rejected_token_is_a_401_with_its_challenge(protected: str) -> None:
    server = http(protected, bearer_token_env_var="WEB_TOKEN")
    with pytest.raises(SessionError) as caught:
        async with open_session(server, env={"WEB_TOKEN": "wrong-token-123456"}):
            pass
    err = caught.value
    assert err.kind == "unauthorized" and err.status == 401
    assert "resource_metadata" in (err.www_authenticate or "")
    assert "wrong-token-123456" not in str(err.to_json())


async def test_insufficient_scope_is_a_403(protected: str) -> None:
    server = http(protected, bearer_token_env_var="WEB_TOKEN")
    with pytest.raises(SessionError) as caught:
        async with open_session(server, env={"WEB_TOKEN": WEAK}):
            pass
    assert caught.value.kind == "forbidden"
    assert caught.value.insufficient_scope


async def test_unreachable_server() -> None:
    with pytest.raises(SessionError) as caught:
        async with open_session(http(f"http://127.0.0.1:{refused_port()}/mcp")):
            pass
    assert caught.value.kind == "unreachable"


class RecordingSource:
    """A TokenSource over fixed tokens: records what the session asked for."""

    def __init__(self, first: str | None, after_401: str | None, after_403: str | None) -> None:
        self.first, self.after_401, self.after_403 = first, after_401, after_403
        self.calls: list[str] = []

    async def bearer(self) -> str | None:
        self.calls.append("bearer")
        return self.first

    async def on_unauthorized(self, www_authenticate: str) -> str | None:
        self.calls.append(
            "401:" + ("resource_metadata" if "resource_metadata" in www_authenticate else "")
        )
        return self.after_401

    async def on_insufficient_scope(self, www_authenticate: str) -> str | None:
        self.calls.append("403:" + ("write" if "write" in www_authenticate else ""))
        return self.after_403


async def test_401_refreshes_once_and_retries(protected: str) -> None:
    source = RecordingSource("stale-token-000000", FRESH, None)
    async with open_session(http(protected), token_provider=source) as session:
        await list_inventory(session)
    assert source.calls[:2] == ["bearer", "401:resource_metadata"]
    assert source.calls.count("401:resource_metadata") == 1


async def test_a_second_401_is_not_refreshed_again(protected: str) -> None:
    source = RecordingSource("stale-token-000000", "also-stale-111111", None)
    with pytest.raises(SessionError) as caught:
        async with open_session(http(protected), token_provider=source):
            pass
    assert caught.value.kind == "unauthorized"
    assert source.calls.count("401:resource_metadata") == 1


async def test_403_insufficient_scope_steps_up_and_retries(protected: str) -> None:
    source = RecordingSource(WEAK, None, GOOD)
    async with open_session(http(protected), token_provider=source) as session:
        await list_inventory(session)
    assert "403:write" in source.calls


async def test_403_steps_up_only_when_the_challenge_error_is_insufficient_scope() -> None:
    # The words "insufficient_scope" in the description do not make it a request for scopes.
    header = 'Bearer error="invalid_token", error_description="not insufficient_scope: write"'
    source = RecordingSource("some-token-333333", None, GOOD)
    with serve(refusing_app(403, header)) as base, pytest.raises(SessionError) as caught:
        async with open_session(http(base + "/mcp"), token_provider=source):
            pass
    assert caught.value.kind == "forbidden"
    assert not any(call.startswith("403") for call in source.calls)

    header = 'Bearer error_description="needs write", error="insufficient_scope", scope=write'
    source = RecordingSource("some-token-333333", None, None)
    with serve(refusing_app(403, header)) as base, pytest.raises(SessionError):
        async with open_session(http(base + "/mcp"), token_provider=source):
            pass
    assert "403:write" in source.calls


async def test_static_authorization_wins_over_the_token_source(protected: str) -> None:
    source = RecordingSource("never-used-222222", None, None)
    server = http(protected, bearer_token_env_var="WEB_TOKEN")
    async with open_session(server, token_provider=source, env={"WEB_TOKEN": GOOD}):
        pass
    assert source.calls == []
