"""The steps of an OAuth client, spelled out with httpx, to test the demo authorization server
independently of mcpdeck's own OAuth engine (written in parallel)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: redirects are not followed


@dataclass
class Pkce:
    verifier: str
    challenge: str


def pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def register(as_url: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_name": "demo test client",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        **overrides,
    }
    response = httpx2.post(f"{as_url}/register", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def authorize(as_url: str, params: dict[str, Any]) -> httpx2.Response:
    return httpx2.get(f"{as_url}/authorize", params=params, follow_redirects=False)


def redirect_params(response: httpx2.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI.split("?")[0])
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorization_params(
    client_id: str, challenge: str, resource: str, **extra: Any
) -> dict[str, Any]:
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": secrets.token_urlsafe(12),
        "resource": resource,
        **extra,
    }


def token(as_url: str, form: dict[str, Any]) -> httpx2.Response:
    return httpx2.post(f"{as_url}/token", data=form)


def login(as_url: str, resource: str, scope: str | None = None) -> dict[str, Any]:
    """A whole auto-approved login: registration, authorization, code exchange."""
    client = register(as_url)
    p = pkce()
    extra = {"scope": scope} if scope else {}
    params = redirect_params(
        authorize(as_url, authorization_params(client["client_id"], p.challenge, resource, **extra))
    )
    response = token(
        as_url,
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": p.verifier,
            "client_id": client["client_id"],
            "resource": resource,
        },
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    tokens["client_id"] = client["client_id"]
    return tokens
