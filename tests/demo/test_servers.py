"""Each demo server answers as described, checked with the official MCP SDK client."""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from mcpdeck.demo.world import DemoWorld
from tests.demo.oauth_steps import login

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def mcp_http(url: str, token: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with (
        create_mcp_http_client(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def _challenge(response: httpx2.Response) -> dict[str, str]:
    header = response.headers["www-authenticate"]
    assert header.startswith("Bearer ")
    params = {}
    for part in header[len("Bearer ") :].split('", '):
        key, _, value = part.partition("=")
        params[key.strip()] = value.strip().strip('"')
    return params


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


# -- linear: OAuth with scopes -------------------------------------------------------------


def test_linear_without_token_points_to_its_metadata(demo_world: DemoWorld) -> None:
    response = httpx2.post(demo_world.urls["linear"], json=INITIALIZE, headers=ACCEPT)
    assert response.status_code == 401
    challenge = _challenge(response)
    assert challenge["scope"] == "issues:read"
    prm = httpx2.get(challenge["resource_metadata"]).json()
    assert prm["resource"] == demo_world.urls["linear"]
    assert prm["authorization_servers"] == [demo_world.as_url]
    assert prm["scopes_supported"] == ["issues:read", "issues:write"]
    # RFC 9728 path-aware location: /.well-known/oauth-protected-resource/mcp
    assert challenge["resource_metadata"].endswith("/.well-known/oauth-protected-resource/mcp")


def test_linear_rejects_garbage_tokens(demo_world: DemoWorld) -> None:
    response = httpx2.post(
        demo_world.urls["linear"],
        json=INITIALIZE,
        headers={**ACCEPT, "Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401
    assert _challenge(response)["error"] == "invalid_token"


async def test_linear_inventory_with_a_read_token(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"], "issues:read")
    async with mcp_http(demo_world.urls["linear"], tokens["access_token"]) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert {"list_issues", "get_issue", "create_issue", "search", "whoami"} <= tools
        issues = await client.call_tool("list_issues", {"state": "Todo"})
        assert not issues.is_error
        assert {"LIN-102", "LIN-104"} <= set(_text(issues).replace('"', " ").split())

        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {"linear://teams", "linear://workflow"} <= resources
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["issue://{id}"]
        read = await client.read_resource("issue://LIN-103")
        assert json.loads(read.contents[0].text)["title"].startswith("Crash")  # type: ignore[union-attr]

        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"triage", "standup"}
        prompt = await client.get_prompt("triage", {"issue_id": "LIN-101"})
        assert "LIN-101" in prompt.messages[0].content.text  # type: ignore[union-attr]

        me = await client.call_tool("whoami", {})
        assert me.structured_content is not None
        assert me.structured_content["client_id"] == tokens["client_id"]
        assert me.structured_content["scopes"] == ["issues:read"]
        assert tokens["access_token"] not in _text(me)


def test_create_issue_needs_the_write_scope(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"], "issues:read")
    call = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "create_issue", "arguments": {"title": "x"}},
    }
    response = httpx2.post(
        demo_world.urls["linear"],
        json=call,
        headers={**ACCEPT, "Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.status_code == 403
    challenge = _challenge(response)
    assert challenge["error"] == "insufficient_scope"
    assert set(challenge["scope"].split()) == {"issues:read", "issues:write"}
    assert challenge["resource_metadata"].startswith(demo_world.urls["linear"].rsplit("/mcp", 1)[0])


async def test_create_issue_with_the_write_scope(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"], "issues:read issues:write")
    async with mcp_http(demo_world.urls["linear"], tokens["access_token"]) as client:
        created = await client.call_tool("create_issue", {"title": "Demo issue"})
        assert not created.is_error
        assert created.structured_content is not None
        new_id = created.structured_content["id"]
        fetched = await client.call_tool("get_issue", {"id": new_id})
        assert "Demo issue" in _text(fetched)


def test_expired_token_is_refused(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=True, token_lifetime=30)
    tokens = login(world.as_url, world.urls["linear"])
    headers = {**ACCEPT, "Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx2.post(world.urls["linear"], json=INITIALIZE, headers=headers).status_code == 200
    world.auth_server.expire_access_tokens()
    response = httpx2.post(world.urls["linear"], json=INITIALIZE, headers=headers)
    assert response.status_code == 401
    assert _challenge(response)["error"] == "invalid_token"


# -- broken: audience mismatch and a phantom tool -----------------------------------------


def test_broken_rejects_tokens_bound_to_linear(demo_world: DemoWorld) -> None:
    config = tomllib.loads(demo_world.config_path.read_text())
    broken = config["mcp_servers"]["broken"]
    # the configured resource indicator is linear's, so that is the audience a login obtains
    assert broken["oauth_resource"] == demo_world.urls["linear"]
    challenge = _challenge(httpx2.post(demo_world.urls["broken"], json=INITIALIZE, headers=ACCEPT))
    # what a client does: the challenge's scope, the configured resource indicator
    tokens = login(demo_world.as_url, broken["oauth_resource"], challenge["scope"])
    assert tokens["scope"] == "status:read"
    response = httpx2.post(
        demo_world.urls["broken"],
        json=INITIALIZE,
        headers={**ACCEPT, "Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.status_code == 401
    challenge = _challenge(response)
    assert challenge["error"] == "invalid_token"
    assert "another resource" in challenge["error_description"]


async def test_broken_works_with_a_correctly_bound_token(demo_world: DemoWorld) -> None:
    prm_url = demo_world.urls["broken"].replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
    prm = httpx2.get(prm_url).json()
    assert prm["resource"] == demo_world.urls["broken"]
    tokens = login(demo_world.as_url, prm["resource"])
    async with mcp_http(demo_world.urls["broken"], tokens["access_token"]) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
    config = tomllib.loads(demo_world.config_path.read_text())
    enabled = set(config["mcp_servers"]["broken"]["enabled_tools"])
    assert tools == {"status", "logs"}
    assert enabled - tools == {"restart_service"}  # what the doctor should flag


# -- docs: static bearer token -------------------------------------------------------------


def test_docs_needs_its_bearer_token(demo_world: DemoWorld) -> None:
    response = httpx2.post(demo_world.urls["docs"], json=INITIALIZE, headers=ACCEPT)
    assert response.status_code == 401
    assert "resource_metadata" not in response.headers["www-authenticate"]
    wrong = httpx2.post(
        demo_world.urls["docs"],
        json=INITIALIZE,
        headers={**ACCEPT, "Authorization": "Bearer wrong-token-value"},
    )
    assert wrong.status_code == 401
    base = demo_world.urls["docs"].rsplit("/mcp", 1)[0]
    assert httpx2.get(f"{base}/.well-known/oauth-protected-resource/mcp").status_code == 404


async def test_docs_with_the_token_from_the_environment(demo_world: DemoWorld) -> None:
    config = tomllib.loads(demo_world.config_path.read_text())
    var = config["mcp_servers"]["docs"]["bearer_token_env_var"]
    assert var == "DEMO_DOCS_TOKEN"
    token = demo_world.env[var]
    assert demo_world.docs_token_file.read_text().strip() == token
    assert demo_world.docs_token_file.stat().st_mode & 0o777 == 0o600
    async with mcp_http(demo_world.urls["docs"], token) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert tools == {"search_docs", "read_page"}
        page = await client.call_tool("read_page", {"slug": "oauth"})
        assert "RFC 9728" in _text(page)
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert "docs://pages/getting-started" in resources


# -- staging: project layer, no auth -------------------------------------------------------


async def test_staging_is_open_and_defined_in_the_project(demo_world: DemoWorld) -> None:
    project = tomllib.loads(demo_world.project_config_path.read_text())
    assert project["mcp_servers"]["staging"]["url"] == demo_world.urls["staging"]
    assert "staging" not in tomllib.loads(demo_world.config_path.read_text())["mcp_servers"]
    async with mcp_http(demo_world.urls["staging"]) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert tools == {"list_deployments", "service_health"}
        health = await client.call_tool("service_health", {"service": "web"})
        assert "degraded" in _text(health)


# -- local: stdio --------------------------------------------------------------------------


async def test_local_stdio_server_as_configured(demo_world: DemoWorld) -> None:
    local = tomllib.loads(demo_world.config_path.read_text())["mcp_servers"]["local"]
    assert local["command"] == sys.executable
    params = StdioServerParameters(command=local["command"], args=local["args"], env=local["env"])
    async with Client(params) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert tools == {"echo", "add", "greet"}
        greeting = await client.call_tool("greet", {"name": "Ada"})
        assert _text(greeting) == "Hello from the demo, Ada!"
        assert _text(await client.call_tool("add", {"a": 2, "b": 40})) == "42"
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"summarize", "code_review"}
