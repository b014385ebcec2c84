"""Local servers that are not running: decided by a refused connection, without HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mcpdeck.config.model import LoadedConfig, ServerConfig, Source
from mcpdeck.status import AuthInfo, StatusPlan
from mcpdeck.status_probe import compute_statuses, settle_refused
from tests.loopback import refused_port, serve
from tests.status import servers


def http(name: str, url: str) -> ServerConfig:
    return ServerConfig(
        name=name, transport="streamable_http", url=url, source=Source("user", Path("/x/c.toml"))
    )


def test_refused_loopback_ports_are_decided_without_a_probe() -> None:
    down = refused_port()
    with serve(servers.oauth_protected_app()) as up:
        plan = StatusPlan(
            to_probe=[
                (http("down", f"http://127.0.0.1:{down}/mcp"), None),
                (http("down-v6", f"http://localhost:{down}/mcp"), None),
                (http("stored", f"http://127.0.0.1:{down}/x"), AuthInfo(detail="token expired")),
                (http("up", f"{up}/mcp"), None),
                (http("remote", "https://mcp.example.invalid/mcp"), None),
            ]
        )
        settle_refused(plan)
    assert [s.name for s, _ in plan.to_probe] == ["up", "remote"]
    decided = {s.name: s for s in plan.decided}
    assert decided["down"].auth_status == "none" and decided["down"].failed
    assert decided["down"].auth.detail == (
        f"discovery failed: http://127.0.0.1:{down}/mcp: connection failed"
    )
    # stored but unusable credentials: the server did use OAuth once
    assert decided["stored"].auth_status == "oauth_available"
    assert decided["stored"].auth.detail.startswith("token expired; discovery failed:")


async def test_the_same_words_as_a_real_probe() -> None:
    down = refused_port()
    server = http("down", f"http://127.0.0.1:{down}/mcp")
    loaded = LoadedConfig(
        codex_home=Path("/x"), cwd=Path("/x"), project_root=None, servers={"down": server}
    )
    probed = await compute_statuses(loaded, None, plan=StatusPlan(to_probe=[(server, None)]))
    plan = StatusPlan(to_probe=[(server, None)])
    settle_refused(plan)
    assert plan.decided[0].auth.detail == probed["down"].auth.detail
    assert plan.decided[0].failed == probed["down"].failed


def test_list_loads_no_http_stack_when_every_local_server_is_down(tmp_path: Path) -> None:
    down = refused_port()
    home = tmp_path / "codex"
    home.mkdir()
    (home / "config.toml").write_text(
        f'[mcp_servers.a]\nurl = "http://127.0.0.1:{down}/mcp"\n'
        f'[mcp_servers.b]\nurl = "http://localhost:{down}/v2/mcp"\n'
        '[mcp_servers.c]\ncommand = "true"\n'
    )
    code = (
        "import sys, io, contextlib\n"
        "from mcpdeck.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    main(['list', '--json'])\n"
        "print(out.getvalue())\n"
        "print([m for m in ('asyncio', 'httpx2', 'httpcore2', 'ssl') if m in sys.modules])\n"
    )
    env = dict(os.environ, CODEX_HOME=str(home), HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    *listing, loaded = done.stdout.strip().splitlines()
    rows = {r["name"]: r for r in json.loads("\n".join(listing))}
    assert rows["a"]["auth"]["detail"].endswith("connection failed")
    assert rows["b"]["auth"]["detail"].endswith("connection failed")
    assert loaded == "[]"
