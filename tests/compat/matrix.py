"""The compatibility matrix: real, unmodified third-party MCP servers (from PyPI and npm) on
loopback, each started in its own process group and stopped after its test.

Versions are pinned in constraints.txt (fastmcp, mcp) and scripts/peers.py (the TypeScript SDK,
server-everything); README's "Tested against" lists them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from tests.peers import PREFIX, ROOT, node22, node_env, require

HERE = Path(__file__).resolve().parent
SERVERS = HERE / "servers"
BROWSER = HERE / "browser.py"
SDK_EXAMPLES = PREFIX / "node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server"
EVERYTHING = PREFIX / "node_modules/@modelcontextprotocol/server-everything/dist/index.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Row:
    """One server set-up of the matrix and what it allows."""

    name: str
    start: Callable[[contextlib.ExitStack, Path], str]  # → the MCP URL
    oauth: bool = True
    refresh: bool = True  # the authorization server issues refresh tokens
    revocation: bool = True  # … and advertises a revocation endpoint
    self_contained_tokens: bool = False  # JWTs the resource server checks without the AS
    # Access-token lifetime the authorization server is started with (None: its own default).
    token_lifetime: int | None = None


class Processes:
    def __init__(self, stack: contextlib.ExitStack, logs: Path) -> None:
        self.stack = stack
        self.logs = logs

    def start(
        self, name: str, argv: list[str], *, ready: list[str], env: dict[str, str] | None = None
    ) -> None:
        log = self.logs / f"{name}.log"
        out = log.open("wb")
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
            start_new_session=True,
        )
        self.stack.callback(_stop, proc, out)
        for url in ready:
            _wait_ready(url, proc, log)


def _stop(proc: subprocess.Popen[bytes], out: Any) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    out.close()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, limit: float = 60.0) -> None:
    """Until ``url`` answers at all (any HTTP status): the server is listening."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            httpx2.get(url, timeout=2, trust_env=False)
            return
        except httpx2.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{proc.args} did not listen on {url}:\n{log.read_text()[-3000:]}")


def _python(script: str, *args: str) -> list[str]:
    return [sys.executable, str(SERVERS / script), *args]


def _node() -> str:
    return str(require(node22(), "Node.js 22 (scripts/peers.py)"))


# -- the rows ---------------------------------------------------------------------------------

# Where the authorization server lets us choose (the ones built from the SDK's components),
# tokens live a minute: mcpdeck must not refresh them at once (issue 13, item 6).
SHORT_LIFETIME = 60
SHORT_TOKENS = {"COMPAT_TOKEN_LIFETIME": str(SHORT_LIFETIME)}


def fastmcp_inmemory(stack: contextlib.ExitStack, logs: Path) -> str:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    Processes(stack, logs).start(
        "fastmcp", _python("fastmcp_servers.py", "inmemory", str(port)), ready=[base]
    )
    return f"{base}/mcp"


def fastmcp_jwt(stack: contextlib.ExitStack, logs: Path) -> str:
    procs = Processes(stack, logs)
    as_port, port = free_port(), free_port()
    as_url = f"http://127.0.0.1:{as_port}"
    procs.start(
        "jwt-as",
        _python("sdk_auth.py", "as", str(as_port), "--jwt"),
        ready=[as_url],
        env=SHORT_TOKENS,
    )
    base = f"http://127.0.0.1:{port}"
    procs.start(
        "fastmcp-jwt", _python("fastmcp_servers.py", "jwt", str(port), as_url), ready=[base]
    )
    return f"{base}/mcp"


def _sdk_split(strict: bool) -> Callable[[contextlib.ExitStack, Path], str]:
    def start(stack: contextlib.ExitStack, logs: Path) -> str:
        procs = Processes(stack, logs)
        as_port, port = free_port(), free_port()
        as_url = f"http://127.0.0.1:{as_port}"
        procs.start(
            "sdk-as", _python("sdk_auth.py", "as", str(as_port)), ready=[as_url], env=SHORT_TOKENS
        )
        base = f"http://127.0.0.1:{port}"
        extra = ["--strict"] if strict else []
        procs.start("sdk-rs", _python("sdk_auth.py", "rs", str(port), as_url, *extra), ready=[base])
        return f"{base}/mcp"

    return start


