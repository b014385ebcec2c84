"""Small real HTTP servers for the status probes: OAuth-protected, plain, slow, garbage."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


def oauth_protected_app() -> Starlette:
    """An MCP endpoint at /mcp that demands a token and advertises RFC 9728 + RFC 8414."""

    async def mcp(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        if request.headers.get("authorization"):
            return JSONResponse({"jsonrpc": "2.0", "id": 1, "result": {}})
        return Response(
            status_code=401,
            headers={
                "WWW-Authenticate": (
                    f'Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp", '
                    'scope="files:read"'
                )
            },
        )

    async def prm(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "resource": f"{base}/mcp",
                "authorization_servers": [f"{base}/auth"],
                "scopes_supported": ["files:read", "files:write"],
            }
        )

    async def as_metadata(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        issuer = f"{base}/auth"
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "registration_endpoint": f"{issuer}/register",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    return Starlette(
        routes=[
            Route("/mcp", mcp, methods=["GET", "POST"]),
            Route("/.well-known/oauth-protected-resource/mcp", prm),
            Route("/.well-known/oauth-authorization-server/auth", as_metadata),
        ]
    )


def plain_app() -> Starlette:
    """An MCP endpoint that needs no authentication and has no OAuth metadata."""

    async def mcp(request: Request) -> Response:
        return JSONResponse(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "result": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "serverInfo": {"name": "plain", "version": "1"},
                },
            }
        )

    return Starlette(routes=[Route("/mcp", mcp, methods=["GET", "POST"])])


def slow_app(delay: float) -> Starlette:
    """Answers every request after ``delay`` seconds."""

    async def slow(request: Request) -> Response:
        await asyncio.sleep(delay)
        return PlainTextResponse("late", status_code=401)

    return Starlette(routes=[Route("/{path:path}", slow, methods=["GET", "POST"])])


def garbage_app() -> Starlette:
    """401 with a malformed challenge, and metadata documents that are not JSON."""

    async def mcp(request: Request) -> Response:
        return Response(
            content=b"\x00\xff not json",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer resource_metadata="%%%", ,,="'},
        )

    async def junk(request: Request) -> Response:
        return Response(content=b"<html>definitely not metadata", media_type="application/json")

    return Starlette(
        routes=[
            Route("/mcp", mcp, methods=["GET", "POST"]),
            Route("/.well-known/{rest:path}", junk),
        ]
    )
