"""The demo authorization server against the rules of RFC 8414, 7636, 7591, 8707, 9207 and
OAuth 2.1 refresh-token rotation."""

from __future__ import annotations

import httpx2
import pytest

from mcpdeck.demo.world import DemoWorld
from tests.demo.oauth_steps import (
    REDIRECT_URI,
    authorization_params,
    authorize,
    login,
    pkce,
    redirect_params,
    register,
    token,
)


def test_metadata_names_the_exact_issuer_and_mcp_requirements(demo_world: DemoWorld) -> None:
    meta = httpx2.get(f"{demo_world.as_url}/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == demo_world.as_url  # no trailing slash added
    assert not meta["issuer"].endswith("/")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert "none" in meta["token_endpoint_auth_methods_supported"]
    assert meta["registration_endpoint"] == f"{demo_world.as_url}/register"
    assert {"issues:read", "issues:write", "offline_access"} <= set(meta["scopes_supported"])
    assert set(meta["grant_types_supported"]) == {"authorization_code", "refresh_token"}


def test_dynamic_registration_of_a_public_client(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url, client_name="Codex")
    assert client["client_id"]
    assert "client_secret" not in client
    assert client["token_endpoint_auth_method"] == "none"
    assert client["redirect_uris"] == [REDIRECT_URI]


def test_registration_of_a_confidential_client_returns_a_secret(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url, token_endpoint_auth_method="client_secret_post")
    assert client["client_secret"]


@pytest.mark.parametrize(
    "redirect",
    ["http://evil.example/callback", "http://127.0.0.1:8/cb#frag", "myapp:/callback"],
)
def test_registration_refuses_non_loopback_http_redirects(
    demo_world: DemoWorld, redirect: str
) -> None:
    response = httpx2.post(f"{demo_world.as_url}/register", json={"redirect_uris": [redirect]})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"


def test_pkce_is_required(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url)
    params = authorization_params(client["client_id"], "x" * 43, demo_world.urls["linear"])
    del params["code_challenge"]
    answer = redirect_params(authorize(demo_world.as_url, params))
    assert answer["error"] == "invalid_request"
    assert answer["state"] == params["state"]
    assert answer["iss"] == demo_world.as_url
    assert "code" not in answer


@pytest.mark.parametrize("method", [None, "plain"])
def test_only_s256_is_accepted(demo_world: DemoWorld, method: str | None) -> None:
    client = register(demo_world.as_url)
    params = authorization_params(client["client_id"], pkce().challenge, demo_world.urls["linear"])
    if method is None:
        del params["code_challenge_method"]  # RFC 7636 then means "plain"
    else:
        params["code_challenge_method"] = method
    answer = redirect_params(authorize(demo_world.as_url, params))
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


def test_wrong_code_verifier_is_rejected(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url)
    p = pkce()
    params = authorization_params(client["client_id"], p.challenge, demo_world.urls["linear"])
    code = redirect_params(authorize(demo_world.as_url, params))["code"]
    response = token(
        demo_world.as_url,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": pkce().verifier,
            "client_id": client["client_id"],
            "resource": demo_world.urls["linear"],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_redirect_carries_code_state_and_iss(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url)
    params = authorization_params(client["client_id"], pkce().challenge, demo_world.urls["linear"])
    answer = redirect_params(authorize(demo_world.as_url, params))
    assert answer["code"]
    assert answer["state"] == params["state"]
    assert answer["iss"] == demo_world.as_url


def test_loopback_redirect_may_use_another_port(demo_world: DemoWorld) -> None:
    """RFC 8252 §7.3: a native client's loopback port is chosen at run time."""
    client = register(demo_world.as_url, redirect_uris=["http://127.0.0.1/callback"])
    params = authorization_params(client["client_id"], pkce().challenge, demo_world.urls["linear"])
    params["redirect_uri"] = "http://127.0.0.1:53682/callback"
    response = authorize(demo_world.as_url, params)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://127.0.0.1:53682/callback?")


def test_unregistered_redirect_is_refused_without_redirecting(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url)
    params = authorization_params(client["client_id"], pkce().challenge, demo_world.urls["linear"])
    params["redirect_uri"] = "http://127.0.0.1:9/elsewhere"
    response = authorize(demo_world.as_url, params)
    assert response.status_code == 400
    assert "location" not in response.headers


@pytest.mark.parametrize("resource", [None, "http://127.0.0.1:1/unknown"])
def test_authorization_needs_a_known_resource(demo_world: DemoWorld, resource: str | None) -> None:
    client = register(demo_world.as_url)
    params = authorization_params(client["client_id"], pkce().challenge, resource or "")
    if resource is None:
        del params["resource"]
    answer = redirect_params(authorize(demo_world.as_url, params))
    assert answer["error"] == "invalid_target"
    assert answer["iss"] == demo_world.as_url


def test_a_repeated_resource_parameter_is_refused(demo_world: DemoWorld) -> None:
    """Codex issue #28830: a duplicated `resource` must not be silently accepted."""
    client = register(demo_world.as_url)
    params = list(
        authorization_params(
            client["client_id"], pkce().challenge, demo_world.urls["linear"]
        ).items()
    )
    params.append(("resource", demo_world.urls["linear"]))
    response = httpx2.get(f"{demo_world.as_url}/authorize", params=params)
    answer = redirect_params(response)
    assert answer["error"] == "invalid_request"


def test_unknown_scope_is_refused(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url)
    params = authorization_params(
        client["client_id"], pkce().challenge, demo_world.urls["linear"], scope="admin"
    )
    assert redirect_params(authorize(demo_world.as_url, params))["error"] == "invalid_scope"


def test_tokens_record_their_audience_and_scopes(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"], "issues:read issues:write")
    info = demo_world.auth_server.verify_access_token(tokens["access_token"])
    assert info is not None
    assert info.audience == demo_world.urls["linear"]
    assert info.scopes == ["issues:read", "issues:write"]
    assert tokens["scope"] == "issues:read issues:write"
    assert tokens["expires_in"] == int(demo_world.token_lifetime)
    assert tokens["token_type"] == "Bearer"


def test_default_scopes_when_none_requested(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"])
    assert tokens["scope"] == "issues:read"


def _exchange_form(
    client_id: str, code: str, verifier: str, resource: str | None
) -> dict[str, str]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": client_id,
    }
    if resource is not None:
        form["resource"] = resource
    return form


def test_token_request_without_resource_is_refused(demo_world: DemoWorld) -> None:
    """MCP: clients send `resource` on token requests too (Codex issues #20729, #33403)."""
    client = register(demo_world.as_url)
    p = pkce()
    params = authorization_params(client["client_id"], p.challenge, demo_world.urls["linear"])
    code = redirect_params(authorize(demo_world.as_url, params))["code"]
    response = token(demo_world.as_url, _exchange_form(client["client_id"], code, p.verifier, None))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"


def test_token_request_for_another_resource_is_refused(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url)
    p = pkce()
    params = authorization_params(client["client_id"], p.challenge, demo_world.urls["linear"])
    code = redirect_params(authorize(demo_world.as_url, params))["code"]
    form = _exchange_form(client["client_id"], code, p.verifier, demo_world.urls["broken"])
    response = token(demo_world.as_url, form)
    assert response.json()["error"] == "invalid_target"


def test_authorization_code_works_once(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url)
    p = pkce()
    params = authorization_params(client["client_id"], p.challenge, demo_world.urls["linear"])
    code = redirect_params(authorize(demo_world.as_url, params))["code"]
    form = _exchange_form(client["client_id"], code, p.verifier, demo_world.urls["linear"])
    first = token(demo_world.as_url, form)
    assert first.status_code == 200
    second = token(demo_world.as_url, form)
    assert second.json()["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: what the replayed code issued is revoked
    assert demo_world.auth_server.verify_access_token(first.json()["access_token"]) is None


def _refresh(world: DemoWorld, client_id: str, refresh_token: str, **extra: str) -> httpx2.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "resource": world.urls["linear"],
        **extra,
    }
    return token(world.as_url, form)


def test_refresh_rotates_the_refresh_token(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"])
    response = _refresh(demo_world, tokens["client_id"], tokens["refresh_token"])
    assert response.status_code == 200, response.text
    fresh = response.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["scope"] == tokens["scope"]
    info = demo_world.auth_server.verify_access_token(fresh["access_token"])
    assert info is not None and info.audience == demo_world.urls["linear"]

    # the old refresh token is dead, and presenting it again revokes the whole grant
    reuse = _refresh(demo_world, tokens["client_id"], tokens["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert demo_world.auth_server.verify_access_token(fresh["access_token"]) is None
    assert _refresh(demo_world, tokens["client_id"], fresh["refresh_token"]).status_code == 400


def test_refresh_without_resource_is_refused_and_does_not_burn_the_token(
    demo_world: DemoWorld,
) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"])
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": tokens["client_id"],
    }
    refused = token(demo_world.as_url, form)
    assert refused.json()["error"] == "invalid_target"
    assert _refresh(demo_world, tokens["client_id"], tokens["refresh_token"]).status_code == 200


def test_refresh_cannot_widen_scopes(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"], "issues:read")
    response = _refresh(
        demo_world, tokens["client_id"], tokens["refresh_token"], scope="issues:read issues:write"
    )
    assert response.json()["error"] == "invalid_scope"


def test_refresh_token_belongs_to_its_client(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"])
    other = register(demo_world.as_url)
    response = _refresh(demo_world, other["client_id"], tokens["refresh_token"])
    assert response.json()["error"] == "invalid_grant"


def test_confidential_client_must_authenticate(demo_world: DemoWorld) -> None:
    client = register(demo_world.as_url, token_endpoint_auth_method="client_secret_basic")
    p = pkce()
    params = authorization_params(client["client_id"], p.challenge, demo_world.urls["linear"])
    code = redirect_params(authorize(demo_world.as_url, params))["code"]
    form = _exchange_form(client["client_id"], code, p.verifier, demo_world.urls["linear"])
    unauthenticated = token(demo_world.as_url, form)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"] == "invalid_client"
    authenticated = httpx2.post(
        f"{demo_world.as_url}/token",
        data=form,
        auth=(client["client_id"], client["client_secret"]),
    )
    assert authenticated.status_code == 200, authenticated.text


def test_revocation_ends_the_grant(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"])
    response = httpx2.post(
        f"{demo_world.as_url}/revoke",
        data={"token": tokens["refresh_token"], "client_id": tokens["client_id"]},
    )
    assert response.status_code == 200
    assert demo_world.auth_server.verify_access_token(tokens["access_token"]) is None
    assert _refresh(demo_world, tokens["client_id"], tokens["refresh_token"]).status_code == 400


def test_events_record_what_clients_sent_without_secrets(demo_world: DemoWorld) -> None:
    tokens = login(demo_world.as_url, demo_world.urls["linear"])
    _refresh(demo_world, tokens["client_id"], tokens["refresh_token"])
    mine = [e for e in demo_world.auth_server.events if e.get("client_id") == tokens["client_id"]]
    refresh = [e for e in mine if e.get("grant_type") == "refresh_token"]
    assert refresh and refresh[-1]["resource"] == [demo_world.urls["linear"]]
    text = repr(mine)
    assert tokens["access_token"] not in text
    assert tokens["refresh_token"] not in text


def test_consent_page_and_decisions(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=False)
    client = register(world.as_url, client_name="Codex <b>& co</b>")
    params = authorization_params(
        client["client_id"], pkce().challenge, world.urls["linear"], scope="issues:read"
    )
    page = authorize(world.as_url, params)
    assert page.status_code == 200
    html = page.text
    assert "Codex &lt;b&gt;&amp; co&lt;/b&gt;" in html  # the client name is escaped
    assert 'id="approve"' in html and 'id="deny"' in html
    assert "issues:read" in html and world.urls["linear"] in html
    assert "<script" not in html and "http" not in html.split("<style>")[1].split("</style>")[0]
    request_id = html.split('name="request_id" value="')[1].split('"')[0]

    denied = httpx2.post(
        f"{world.as_url}/authorize/decision", data={"request_id": request_id, "decision": "deny"}
    )
    answer = redirect_params(denied)
    assert answer == {
        "error": "access_denied",
        "error_description": answer["error_description"],
        "state": params["state"],
        "iss": world.as_url,
    }
    # a request is answered once
    again = httpx2.post(
        f"{world.as_url}/authorize/decision", data={"request_id": request_id, "decision": "approve"}
    )
    assert again.status_code == 400

    page = authorize(world.as_url, params)
    request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
    approved = redirect_params(
        httpx2.post(
            f"{world.as_url}/authorize/decision",
            data={"request_id": request_id, "decision": "approve"},
        )
    )
    assert approved["code"] and approved["state"] == params["state"]
    assert approved["iss"] == world.as_url