def sdk_legacy(stack: contextlib.ExitStack, logs: Path) -> str:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    Processes(stack, logs).start(
        "sdk-legacy", _python("sdk_auth.py", "legacy", str(port)), ready=[base], env=SHORT_TOKENS
    )
    return f"{base}/mcp"


def _ts_example(*flags: str) -> Callable[[contextlib.ExitStack, Path], str]:
    def start(stack: contextlib.ExitStack, logs: Path) -> str:
        script = require(
            SDK_EXAMPLES / "simpleStreamableHttp.js"
            if (SDK_EXAMPLES / "simpleStreamableHttp.js").exists()
            else None,
            "@modelcontextprotocol/sdk (scripts/peers.py)",
        )
        port, auth_port = free_port(), free_port()
        env = {**node_env(), "MCP_PORT": str(port), "MCP_AUTH_PORT": str(auth_port)}
        procs = Processes(stack, logs)
        # The example names its URLs with "localhost" (its metadata too), so the config must.
        procs.start(
            "ts-example",
            [_node(), str(script), *flags],
            ready=[
                f"http://localhost:{auth_port}/.well-known/oauth-authorization-server",
                f"http://localhost:{port}/mcp",
            ],
            env=env,
        )
        return f"http://localhost:{port}/mcp"

    return start


def everything(stack: contextlib.ExitStack, logs: Path) -> str:
    script = require(
        EVERYTHING if EVERYTHING.exists() else None, "server-everything (scripts/peers.py)"
    )
    port = free_port()
    Processes(stack, logs).start(
        "everything",
        [_node(), str(script), "streamableHttp"],
        ready=[f"http://127.0.0.1:{port}/mcp"],
        env={**node_env(), "PORT": str(port)},
    )
    return f"http://127.0.0.1:{port}/mcp"


ROWS = [
    Row("fastmcp-inmemory", fastmcp_inmemory),
    Row("fastmcp-jwt", fastmcp_jwt, self_contained_tokens=True, token_lifetime=SHORT_LIFETIME),
    Row("sdk-split", _sdk_split(strict=False), token_lifetime=SHORT_LIFETIME),
    Row("sdk-split-strict", _sdk_split(strict=True), token_lifetime=SHORT_LIFETIME),
    Row("sdk-legacy", sdk_legacy, token_lifetime=SHORT_LIFETIME),
    Row("ts-oauth", _ts_example("--oauth"), refresh=False, revocation=False),
    Row(
        "ts-oauth-strict", _ts_example("--oauth", "--oauth-strict"), refresh=False, revocation=False
    ),
    Row("everything", everything, oauth=False, refresh=False, revocation=False),
]


# -- driving mcpdeck --------------------------------------------------------------------------


def write_config(home: Path, name: str, url: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'mcp_oauth_credentials_store = "file"\n\n[mcp_servers.{name}]\nurl = "{url}"\n'
    )


def mcpdeck(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CODEX_HOME": str(home),
        "BROWSER": str(BROWSER),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def json_of(done: subprocess.CompletedProcess[str]) -> Any:
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError(
            f"not JSON (exit {done.returncode}): {done.stdout}\n{done.stderr}"
        ) from None


async def offered_inventory(url: str, token: str | None) -> dict[str, set[str]]:
    """What the server offers, asked by another client (FastMCP's), not by mcpdeck."""
    from fastmcp import Client
    from fastmcp.client.auth import BearerAuth

    async with Client(url, auth=BearerAuth(token) if token else None, timeout=30) as client:
        tools = await client.list_tools()
        resources = await client.list_resources()
        prompts = await client.list_prompts()
    return {
        "tools": {t.name for t in tools},
        "resources": {str(r.uri) for r in resources},
        "prompts": {p.name for p in prompts},
    }


@contextlib.contextmanager
def running(row: Row, logs: Path) -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        yield row.start(stack, logs)
