"""Streamable HTTP MCP servers on 127.0.0.1 (ephemeral ports) under uvicorn, in a thread.

`serve(build)` binds the port first, so `build(base_url)` can name its own URL (protected
resource metadata needs it), then serves the app until the block ends.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.servers.catalog import build_server


@contextmanager
def serve(build: Callable[[str], Any]) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = build(base)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="critical", lifespan="on", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def plain_app(base: str, *, prompts: bool = True) -> Any:
    return build_server(prompts=prompts, name="plain").streamable_http_app(host="127.0.0.1")


@dataclass
class Grant:
    """What the test verifier knows about one accepted token."""

    scopes: list[str] = field(default_factory=list)
    resource: str | None = None
    client_id: str = "test-client"


class DictVerifier:
    def __init__(self, grants: Mapping[str, Grant]) -> None:
        self.grants = dict(grants)
        self.seen: list[str] = []

    async def verify_token(self, token: str) -> AccessToken | None:
        self.seen.append(token)
        grant = self.grants.get(token)
        if grant is None:
            return None
        return AccessToken(
            token=token,
            client_id=grant.client_id,
            scopes=grant.scopes,
            expires_at=int(time.time()) + 3600,
            resource=grant.resource,
        )


def protected_app(
    base: str,
    grants: Mapping[str, Grant],
    *,
    required_scopes: Sequence[str] = (),
    as_metadata: Mapping[str, Any] | None = None,
    token_endpoint: Callable[[Request], Any] | None = None,
    name: str = "protected",
) -> Any:
    """The catalog behind bearer auth: 401 with resource_metadata, 403 insufficient_scope.

    The issuer is the server's own origin; `as_metadata` (served at the RFC 8414 well-known
    URL) and `token_endpoint` (at /token) let a test shape what discovery and refresh see.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auth = AuthSettings(
            issuer_url=base,
            resource_server_url=f"{base}/mcp",
            required_scopes=list(required_scopes) or None,
            validate_token_resource=False,
        )
    routes: list[Route] = []
    if as_metadata is not None:
        document = {"issuer": base, **as_metadata}

        async def metadata(_request: Request) -> Response:
            return JSONResponse(document)

        routes.append(Route("/.well-known/oauth-authorization-server", metadata))
    if token_endpoint is not None:
        routes.append(Route("/token", token_endpoint, methods=["POST"]))
    return build_server(name=name).streamable_http_app(
        host="127.0.0.1",
        auth=auth,
        token_verifier=DictVerifier(grants),
        custom_starlette_routes=routes,
    )


def refusing_app(status: int, www_authenticate: str) -> Callable[[str], Any]:
    """A server that answers every request with ``status`` and this WWW-Authenticate header:
    the challenge exactly as written, for what the parser makes of it."""
    from starlette.applications import Starlette

    async def refuse(_request: Request) -> Response:
        return Response(status_code=status, headers={"WWW-Authenticate": www_authenticate})

    def build(_base: str) -> Any:
        return Starlette(routes=[Route("/mcp", refuse, methods=["GET", "POST", "DELETE"])])

    return build
