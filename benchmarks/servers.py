"""The benchmark's loopback world: OAuth-protected MCP-ish servers and their authorization servers.

One process, one uvicorn server, many listening sockets: every port is a separate "server"
(its own protected resource *and* its own authorization server, like a hosted MCP service),
and every response on a port of a group is delayed by that group's delay. The login group
(delay 0) is a complete auto-approving OAuth 2.1 authorization server:

- ``POST|GET /mcp`` without a valid token: 401 with
  ``WWW-Authenticate: Bearer resource_metadata="…/.well-known/oauth-protected-resource/mcp"``;
  with a token issued here: a minimal JSON-RPC MCP endpoint (initialize, tools/list).
- RFC 9728 protected-resource metadata (path-inserted and root), RFC 8414 metadata.
- ``/register`` (RFC 7591, public clients), ``/authorize`` (approves at once: 302 to the
  redirect URI with code, state and iss), ``/token`` (authorization_code with PKCE S256,
  refresh_token).
- ``/_stats``: request counts per path (to document what each tool asked for).

    python benchmarks/servers.py --group slow:100:0.2 --group login:1:0 --ports-file ports.json

writes ``{"slow": [port, …], "login": [port]}`` to ports-file once every socket listens. A group
flagged ``open`` (``--group doctor:20:0.05-0.5:open``) serves MCP without authentication (for
the doctor benchmark), its delays spread from LOW to HIGH over its ports.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

SCOPES = ["mcp:read", "mcp:write", "offline_access"]
TOOLS = [
    {
        "name": name,
        "description": f"{name} something",
        "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}},
    }
    for name in ("search", "fetch", "summarize")
]
LISTS = {
    "resources/list": "resources",
    "resources/templates/list": "resourceTemplates",
    "prompts/list": "prompts",
}


@dataclass
class World:
    """Shared state of every port: issued codes and tokens, per-port delay, request counts."""

    delays: dict[int, float] = field(default_factory=dict)
    open_ports: set[int] = field(default_factory=set)  # MCP without authentication
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: dict[str, int] = field(default_factory=dict)  # token -> port issued for
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)


def _origin(request: Request) -> str:
    port = request.scope["server"][1]
    return f"http://127.0.0.1:{port}"


def _b64url_sha256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_app(world: World) -> Starlette:
    def prm(request: Request) -> Response:
        origin = _origin(request)
        return JSONResponse(
            {
                "resource": f"{origin}/mcp",
                "authorization_servers": [origin],
                "scopes_supported": SCOPES,
                "bearer_methods_supported": ["header"],
            }
        )

    def as_metadata(request: Request) -> Response:
        origin = _origin(request)
        return JSONResponse(
            {
                "issuer": origin,
                "authorization_endpoint": f"{origin}/authorize",
                "token_endpoint": f"{origin}/token",
                "registration_endpoint": f"{origin}/register",
                "scopes_supported": SCOPES,
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
                "authorization_response_iss_parameter_supported": True,
            }
        )

    async def mcp(request: Request) -> Response:
        origin = _origin(request)
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        port = request.scope["server"][1]
        if port not in world.open_ports and world.access_tokens.get(token) != port:
            challenge = (
                f'Bearer resource_metadata="{origin}/.well-known/oauth-protected-resource/mcp", '
                f'scope="{" ".join(SCOPES[:2])}"'
            )
            return JSONResponse(
                {"error": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": challenge}
            )
        if request.method != "POST":
            return Response(status_code=405)
        try:
            message = await request.json()
        except ValueError:
            return JSONResponse({"error": "bad json"}, status_code=400)
        if "id" not in message:
            return Response(status_code=202)
        if message.get("method") == "initialize":
            result: dict[str, Any] = {
                "protocolVersion": message.get("params", {}).get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "bench", "version": "1"},
            }
        elif message.get("method") == "tools/list":
            result = {"tools": TOOLS}
        elif message.get("method") in LISTS:
            key = LISTS[message["method"]]
            result = {key: []}
        elif message.get("method") == "ping":
            result = {}
        else:
            return JSONResponse(
                {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no"}}
            )
        return JSONResponse({"jsonrpc": "2.0", "id": message["id"], "result": result})

    async def register(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid_client_metadata"}, status_code=400)
        client_id = "bench-" + secrets.token_hex(8)
        client = {
            **body,
            "client_id": client_id,
            "client_id_issued_at": int(time.time()),
            "token_endpoint_auth_method": "none",
        }
        world.clients[client_id] = client
        return JSONResponse(client, status_code=201)

    def authorize(request: Request) -> Response:
        q = request.query_params
        client = world.clients.get(q.get("client_id", ""))
        redirect_uri = q.get("redirect_uri", "")
        if client is None or redirect_uri not in client.get("redirect_uris", [redirect_uri]):
            return PlainTextResponse("unknown client or redirect_uri", status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return PlainTextResponse("PKCE S256 required", status_code=400)
        code = secrets.token_urlsafe(24)
        world.codes[code] = {
            "client_id": q["client_id"],
            "redirect_uri": redirect_uri,
            "challenge": q["code_challenge"],
            "scope": q.get("scope", ""),
            "port": request.scope["server"][1],
        }
        params = {"code": code, "iss": _origin(request)}
        if "state" in q:
            params["state"] = q["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{urlencode(params)}", status_code=302)

    def _issue(port: int, scope: str, client_id: str) -> Response:
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        world.access_tokens[access] = port
        world.refresh_tokens[refresh] = {"port": port, "scope": scope, "client_id": client_id}
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": refresh,
                "scope": scope,
            },
            headers={"Cache-Control": "no-store"},
        )

    async def token(request: Request) -> Response:
        form = await request.form()
        grant = form.get("grant_type")
        if grant == "authorization_code":
            entry = world.codes.pop(str(form.get("code", "")), None)
            verifier = str(form.get("code_verifier", ""))
            if (
                entry is None
                or entry["redirect_uri"] != form.get("redirect_uri")
                or _b64url_sha256(verifier) != entry["challenge"]
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return _issue(entry["port"], entry["scope"], entry["client_id"])
        if grant == "refresh_token":
            old = world.refresh_tokens.pop(str(form.get("refresh_token", "")), None)
            if old is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return _issue(old["port"], old["scope"], old["client_id"])
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    def stats(request: Request) -> Response:
        return JSONResponse(dict(world.counts))

    def reset(request: Request) -> Response:
        world.counts.clear()
        return JSONResponse({})

    routes = [
        Route("/mcp", mcp, methods=["GET", "POST", "DELETE"]),
        Route("/.well-known/oauth-protected-resource/mcp", prm),
        Route("/.well-known/oauth-protected-resource", prm),
        Route("/.well-known/oauth-authorization-server", as_metadata),
        Route("/register", register, methods=["POST"]),
        Route("/authorize", authorize),
        Route("/token", token, methods=["POST"]),
        Route("/_stats", stats),
        Route("/_reset", reset, methods=["POST"]),
    ]
    app = Starlette(routes=routes)

    async def delayed(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if not path.startswith("/_"):
                world.counts[f"{scope['method']} {path}"] += 1
                delay = world.delays.get(scope["server"][1], 0.0)
                if delay:
                    await asyncio.sleep(delay)
        await app(scope, receive, send)

    return delayed  # type: ignore[return-value]


def listen_sockets(count: int) -> list[socket.socket]:
    out = []
    for _ in range(count):
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose protocol says TCP,
        # and accepted sockets inherit it. Without it every response body waited for the
        # client's delayed ACK (about 40 ms each, seen in strace).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        sock.setblocking(False)
        out.append(sock)
    return out


@dataclass(frozen=True)
class Group:
    """``NAME:COUNT:DELAY[:open]``; DELAY may be a range ``LOW-HIGH`` spread over the ports."""

    name: str
    count: int
    low: float
    high: float
    open: bool = False

    def delay(self, index: int) -> float:
        if self.count < 2:
            return self.high
        return self.low + (self.high - self.low) * index / (self.count - 1)


def parse_group(text: str) -> Group:
    name, count, delay, *flags = text.split(":")
    low, _, high = delay.partition("-")
    return Group(name, int(count), float(low), float(high or low), open="open" in flags)


def raise_open_files_limit() -> None:
    """A thousand listening sockets plus their connections need more than the usual 1024."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(groups: list[Group], ports_file: Path) -> None:
    import uvicorn

    raise_open_files_limit()

    world = World()
    ports: dict[str, list[int]] = {}
    sockets: list[socket.socket] = []
    for group in groups:
        socks = listen_sockets(group.count)
        ports[group.name] = [s.getsockname()[1] for s in socks]
        for index, port in enumerate(ports[group.name]):
            world.delays[port] = group.delay(index)
            if group.open:
                world.open_ports.add(port)
        sockets.extend(socks)
    config = uvicorn.Config(
        build_app(world),
        http="httptools",
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=2048,
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    server_task = asyncio.create_task(server.serve(sockets=sockets))
    while not server.started:
        if server_task.done():
            server_task.result()
            return
        await asyncio.sleep(0.01)
    tmp = ports_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(ports))
    tmp.replace(ports_file)
    await server_task


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--group",
        action="append",
        type=parse_group,
        required=True,
        help="NAME:COUNT:DELAY_SEC[:open] (DELAY may be LOW-HIGH)",
    )
    parser.add_argument("--ports-file", type=Path, required=True)
    args = parser.parse_args(argv)
    # One process stands in for a thousand servers that would each have their own machine: on
    # asyncio's loop with h11, its own CPU (2.6-3.5 s per 1000-server status run, all on one
    # core) set the pace of both tools' runs. uvloop and httptools (uvicorn's C parser, see
    # serve) cut that to about 1.5 s.
    import uvloop

    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
    ):
        runner.run(serve(args.group, args.ports_file))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
