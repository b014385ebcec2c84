"""Starting and stopping the demo world leaves nothing behind; the config it writes."""

from __future__ import annotations

import socket
import threading
import tomllib
from pathlib import Path

import httpx2
import pytest

from mcpdeck.demo.world import DemoWorld, run_demo_in_thread


def _refuses(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_thread_world_starts_serves_and_stops_cleanly(tmp_path: Path) -> None:
    threads_before = set(threading.enumerate())
    with run_demo_in_thread(base_dir=tmp_path) as world:
        ports = dict(world.ports)
        root = world.root
        assert set(ports) == {"auth", "linear", "docs", "staging", "broken"}
        assert len(set(ports.values())) == 5
        assert root.parent == tmp_path.resolve()
        assert world.codex_home.is_dir() and (world.project_dir / ".git").is_dir()
        for port in ports.values():
            assert not _refuses(port)
        meta = httpx2.get(f"{world.as_url}/.well-known/oauth-authorization-server")
        assert meta.status_code == 200
        # a streamable HTTP session left open must not hold the shutdown
        opened = httpx2.post(
            world.urls["staging"],
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "0"},
                },
            },
            headers={"Accept": "application/json, text/event-stream"},
        )
        assert opened.status_code == 200
    for name, port in ports.items():
        assert _refuses(port), f"{name} port {port} still accepts connections"
    assert not root.exists()
    leftover = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    assert leftover == []


async def test_async_world_in_the_callers_loop(tmp_path: Path) -> None:
    async with DemoWorld(base_dir=tmp_path, auto_approve=True, token_lifetime=5) as world:
        async with httpx2.AsyncClient() as http:
            meta = (await http.get(f"{world.as_url}/.well-known/oauth-authorization-server")).json()
        assert meta["issuer"] == world.as_url
        ports = list(world.ports.values())
        root = world.root
        assert world.auth_server.token_lifetime == 5
    assert all(_refuses(p) for p in ports)
    assert not root.exists()


async def test_a_world_starts_once(tmp_path: Path) -> None:
    world = DemoWorld(base_dir=tmp_path)
    async with world:
        with pytest.raises(RuntimeError):
            await world.start()


def test_failed_start_cleans_up(tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist"
    with pytest.raises(FileNotFoundError), run_demo_in_thread(base_dir=missing):
        pass
    assert list(tmp_path.iterdir()) == []


def test_user_config_lists_every_server_and_trusts_the_project(demo_world: DemoWorld) -> None:
    text = demo_world.config_path.read_text()
    assert text.startswith("# mcpdeck demo world")  # comments for the human reader
    config = tomllib.loads(text)
    servers = config["mcp_servers"]
    assert set(servers) == {"linear", "docs", "local", "broken"}
    assert servers["linear"]["url"] == demo_world.urls["linear"]
    assert "scopes" not in servers["linear"]  # scopes come from discovery
    assert servers["docs"]["bearer_token_env_var"] == "DEMO_DOCS_TOKEN"
    assert servers["local"]["args"] == ["-m", "mcpdeck.demo.stdio_server"]
    assert servers["broken"]["enabled_tools"] == ["status", "restart_service"]
    assert config["mcp_oauth_credentials_store"] == "file"
    project = config["projects"][str(demo_world.project_dir)]
    assert project == {"trust_level": "trusted"}
    assert demo_world.docs_token not in text  # tokens never in config files


def test_project_config_defines_staging_and_overrides_docs(demo_world: DemoWorld) -> None:
    project = tomllib.loads(demo_world.project_config_path.read_text())
    assert set(project["mcp_servers"]) == {"staging", "docs"}
    assert project["mcp_servers"]["docs"] == {"tool_timeout_sec": 30}


def test_untrusted_switch(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(trusted=False)
    config = tomllib.loads(world.config_path.read_text())
    assert config["projects"][str(world.project_dir)] == {"trust_level": "untrusted"}


def test_env_and_shell_lines_keep_the_token_out_of_text(demo_world: DemoWorld) -> None:
    assert demo_world.env == {
        "CODEX_HOME": str(demo_world.codex_home),
        "DEMO_DOCS_TOKEN": demo_world.docs_token,
    }
    lines = demo_world.shell_lines()
    assert lines[0] == f"export CODEX_HOME={demo_world.codex_home}"
    assert str(demo_world.docs_token_file) in lines[1]
    assert lines[2] == f"cd {demo_world.project_dir}"
    assert demo_world.docs_token not in "\n".join(lines)
