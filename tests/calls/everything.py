"""The unmodified ``@modelcontextprotocol/server-everything`` (npm, installed by
scripts/peers.py): over stdio as a configured server, or over streamable HTTP on a free port."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.peers import PREFIX, node22, require


def everything_entry() -> Path:
    path = PREFIX / "node_modules" / "@modelcontextprotocol" / "server-everything" / "dist"
    return require(path / "index.js" if (path / "index.js").exists() else None, "server-everything")


def node() -> Path:
    return require(node22(), "Node.js 22")


def stdio_config(name: str = "everything") -> str:
    return (
        f"[mcp_servers.{name}]\n"
        f"command = {json.dumps(str(node()))}\n"
        f"args = {json.dumps([str(everything_entry()), 'stdio'])}\n"
        "tool_timeout_sec = 30\n"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_http() -> Iterator[str]:
    """Yield the MCP endpoint URL of server-everything's streamable HTTP transport."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port)}
    proc = subprocess.Popen(
        [str(node()), str(everything_entry()), "streamableHttp"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server-everything did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
