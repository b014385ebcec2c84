"""ASGI wrappers that protect a demo MCP endpoint the way the MCP authorization spec describes.

The SDK's bearer middleware answers 401 without a ``scope`` hint, advertises only the scopes it
requires in its protected resource metadata and has no per-tool scopes; the demo needs all three
to show discovery and step-up authorization, so it guards its endpoints itself.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcpdeck.demo.as_grants import AccessTokenInfo
from mcpdeck.demo.resources import canonical_resource

Verifier = Callable[[str], AccessTokenInfo | None]

_MAX_BODY = 1024 * 1024


def prm_path_for(resource: str) -> str:
    """RFC 9728 §3.1: the well-known path with the resource's path appended."""
    path = urlsplit(resource).path.rstrip("/")
    return "/.well-known/oauth-protected-resource" + path


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            text = bytes(value).decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return None
    return None


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive] | None:
    """Read the whole request body (to inspect JSON-RPC) and give a receive that replays it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _called_tools(body: bytes) -> list[str]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return []
    messages = parsed if isinstance(parsed, list) else [parsed]
    names = []
    for message in messages:
        if isinstance(message, dict) and message.get("method") == "tools/call":
            params = message.get("params")
            if isinstance(params, dict) and isinstance(params.get("name"), str):
                names.append(params["name"])
    return names


@dataclass
class OAuthProtection:
    """How one OAuth-protected demo server advertises itself and checks tokens."""

    resource: str  # the MCP endpoint URL; tokens must carry exactly this audience
    authorization_servers: list[str]
    scopes_supported: list[str]
    required_scopes: list[str]
    verify: Verifier
    tool_scopes: dict[str, list[str]] = field(default_factory=dict)
    resource_name: str | None = None
    mcp_path: str = "/mcp"

    def metadata(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "scopes_supported": self.scopes_supported,
            "bearer_methods_supported": ["header"],
        }
        if self.resource_name:
            body["resource_name"] = self.resource_name
        return body

    def metadata_url(self) -> str:
        parts = urlsplit(self.resource)
        return f"{parts.scheme}://{parts.netloc}{prm_path_for(self.resource)}"


class OAuthGuard:
    """Serve the PRM document and let only properly scoped, audience-bound tokens through."""

    def __init__(self, app: ASGIApp, protection: OAuthProtection) -> None:
        self.app = app
        self.protection = protection
        self.prm_path = prm_path_for(protection.resource)

    def _challenge(self, error: str | None, description: str | None, scopes: list[str]) -> bytes:
        parts = [f"resource_metadata={_quote(self.protection.metadata_url())}"]
        if scopes:
            parts.append(f"scope={_quote(' '.join(scopes))}")
        if error:
            parts.append(f"error={_quote(error)}")
        if description:
            parts.append(f"error_description={_quote(description)}")
        return ("Bearer " + ", ".join(parts)).encode()

    async def _deny(
        self, send: Send, status: int, error: str | None, description: str, scopes: list[str]
    ) -> None:
        header = self._challenge(error, description, scopes)
        body = {"error": error or "invalid_token", "error_description": description}
        await _send_json(send, status, body, [(b"www-authenticate", header)])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path == self.prm_path and scope.get("method") in ("GET", "HEAD"):
            await _send_json(send, 200, self.protection.metadata(), [])
            return
        if path.rstrip("/") != self.protection.mcp_path:
            await self.app(scope, receive, send)
            return

        p = self.protection
        token = _bearer(scope)
        if token is None:
            await self._deny(send, 401, None, "authentication required", p.required_scopes)
            return
        info = p.verify(token)
        if info is None:
            await self._deny(
                send,
                401,
                "invalid_token",
                "the token is unknown, revoked or expired",
                p.required_scopes,
            )
            return
        if info.audience != canonical_resource(p.resource):
            await self._deny(
                send,
                401,
                "invalid_token",
                f"the token was issued for another resource ({info.audience})",
                p.required_scopes,
            )
            return
        missing = [s for s in p.required_scopes if s not in info.scopes]
        if missing:
            await self._deny(
                send,
                403,
                "insufficient_scope",
                f"missing scope {' '.join(missing)}",
                sorted({*p.required_scopes, *info.scopes}),
            )
            return

        if p.tool_scopes and scope.get("method") == "POST":
            buffered = await _buffer_body(receive)
            if buffered is None:
                await _send_json(send, 413, {"error": "request body too large"}, [])
                return
            body, receive = buffered
            for tool in _called_tools(body):
                needed = p.tool_scopes.get(tool, [])
                lacking = [s for s in needed if s not in info.scopes]
                if lacking:
                    # The challenge names every scope the call needs, so a client can ask for
                    # the union of what it holds and this (MCP step-up authorization).
                    await self._deny(
                        send,
                        403,
                        "insufficient_scope",
                        f"tool {tool} needs scope {' '.join(lacking)}",
                        sorted({*p.required_scopes, *needed}),
                    )
                    return
        await self.app(scope, receive, send)


class StaticBearerGuard:
    """A server protected by one shared bearer token (``bearer_token_env_var`` in Codex config)."""

    def __init__(self, app: ASGIApp, token: str, realm: str, mcp_path: str = "/mcp") -> None:
        self.app = app
        self.token = token
        self.realm = realm
        self.mcp_path = mcp_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").rstrip("/") != self.mcp_path:
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        if token is None or not secrets.compare_digest(token, self.token):
            error = "invalid_token" if token is not None else None
            challenge = f"Bearer realm={_quote(self.realm)}"
            if error:
                challenge += f', error="{error}"'
            await _send_json(
                send,
                401,
                {
                    "error": error or "unauthorized",
                    "error_description": "a valid bearer token is required",
                },
                [(b"www-authenticate", challenge.encode())],
            )
            return
        await self.app(scope, receive, send)
