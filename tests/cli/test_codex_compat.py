"""Files that `mcpdeck add/disable` write stay valid for the real Codex CLI, and we agree on them.

Runs `codex mcp list --json` (npm @openai/codex, installed by scripts/peers.py) with CODEX_HOME
and HOME in tmp dirs and the project as working directory, then compares names, enabled,
transport fields and timeouts with mcpdeck's `server_to_codex_json`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mcpdeck.config.loader import load_config
from mcpdeck.config.serialize import server_to_codex_json
from mcpdeck.redact import MASK
from tests.config.cli_runner import run_mcpdeck
from tests.config.layout import Layout, make_layout, write
from tests.peers import codex_binary, require

# A loopback port nothing listens on: Codex's auth probe fails at once, no outside network.
CLOSED = "http://127.0.0.1:9"


@pytest.fixture
def codex() -> Path:
    return require(codex_binary(), "Codex CLI (npm @openai/codex)")


def codex_list(codex: Path, layout: Layout, cwd: Path) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
    env.update(CODEX_HOME=str(layout.home), HOME=str(layout.home.parent / "user-home"))
    (layout.home.parent / "user-home").mkdir(exist_ok=True)
    result = subprocess.run(
        [str(codex), "mcp", "list", "--json"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"codex rejected the config:\n{result.stderr}"
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def ours(layout: Layout, cwd: Path) -> dict[str, dict[str, Any]]:
    loaded = load_config(layout.home, cwd)
    assert loaded.all_problems() == []
    return {name: server_to_codex_json(s) for name, s in loaded.servers.items()}


def mask_like_us(transport: dict[str, Any]) -> dict[str, Any]:
    """Codex prints env and static header values in clear; mcpdeck masks them."""
    out = dict(transport)
    for key in ("env", "http_headers"):
        if out.get(key) is not None:
            out[key] = dict.fromkeys(out[key], MASK)
    return out


def assert_agree(codex_servers: list[dict[str, Any]], mine: dict[str, dict[str, Any]]) -> None:
    for theirs in codex_servers:
        name = theirs["name"]
        assert name in mine, f"Codex lists {name}, mcpdeck does not"
        ours_ = mine[name]
        assert ours_["enabled"] == theirs["enabled"], name
        assert ours_["transport"] == mask_like_us(theirs["transport"]), name
        assert ours_["startup_timeout_sec"] == theirs["startup_timeout_sec"], name
        assert ours_["tool_timeout_sec"] == theirs["tool_timeout_sec"], name


def mcpdeck(layout: Layout, *args: str) -> None:
    result = run_mcpdeck(layout.home, layout.sub, *args)
    assert result.returncode == 0, result.stderr


def test_user_servers_written_by_add(codex: Path, tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, '# hand-written\nmodel = "o3"\n')
    mcpdeck(
        layout,
        "add",
        "tools",
        "--env",
        "API_KEY=k1",
        "--env",
        "MODE=dev",
        "--",
        "npx",
        "-y",
        "tools",
    )
    mcpdeck(layout, "add", "plain", "--", "python3")
    mcpdeck(layout, "add", "gh", "--url", f"{CLOSED}/gh", "--bearer-token-env-var", "GH_TOKEN")
    mcpdeck(
        layout,
        "add",
        "linear",
        "--url",
        f"{CLOSED}/linear",
        "--scopes",
        "read,write",
        "--oauth-resource",
        f"{CLOSED}/",
        "--oauth-client-id",
        "client-1",
        "--no-login",
    )
    mcpdeck(layout, "disable", "plain")
    theirs = codex_list(codex, layout, layout.sub)
    assert sorted(s["name"] for s in theirs) == ["gh", "linear", "plain", "tools"]
    assert_agree(theirs, ours(layout, layout.sub))
    assert next(s for s in theirs if s["name"] == "plain")["enabled"] is False


def test_hand_written_timeouts_and_headers(codex: Path, tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        f"""
        [mcp_servers.slow]
        command = "srv"
        env_vars = ["PATH", {{ name = "HOME", source = "local" }}]
        cwd = "/tmp"
        startup_timeout_ms = 2500
        tool_timeout_sec = 90

        [mcp_servers.web]
        url = "{CLOSED}/web"
        http_headers = {{ "X-Api-Key" = "sekrit-value" }}
        env_http_headers = {{ "X-Team" = "TEAM" }}
        startup_timeout_sec = 3
        """,
    )
    mcpdeck(layout, "disable", "web")
    assert_agree(codex_list(codex, layout, layout.sub), ours(layout, layout.sub))


def test_project_file_written_by_add(codex: Path, tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, '[mcp_servers.shared]\ncommand = "user-cmd"\ntool_timeout_sec = 30\n')
    mcpdeck(layout, "add", "local", "--project", "--env", "A=1", "--", "python3", "-m", "srv")
    mcpdeck(
        layout, "add", "remote", "--project", "--url", f"{CLOSED}/r", "--scopes", "x", "--no-login"
    )
    # a project layer overriding one field of a user server
    project_file = layout.project_file(layout.root)
    project_file.write_text(
        project_file.read_text() + "\n[mcp_servers.shared]\ntool_timeout_sec = 5\n"
    )

    # Codex ignores project layers until the project is trusted; mcpdeck lists them flagged.
    untrusted = codex_list(codex, layout, layout.sub)
    assert [s["name"] for s in untrusted] == ["shared"]
    assert untrusted[0]["tool_timeout_sec"] == 30.0
    loaded = load_config(layout.home, layout.sub)
    assert not loaded.find("local").trusted
    assert loaded.find("local").disabled_reason == "ignored by Codex: project not trusted"

    layout.trust(layout.root)
    theirs = codex_list(codex, layout, layout.sub)
    assert sorted(s["name"] for s in theirs) == ["local", "remote", "shared"]
    assert_agree(theirs, ours(layout, layout.sub))
    assert next(s for s in theirs if s["name"] == "shared")["tool_timeout_sec"] == 5.0
    assert all(s.trusted for s in load_config(layout.home, layout.sub).servers.values())
