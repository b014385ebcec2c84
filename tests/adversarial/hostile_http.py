"""A hostile MCP server and its hostile authorization server, one Starlette app on 127.0.0.1.

Knobs on :class:`Hostility` pick the attack; every response is otherwise what a real OAuth
protected MCP server sends (401 with ``WWW-Authenticate``, RFC 9728 metadata, RFC 8414 metadata,
dynamic client registration, a token endpoint).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.servers.http_servers import serve


@dataclass
class Hostility:
    prm_resource: str | None = None  # default: the MCP URL (honest)
    prm_authorization_servers: list[str] | None = None  # default: this server
    prm_body: bytes | None = None  # raw PRM body instead of JSON
    prm_gzip: bool = False  # send prm_body with Content-Encoding: gzip
    authorization_endpoint_suffix: str = ""  # appended to /authorize
    registration_error: str | None = None  # DCR answers 400 with this error_description
    token_error: str | None = None  # the token endpoint answers 400 with this description
    requests: list[str] = field(default_factory=list)
    # the Host header of each AS metadata request: which authorization server was asked
    metadata_hosts: list[str] = field(default_factory=list)


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A gzip body of a JSON object that inflates to ``decoded_bytes`` (about 1000:1)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as handle:
        handle.write(b'{"resource": "x", "pad": "')
        block = b" " * (1 << 20)
        left = decoded_bytes
        while left > 0:
            handle.write(block[: min(left, len(block))])
            left -= len(block)
        handle.write(b'"}')
    return out.getvalue()


def build(h: Hostility, base: str) -> Starlette:
    mcp_url = base + "/mcp"

    async def mcp(request: Request) -> Response:
        h.requests.append(f"{request.method} {request.url.path}")
        # The path-aware metadata URL of whatever path the client asked (/mcp, /tenant/mcp…).
        prm_url = base + "/.well-known/oauth-protected-resource" + request.url.path
        return JSONResponse(
            {"error": "invalid_token"},
            status_code=401,
            headers={"WWW-Authenticate": f'Bearer resource_metadata="{prm_url}"'},
        )

    async def prm(request: Request) -> Response:
        h.requests.append(f"GET {request.url.path}")
        if h.prm_body is not None:
            headers = {"Content-Type": "application/json"}
            if h.prm_gzip:
                headers["Content-Encoding"] = "gzip"
            return Response(h.prm_body, headers=headers)
        return JSONResponse(
            {
                "resource": h.prm_resource if h.prm_resource is not None else mcp_url,
                "authorization_servers": h.prm_authorization_servers or [base],
            }
        )

    async def as_metadata(request: Request) -> Response:
        h.requests.append(f"GET {request.url.path}")
        h.metadata_hosts.append(request.headers.get("host", ""))
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": base + "/authorize" + h.authorization_endpoint_suffix,
                "token_endpoint": base + "/token",
                "registration_endpoint": base + "/register",
                "code_challenge_methods_supported": ["S256"],
                "response_types_supported": ["code"],
                "token_endpoint_auth_methods_supported": ["none"],
            }
        )

    async def register(request: Request) -> Response:
        h.requests.append("POST /register")
        if h.registration_error is not None:
            return JSONResponse(
                {"error": "invalid_client_metadata", "error_description": h.registration_error},
                status_code=400,
            )
        body: dict[str, Any] = json.loads(await request.body())
        return JSONResponse(
            {
                "client_id": "hostile-client",
                "redirect_uris": body.get("redirect_uris", []),
                "token_endpoint_auth_method": "none",
            },
            status_code=201,
        )

    async def token(request: Request) -> Response:
        h.requests.append("POST /token")
        return JSONResponse(
            {"error": "invalid_grant", "error_description": h.token_error or "no"},
            status_code=400,
        )

    return Starlette(
        routes=[
            Route("/.well-known/oauth-protected-resource/{rest:path}", prm),
            Route("/.well-known/oauth-authorization-server", as_metadata),
            Route("/register", register, methods=["POST"]),
            Route("/token", token, methods=["POST"]),
            Route("/{rest:path}", mcp, methods=["GET", "POST"]),
        ]
    )


@contextmanager
def hostile_server(h: Hostility) -> Iterator[str]:
    """Serve the hostile pair; yields the base URL (the MCP endpoint is ``base + "/mcp"``)."""
    with serve(lambda base: build(h, base)) as base:
        yield base
