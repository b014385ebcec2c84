"""A thousand servers behind one real loopback host: every status resolved, metadata shared.

No timing assertion: the timeout is generous on purpose; what is checked is that nothing is
lost at this scale (sockets, pool limits, the shared metadata cache) and that the
authorization server's metadata is fetched once for all of them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mcpdeck.config.model import LoadedConfig, ServerConfig, Source
from mcpdeck.status_probe import compute_statuses
from tests.loopback import serve

COUNT = 1000


def gateway_app(counts: Counter[str]) -> Starlette:
    """``/mcp/N`` for any N: each its own protected resource, one authorization server."""

    async def mcp(request: Request) -> Response:
        counts["probe"] += 1
        base = str(request.base_url).rstrip("/")
        n = request.path_params["n"]
        challenge = (
            f'Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp/{n}"'
        )
        return Response(status_code=401, headers={"WWW-Authenticate": challenge})

    async def prm(request: Request) -> Response:
        counts["prm"] += 1
        base = str(request.base_url).rstrip("/")
        n = request.path_params["n"]
        return JSONResponse(
            {"resource": f"{base}/mcp/{n}", "authorization_servers": [f"{base}/auth"]}
        )

    async def as_metadata(request: Request) -> Response:
        counts["as_metadata"] += 1
        issuer = str(request.base_url).rstrip("/") + "/auth"
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "code_challenge_methods_supported": ["S256"],
            }
        )

    return Starlette(
        routes=[
            Route("/mcp/{n}", mcp, methods=["GET", "POST"]),
            Route("/.well-known/oauth-protected-resource/mcp/{n}", prm),
            Route("/.well-known/oauth-authorization-server/auth", as_metadata),
        ]
    )


async def test_a_thousand_servers_all_resolved() -> None:
    counts: Counter[str] = Counter()
    with serve(gateway_app(counts)) as base:
        servers = {
            f"s{n:04d}": ServerConfig(
                name=f"s{n:04d}",
                transport="streamable_http",
                url=f"{base}/mcp/{n}",
                source=Source("user", Path("/x/config.toml")),
            )
            for n in range(COUNT)
        }
        loaded = LoadedConfig(
            codex_home=Path("/x"), cwd=Path("/x"), project_root=None, servers=servers
        )
        statuses = await compute_statuses(loaded, None, timeout=60)
    assert len(statuses) == COUNT
    assert Counter(s.auth_status for s in statuses.values()) == {"oauth_available": COUNT}
    assert not [s.name for s in statuses.values() if s.failed]
    assert counts["probe"] == COUNT and counts["prm"] == COUNT
    assert counts["as_metadata"] == 1  # one authorization server: its metadata once per run
