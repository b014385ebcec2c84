"""`mcpdeck get NAME [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.config.cli_runner import run_mcpdeck
from tests.config.layout import make_layout, write

USER = """\
# mine
[mcp_servers.local]
command = "python3"
args = ["-m", "tool"]
env = { API_KEY = "sekrit-env-value" }
env_vars = ["PATH", { name = "HOME", source = "local" }]
startup_timeout_ms = 2500

[mcp_servers.docs]
url = "https://docs.example.com/mcp"
bearer_token_env_var = "DOCS_TOKEN"
http_headers = { "X-Api-Key" = "sekrit-header-value" }
env_http_headers = { "X-Team" = "TEAM_VAR" }
scopes = ["read", "write"]
oauth_resource = "https://docs.example.com"
enabled_tools = ["search"]
tool_timeout_sec = 30
"""


def test_get_human(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, USER)
    result = run_mcpdeck(layout.home, layout.sub, "get", "local")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "local",
        "  enabled: true",
        "  transport: stdio",
        "  command: python3",
        "  args: -m tool",
        "  cwd: -",
        "  env: API_KEY=*****, PATH=*****, HOME=*****",
        "  startup_timeout_sec: 2.5",
        f"  source: user {layout.user_file}:2",
        "  remove: mcpdeck remove local",
    ]


def test_get_http_with_project_override(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, USER)
    layout.trust(layout.root)
    project = write(layout.project_file(layout.root), "[mcp_servers.docs]\ntool_timeout_sec = 5\n")
    result = run_mcpdeck(layout.home, layout.sub, "get", "docs")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "sekrit" not in out
    assert "  url: https://docs.example.com/mcp  (from " in out
    assert "  http_headers: X-Api-Key=*****" in out
    assert "  env_http_headers: X-Team=TEAM_VAR" in out
    assert "  scopes: read, write" in out
    assert "  tool_timeout_sec: 5.0\n" in out
    assert f"  source: project {project}:1\n" in out
    assert "  remove: mcpdeck remove docs --project" in out


def test_get_json_shape_and_masking(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, USER)
    result = run_mcpdeck(layout.home, layout.sub, "get", "docs", "--json")
    assert result.returncode == 0, result.stderr
    assert "sekrit" not in result.stdout
    data = json.loads(result.stdout)
    assert list(data)[:8] == [
        "name",
        "enabled",
        "disabled_reason",
        "transport",
        "enabled_tools",
        "disabled_tools",
        "startup_timeout_sec",
        "tool_timeout_sec",
    ]
    assert data["transport"]["type"] == "streamable_http"
    assert data["transport"]["http_headers"] == {"X-Api-Key": "«redacted»"}
    assert data["transport"]["env_http_headers"] == {"X-Team": "TEAM_VAR"}
    assert data["enabled_tools"] == ["search"]
    assert (data["startup_timeout_sec"], data["tool_timeout_sec"]) == (None, 30.0)
    assert data["scopes"] == ["read", "write"]
    assert data["oauth_resource"] == "https://docs.example.com"
    assert data["source"] == {
        "layer": "user",
        "file": str(layout.user_file),
        "trusted": True,
        "line": 9,
    }
    local = json.loads(run_mcpdeck(layout.home, layout.sub, "get", "local", "--json").stdout)
    assert local["transport"]["env"] == {"API_KEY": "«redacted»"}
    assert local["transport"]["env_vars"] == ["PATH", {"name": "HOME", "source": "local"}]


def test_get_invalid_server_shows_the_problem(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(
        layout.user_file,
        '[mcp_servers.bad]\nurl = "https://b.example"\nbearer_token = "sk-abcdefgh"\n',
    )
    result = run_mcpdeck(layout.home, layout.sub, "get", "bad")
    # Codex refuses a file with an inline bearer_token: get shows it and exits 2.
    assert result.returncode == 2, result.stderr
    assert "sk-abcdefgh" not in result.stdout
    assert f"  error: {layout.user_file}:3: mcp_servers.bad.bearer_token: " in result.stdout
    data = json.loads(run_mcpdeck(layout.home, layout.sub, "get", "bad", "--json").stdout)
    assert data["disabled_reason"].startswith("invalid: bearer_token is not supported")
    assert data["problems"][0]["line"] == 3


def test_get_missing_server_exits_2(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, USER)
    result = run_mcpdeck(layout.home, layout.sub, "get", "nope")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "mcpdeck: no server named nope; run `mcpdeck list`\n"


def test_get_with_missing_codex_home(tmp_path: Path) -> None:
    result = run_mcpdeck(tmp_path / "missing", tmp_path, "get", "x")
    assert result.returncode == 2
    assert "does not exist" in result.stderr and len(result.stderr.splitlines()) == 1
