#!/usr/bin/env python3
"""FastMCP servers of the compatibility matrix, as FastMCP's documentation sets them up.

    fastmcp_servers.py inmemory PORT        FastMCP with its InMemoryOAuthProvider (own AS)
    fastmcp_servers.py jwt PORT AS_URL      FastMCP's JWTVerifier behind a separate AS
                                            (RemoteAuthProvider; the AS serves /public-key)

Prints READY when listening.
"""

from __future__ import annotations

import sys
import time
import urllib.request

from fastmcp import FastMCP
from fastmcp.server.auth import RemoteAuthProvider
from fastmcp.server.auth.auth import ClientRegistrationOptions, RevocationOptions
from fastmcp.server.auth.providers.in_memory import InMemoryOAuthProvider
from fastmcp.server.auth.providers.jwt import JWTVerifier
from pydantic import AnyHttpUrl


def offer(app: FastMCP) -> FastMCP:
    @app.tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @app.tool
    def now() -> str:
        """The server's clock."""
        return time.strftime("%Y-%m-%dT%H:%M:%S")

    @app.resource("compat://fastmcp")
    def about() -> str:
        """What this server is."""
        return "a FastMCP server for mcpdeck's compatibility matrix"

    @app.prompt
    def summarize(text: str) -> str:
        """Summarize a text."""
        return f"Summarize: {text}"

    return app


def main(argv: list[str]) -> int:
    mode, port = argv[0], int(argv[1])
    base = f"http://127.0.0.1:{port}"
    if mode == "inmemory":
        auth = InMemoryOAuthProvider(
            base_url=base,
            client_registration_options=ClientRegistrationOptions(enabled=True),
            revocation_options=RevocationOptions(enabled=True),
        )
    elif mode == "jwt":
        as_url = argv[2]
        with urllib.request.urlopen(f"{as_url}/public-key", timeout=10) as response:
            public_key = response.read().decode()
        auth = RemoteAuthProvider(
            token_verifier=JWTVerifier(
                public_key=public_key, issuer=as_url, audience=f"{base}/mcp"
            ),
            authorization_servers=[AnyHttpUrl(as_url)],
            base_url=base,
        )
    else:
        print(__doc__, file=sys.stderr)
        return 2
    app = offer(FastMCP(f"fastmcp-{mode}", auth=auth))
    print("READY", flush=True)
    app.run(transport="http", host="127.0.0.1", port=port, path="/mcp", show_banner=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
