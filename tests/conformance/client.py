#!/usr/bin/env python3
"""The conformance suite's client under test: mcpdeck's real login and session code.

The suite runs ``client.py [ARGS…] SERVER_URL`` with MCP_CONFORMANCE_SCENARIO and (for some
scenarios) MCP_CONFORMANCE_CONTEXT (JSON: client_id, client_secret). This adapter writes a
temporary CODEX_HOME whose config.toml names that server — a pre-registered client id goes in
the config, its secret only in an environment variable the config names — then opens an MCP
session through mcpdeck.session with an interactive TokenProvider. The "browser" is
tests/conformance/browser.py (through the standard BROWSER variable), which follows the
authorization server's redirect into mcpdeck's real loopback callback listener.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "app"))

# A client id metadata document URL, as a user would configure one for CIMD-capable servers.
CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"
SECRET_VAR = "MCPDECK_CONFORMANCE_CLIENT_SECRET"


def write_config(home: Path, url: str, context: dict[str, object]) -> None:
    lines = [
        'mcp_oauth_credentials_store = "file"',
        "",
        "[mcp_servers.conformance]",
        f"url = {json.dumps(url)}",
        "startup_timeout_sec = 25",
        "",
        "[mcp_servers.conformance.oauth]",
        f"client_metadata_url = {json.dumps(CLIENT_METADATA_URL)}",
    ]
    client_id = context.get("client_id")
    if isinstance(client_id, str):
        lines.append(f"client_id = {json.dumps(client_id)}")
        secret = context.get("client_secret")
        if isinstance(secret, str):
            os.environ[SECRET_VAR] = secret
            lines.append(f'client_secret_env_var = "{SECRET_VAR}"')
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _arguments(tool: object) -> dict[str, object]:
    schema = getattr(tool, "input_schema", None) or getattr(tool, "inputSchema", None) or {}
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    out: dict[str, object] = {}
    for index, (name, spec) in enumerate(props.items()):
        kind = spec.get("type") if isinstance(spec, dict) else None
        out[name] = index + 2 if kind in ("number", "integer") else "x"
    return out


async def run(url: str) -> int:
    from mcpdeck.config.loader import load_config
    from mcpdeck.credentials.select import open_store
    from mcpdeck.oauth.token_provider import TokenProvider
    from mcpdeck.oauth.trace import FlowTrace
    from mcpdeck.session.connect import open_session

    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    with tempfile.TemporaryDirectory(prefix="mcpdeck-conformance-") as tmp:
        home = Path(tmp)
        write_config(home, url, context)
        loaded = load_config(home, home)
        server = loaded.servers["conformance"]
        store = open_store(loaded.settings.credentials_store, home)
        trace = FlowTrace(
            lambda e: print(f"[{e.step}] {e.status}: {e.summary}", file=sys.stderr, flush=True)
        )
        provider = TokenProvider(
            server, loaded, store, trace=trace, interactive=True, login_timeout=20
        )
        async with open_session(server, token_provider=provider, trace=trace) as session:
            tools = await session.raw.list_tools()
            for tool in tools.tools:
                result = await session.call_tool(tool.name, _arguments(tool))
                print(f"called {tool.name}: {result}", file=sys.stderr)
    return 0


def main() -> int:
    os.environ["BROWSER"] = str(HERE / "browser.py")
    url = sys.argv[-1]
    try:
        return asyncio.run(run(url))
    except Exception as exc:
        from mcpdeck.redact import redact

        print(
            f"conformance client failed: {redact(getattr(exc, 'message', None) or repr(exc))}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
