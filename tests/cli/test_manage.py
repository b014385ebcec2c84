"""`mcpdeck add | remove | enable | disable` through the real CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.config.cli_runner import run_mcpdeck
from tests.config.layout import Layout, make_layout, write

COMMENTED = """\
# my Codex config
model = "o3"  # keep

[mcp_servers.docs]  # the docs
url = "https://docs.example.com/mcp"

# trust
[projects."/somewhere"]
trust_level = "trusted"
"""


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    result = make_layout(tmp_path)
    write(result.user_file, COMMENTED)
    return result


def ok(layout: Layout, *args: str) -> str:
    result = run_mcpdeck(layout.home, layout.sub, *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def fails(layout: Layout, *args: str) -> str:
    result = run_mcpdeck(layout.home, layout.sub, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("mcpdeck: ")
    return result.stderr


def user_servers(layout: Layout) -> dict[str, object]:
    servers: dict[str, object] = tomllib.loads(layout.user_file.read_text()).get("mcp_servers", {})
    return servers


def test_add_stdio_with_env_and_args(layout: Layout) -> None:
    out = ok(
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
        "--flag",
    )
    assert out == "Added global MCP server 'tools'.\n"
    assert layout.user_file.read_text() == COMMENTED.replace(
        'url = "https://docs.example.com/mcp"\n',
        'url = "https://docs.example.com/mcp"\n\n[mcp_servers.tools]\ncommand = "npx"\n'
        'args = ["-y", "tools", "--flag"]\n\n[mcp_servers.tools.env]\nAPI_KEY = "k1"\nMODE = "dev"\n',
    )


def test_add_http_with_every_option(layout: Layout) -> None:
    out = ok(
        layout,
        "add",
        "linear",
        "--url",
        "https://mcp.linear.app/mcp",
        "--scopes",
        "read,write",
        "--oauth-resource",
        "https://mcp.linear.app",
        "--oauth-client-id",
        "client-1",
        "--no-login",
    )
    assert out == "Added global MCP server 'linear'.\n"
    assert user_servers(layout)["linear"] == {
        "url": "https://mcp.linear.app/mcp",
        "scopes": ["read", "write"],
        "oauth_resource": "https://mcp.linear.app",
        "oauth": {"client_id": "client-1"},
    }


def test_add_http_with_bearer_runs_the_login_hook_quietly(layout: Layout) -> None:
    # A bearer-token server needs no OAuth login: the hook returns at once.
    out = ok(
        layout, "add", "gh", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "GH_TOKEN"
    )
    assert out.splitlines()[0] == "Added global MCP server 'gh'."
    assert user_servers(layout)["gh"] == {
        "url": "http://127.0.0.1:9/mcp",
        "bearer_token_env_var": "GH_TOKEN",
    }


def test_add_project_creates_the_project_file(layout: Layout) -> None:
    out = ok(layout, "add", "local", "--project", "--", "python3", "-m", "srv")
    project_file = layout.project_file(layout.root)
    assert out.splitlines()[0] == f"Added project MCP server 'local' to {project_file}."
    assert "only when the project is trusted" in out and f'[projects."{layout.root}"]' in out
    assert (
        project_file.read_text()
        == '[mcp_servers.local]\ncommand = "python3"\nargs = ["-m", "srv"]\n'
    )
    assert stat.S_IMODE(project_file.stat().st_mode) == 0o600
    assert layout.user_file.read_text() == COMMENTED
    layout.trust(layout.root)
    out = ok(layout, "add", "other", "--project", "--", "x")
    assert "trusted" not in out


def test_add_refuses_a_taken_name(layout: Layout) -> None:
    err = fails(layout, "add", "docs", "--url", "https://x.example")
    assert f"already exists in {layout.user_file}:4" in err
    assert layout.user_file.read_text() == COMMENTED
    write(layout.project_file(layout.sub), '[mcp_servers.proj]\ncommand = "p"\n')
    err = fails(layout, "add", "proj", "--", "x")
    assert f"{layout.project_file(layout.sub)}:1" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "x"], "give --url URL"),
        (["add", "x", "--url", "https://a", "--", "cmd"], "not both"),
        (["add", "x", "--url", "https://a", "--env", "A=1"], "--env is only valid with stdio"),
        (["add", "x", "--bearer-token-env-var", "T", "--", "cmd"], "only valid with HTTP"),
        (["add", "x", "--env", "NOEQUALS", "--", "cmd"], "KEY=VALUE"),
        (["add", "bad.name", "--", "cmd"], "invalid server name"),
        (["add", "v", "--url", "ftp://x"], "ftp scheme: MCP servers are reached over http"),
        (["add", "v", "--url", "https://"], "the URL has no host"),
    ],
)
def test_add_usage_errors(layout: Layout, args: list[str], message: str) -> None:
    assert message in fails(layout, *args)
    assert layout.user_file.read_text() == COMMENTED


def test_remove(layout: Layout) -> None:
    assert ok(layout, "remove", "docs") == "Removed global MCP server 'docs'.\n"
    assert layout.user_file.read_text() == (
        '# my Codex config\nmodel = "o3"  # keep\n\n# trust\n[projects."/somewhere"]\ntrust_level = "trusted"\n'
    )
    assert "no server named docs; run `mcpdeck list`" in fails(layout, "remove", "docs")


def test_project_servers_need_project_flag(layout: Layout) -> None:
    project_file = write(layout.project_file(layout.sub), '[mcp_servers.p]\ncommand = "p"\n')
    err = fails(layout, "remove", "p")
    assert f"defined in the project config {project_file}:1" in err and "--project" in err
    err = fails(layout, "disable", "docs", "--project")
    assert "drop --project" in err
    out = ok(layout, "disable", "p", "--project")
    assert out == f"Disabled project MCP server 'p' in {project_file}.\n"
    assert (
        ok(layout, "remove", "p", "--project")
        == f"Removed project MCP server 'p' from {project_file}.\n"
    )
    assert project_file.read_text() == ""


def test_disable_and_enable(layout: Layout) -> None:
    assert ok(layout, "disable", "docs") == "Disabled global MCP server 'docs'.\n"
    assert layout.user_file.read_text() == COMMENTED.replace(
        'docs.example.com/mcp"\n', 'docs.example.com/mcp"\nenabled = false\n'
    )
    assert (
        ok(layout, "disable", "docs")
        == f"MCP server 'docs' is already disabled in {layout.user_file}.\n"
    )
    assert ok(layout, "enable", "docs") == "Enabled global MCP server 'docs'.\n"
    assert tomllib.loads(layout.user_file.read_text())["mcp_servers"]["docs"]["enabled"] is True
    assert "no server named nope" in fails(layout, "enable", "nope")


def test_enable_says_when_another_layer_still_disables(layout: Layout) -> None:
    layout.trust(layout.root)
    project_file = write(layout.project_file(layout.root), "[mcp_servers.docs]\nenabled = false\n")
    out = ok(layout, "enable", "docs")
    assert out.splitlines()[0] == f"MCP server 'docs' is already enabled in {layout.user_file}."
    assert f"still disabled: enabled = false in {project_file}:2" in out


def test_edits_keep_mode(layout: Layout) -> None:
    os.chmod(layout.user_file, 0o644)
    ok(layout, "disable", "docs")
    assert stat.S_IMODE(layout.user_file.stat().st_mode) == 0o644


def test_missing_explicit_codex_home_is_an_error(tmp_path: Path) -> None:
    result = run_mcpdeck(tmp_path / "nope", tmp_path, "add", "x", "--", "cmd")
    assert result.returncode == 2
    assert "does not exist; create it" in result.stderr
    assert not (tmp_path / "nope").exists()
    env = {k: v for k, v in os.environ.items() if k != "CODEX_HOME"}
    env["CODEX_HOME"] = str(tmp_path / "env-home")
    result = subprocess.run(
        [sys.executable, "-m", "mcpdeck", "-C", str(tmp_path), "add", "x", "--", "cmd"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"mcpdeck: CODEX_HOME {tmp_path / 'env-home'} does not exist; create it or unset CODEX_HOME\n"
    )


def test_default_codex_home_is_created(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CODEX_HOME"}
    env["HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mcpdeck", "-C", str(tmp_path), "add", "x", "--", "cmd"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".codex" / "config.toml").read_text() == '[mcp_servers.x]\ncommand = "cmd"\n'
