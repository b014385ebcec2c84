"""Sessions over stdio against the catalog server run with the same Python."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from mcpdeck.config.model import ServerConfig
from mcpdeck.session.connect import open_session
from mcpdeck.session.inventory import list_inventory
from mcpdeck.session.models import SessionError
from tests.servers import catalog
from tests.servers.processes import alive, read_pid, wait_gone

SCRIPT = str(Path(__file__).resolve().parents[1] / "servers" / "stdio_server.py")


def stdio(name: str = "cat", *args: str, **kw: object) -> ServerConfig:
    return ServerConfig(
        name=name, transport="stdio", command=sys.executable, args=[SCRIPT, *args], **kw
    )


async def test_initialize_and_every_page_of_the_inventory() -> None:
    async with open_session(stdio()) as session:
        assert session.info.server_name == "catalog"
        assert session.info.server_version == "1.2.3"
        assert session.info.instructions == catalog.INSTRUCTIONS
        assert {"tools", "resources", "prompts"} <= set(session.info.capabilities)
        assert session.info.protocol_version
        inventory = await list_inventory(session)
    assert [t.name for t in inventory.tools] == [*catalog.TOOL_NAMES, "get_env"]
    assert [r.uri for r in inventory.resources] == catalog.RESOURCE_URIS
    assert [t.uri_template for t in inventory.templates] == catalog.TEMPLATE_URIS
    assert [p.name for p in inventory.prompts] == catalog.PROMPT_NAMES
    assert inventory.prompts[0].arguments == ["topic"]
    # 8 tools at 3 a page, 5 resources, 3 templates, 4 prompts
    assert inventory.pages == {"tools": 3, "resources": 2, "templates": 1, "prompts": 2}
    assert session.timings.initialize_ms is not None
    assert session.timings.inventory_ms is not None


async def test_a_server_without_prompts_is_tolerated() -> None:
    async with open_session(stdio("cat", "--no-prompts")) as session:
        inventory = await list_inventory(session)
    assert "prompts" in inventory.not_offered
    assert inventory.prompts == []
    assert not inventory.errors
    assert len(inventory.tools) == 8


async def test_env_is_minimal_plus_env_vars_plus_config_env(tmp_path: Path) -> None:
    outer = {"PATH": os.environ["PATH"], "PASSED_THROUGH": "yes", "NOT_PASSED": "no"}
    server = stdio(env={"FROM_CONFIG": "cfg-value"}, env_vars=["PASSED_THROUGH"])

    async def read(session: object, name: str) -> str:
        result = await session.call_tool("get_env", {"name": name})  # type: ignore[attr-defined]
        return str(result.content[0].text)

    async with open_session(server, env=outer) as session:
        assert await read(session, "FROM_CONFIG") == "cfg-value"
        assert await read(session, "PASSED_THROUGH") == "yes"
        assert await read(session, "NOT_PASSED") == "<unset>"


async def test_cwd_is_honoured(tmp_path: Path) -> None:
    async with open_session(stdio(cwd=str(tmp_path))) as session:
        result = await session.call_tool("cwd")
    assert Path(result.content[0].text).resolve() == tmp_path.resolve()


async def test_command_not_found_is_reported_without_spawning() -> None:
    server = ServerConfig(name="x", transport="stdio", command="no-such-mcp-server-xyz")
    with pytest.raises(SessionError) as caught:
        async with open_session(server):
            pass
    assert caught.value.kind == "command_not_found"
    assert "no-such-mcp-server-xyz" in caught.value.message


async def test_missing_cwd_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SessionError) as caught:
        async with open_session(stdio(cwd=str(tmp_path / "gone"))):
            pass
    assert caught.value.kind == "cwd_missing"


async def test_a_crashing_server_is_explained_with_its_stderr() -> None:
    with pytest.raises(SessionError) as caught:
        async with open_session(stdio("cat", "--crash")):
            pass
    assert caught.value.kind == "closed"
    assert any("CATALOG_DB" in line for line in caught.value.stderr_tail)


# -- no orphan process: success, timeout, error in the caller's block, cancellation ----------


async def test_no_orphan_after_a_normal_session(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    async with open_session(stdio("cat", "--pid-file", str(pid_file))) as session:
        pid = read_pid(pid_file)
        assert alive(pid)
        await list_inventory(session)
    assert wait_gone(pid)


async def test_no_orphan_after_a_startup_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    # --ignore-term: the process survives stdin closing and SIGTERM; only SIGKILL ends it.
    server = stdio(
        "slow", "--hang", "--ignore-term", "--pid-file", str(pid_file), startup_timeout_sec=0.5
    )
    with pytest.raises(SessionError) as caught:
        async with open_session(server):
            pass
    assert caught.value.kind == "timeout"
    assert "startup_timeout_sec" in (caught.value.fix or "")
    assert wait_gone(read_pid(pid_file))


async def test_no_orphan_when_the_callers_block_raises(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with open_session(stdio("cat", "--pid-file", str(pid_file))):
            raise Boom
    assert wait_gone(read_pid(pid_file))


async def test_no_orphan_when_cancelled_during_initialize(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    server = stdio("slow", "--hang", "--pid-file", str(pid_file), startup_timeout_sec=60)

    async def connect() -> None:
        async with open_session(server):
            pass

    task = asyncio.create_task(connect())
    pid = await asyncio.to_thread(read_pid, pid_file)
    assert alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_gone(pid)


async def test_no_orphan_when_cancelled_inside_the_session(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    entered = asyncio.Event()

    async def use() -> None:
        async with open_session(stdio("cat", "--pid-file", str(pid_file))):
            entered.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(use())
    await entered.wait()
    pid = read_pid(pid_file)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_gone(pid)
