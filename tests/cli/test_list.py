"""`mcpdeck list`: the JSON contract, the tables, broken files, and the start-up import rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.loopback import serve
from tests.status import servers

CONFIG = """\
# my servers
model = "o4"

[mcp_servers.local]
command = "python3"
args = ["-m", "tool"]
env = { API_KEY = "sekrit-env-value" }

[mcp_servers.docs]
url = "https://docs.example.com/mcp"
bearer_token_env_var = "DOCS_TOKEN"
tool_timeout_sec = 120.0

[mcp_servers.off]
url = "https://off.example.com/mcp"
enabled = false
"""


def mcpdeck(
    home: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in {"CODEX_HOME", "DOCS_TOKEN"}}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", "--codex-home", str(home), "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def setup(tmp_path: Path, text: str = CONFIG) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(text)
    project = tmp_path / "proj"
    project.mkdir()
    return home, project


def test_list_json_contract(tmp_path: Path) -> None:
    home, project = setup(tmp_path)
    out = mcpdeck(home, project, "list", "--json", "--offline", env={"DOCS_TOKEN": "tok-123456"})
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert list(rows) == ["docs", "local", "off"]  # sorted by name, as Codex lists them
    for row in rows.values():
        for key in (
            "name",
            "enabled",
            "disabled_reason",
            "transport",
            "startup_timeout_sec",
            "tool_timeout_sec",
            "auth_status",
            "auth",
            "source",
        ):
            assert key in row, key
        assert set(row["auth"]) == {"detail", "expires_at", "scopes", "store", "refreshable"}
        assert row["source"]["layer"] == "user"
        assert row["source"]["file"] == str(home / "config.toml")
        assert row["source"]["trusted"] is True
    assert rows["local"]["transport"]["type"] == "stdio"
    assert rows["local"]["auth_status"] == "none"
    assert rows["docs"]["transport"]["type"] == "streamable_http"
    assert rows["docs"]["auth_status"] == "bearer_token"
    assert rows["docs"]["auth"]["detail"] == "DOCS_TOKEN is set"
    assert rows["docs"]["tool_timeout_sec"] == 120.0
    assert rows["off"]["enabled"] is False and rows["off"]["auth_status"] == "none"
    assert "sekrit-env-value" not in out.stdout and "tok-123456" not in out.stdout


def test_list_probes_oauth_servers(tmp_path: Path) -> None:
    with serve(servers.oauth_protected_app()) as base:
        home, project = setup(tmp_path, f'[mcp_servers.files]\nurl = "{base}/mcp"\n')
        out = mcpdeck(home, project, "list", "--json")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row["auth_status"] == "oauth_available"
    assert "mcpdeck login files" in row["auth"]["detail"]


def test_list_offline_says_so(tmp_path: Path) -> None:
    home, project = setup(tmp_path, '[mcp_servers.files]\nurl = "http://127.0.0.1:9/mcp"\n')
    out = mcpdeck(home, project, "list", "--json", "--offline")
    (row,) = json.loads(out.stdout)
    assert row["auth_status"] == "none"
    assert "--offline" in row["auth"]["detail"]


def test_list_table_shows_servers_and_sources(tmp_path: Path) -> None:
    home, project = setup(tmp_path)
    out = mcpdeck(home, project, "list", "--offline", env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    for text in (
        "stdio servers",
        "streamable HTTP servers",
        "local",
        "docs",
        "DOCS_TOKEN",
        "API_KEY=*****",
        "user",
        "bearer token",
    ):
        assert text in out.stdout, text
    assert "sekrit-env-value" not in out.stdout


def test_broken_file_reports_line_and_keeps_other_layers(tmp_path: Path) -> None:
    home, project = setup(tmp_path, CONFIG)
    (project / ".git").mkdir()
    (project / ".codex").mkdir()
    (project / ".codex" / "config.toml").write_text("[mcp_servers.bad\nurl = 1\n")
    out = mcpdeck(home, project, "list", "--json", "--offline")
    # An untrusted project's file: Codex ignores it, broken or not (exit 0), mcpdeck warns.
    assert out.returncode == 0
    names = [r["name"] for r in json.loads(out.stdout)]
    assert names == ["docs", "local", "off"]
    first = out.stderr.strip().splitlines()[0]
    assert f"{project / '.codex' / 'config.toml'}:1" in first


def test_invalid_server_listed_with_its_problem(tmp_path: Path) -> None:
    text = CONFIG + textwrap.dedent("""
        [mcp_servers.both]
        command = "x"
        url = "https://x.example.com"
        """)
    home, project = setup(tmp_path, text)
    out = mcpdeck(home, project, "list", "--json", "--offline")
    assert out.returncode == 2
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["both"]["disabled_reason"].startswith("invalid")
    assert rows["both"]["problems"]
    assert "both" in out.stderr and "config.toml:" in out.stderr


def test_list_json_imports_no_textual_mcp_authlib_or_typing(tmp_path: Path) -> None:
    home, project = setup(tmp_path)
    code = textwrap.dedent(f"""
        import io, sys, contextlib
        from mcpdeck.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(["--codex-home", {str(home)!r}, "-C", {str(project)!r}, "list", "--json", "--offline"])
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "mcp", "authlib"))
        # typing and dataclasses cost 3-4 ms and about 15 ms of start-up (mcpdeck/records.py)
        stdlib = sorted(m for m in ("typing", "dataclasses", "tomllib") if m in sys.modules)
        print(rc, heavy, stdlib)
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "0 [] []", out.stdout + out.stderr


def test_missing_explicit_codex_home_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    out = mcpdeck(missing, tmp_path, "list", "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert f"CODEX_HOME {missing} (--codex-home) does not exist" in out.stderr
