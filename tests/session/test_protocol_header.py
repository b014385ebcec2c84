"""MCP-Protocol-Version on every HTTP request, the first one included (issue 13, item 7): a
server that refuses any request without it (as the newest revision may) still works with
list, doctor and the session; older servers are covered by tests/compat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.servers.http_servers import plain_app, serve


class RequireProtocolHeader:
    """ASGI middleware: 400 for any request without MCP-Protocol-Version; records them all."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        version = headers.get("mcp-protocol-version")
        self.seen.append((scope["method"], version))
        if version is None:
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"MCP-Protocol-Version required"})
            return
        await self.app(scope, receive, send)


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env={**os.environ, "CODEX_HOME": str(home), "NO_COLOR": "1"},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_request_carries_the_protocol_version(tmp_path: Path) -> None:
    guard: list[RequireProtocolHeader] = []

    def build(base: str) -> Any:
        guard.append(RequireProtocolHeader(plain_app(base)))
        return guard[0]

    with serve(build) as base:
        (tmp_path / "config.toml").write_text(f'[mcp_servers.p]\nurl = "{base}/mcp"\n')
        listed = _cli(tmp_path, "list", "--json")
        doctor = _cli(tmp_path, "doctor", "p", "--json")
    assert json.loads(listed.stdout)[0]["auth"]["detail"].startswith("no OAuth metadata")
    report = json.loads(doctor.stdout)["servers"][0]
    assert doctor.returncode == 0, report["findings"]
    assert report["session"]["ok"] and report["inventory"]["tools"]
    seen = guard[0].seen
    assert seen and all(version is not None for _, version in seen), seen
    # The first request (the probe's initialize) offers the newest handshake revision.
    assert seen[0] == ("POST", "2025-11-25")
