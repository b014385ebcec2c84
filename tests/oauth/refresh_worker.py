"""A separate mcpdeck process asking for a bearer token (refreshing when due).

Usage: python -m tests.oauth.refresh_worker CODEX_HOME SERVER_NAME
Prints "token-sha256:<digest>" (never the token) so tests can compare processes' results.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from pathlib import Path


async def main(home: Path, name: str) -> int:
    from mcpdeck.config.loader import load_config
    from mcpdeck.credentials.select import open_store
    from mcpdeck.oauth.token_provider import TokenProvider
    from mcpdeck.oauth.trace import FlowTrace

    loaded = load_config(home, home)
    server = loaded.servers[name]
    store = open_store(loaded.settings.credentials_store, home)
    trace = FlowTrace(lambda e: print(f"[{e.step}] {e.summary}", file=sys.stderr))
    token = await TokenProvider(server, loaded, store, trace=trace).bearer()
    if token is None:
        print("no-token")
        return 1
    print("token-sha256:" + hashlib.sha256(token.encode()).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), sys.argv[2])))
