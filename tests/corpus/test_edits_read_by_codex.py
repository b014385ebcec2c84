"""What mcpdeck writes, Codex reads as intended: trust, untrust, add, enable, disable, remove."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.config.cli_runner import run_mcpdeck
from tests.config.layout import Layout, make_layout, write
from tests.peers import codex_binary, require


@pytest.fixture
def codex() -> Path:
    return require(codex_binary(), "Codex CLI (npm @openai/codex)")


def codex_names(codex: Path, layout: Layout) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
    env.update(CODEX_HOME=str(layout.home), HOME=str(layout.home.parent / "user-home"))
    (layout.home.parent / "user-home").mkdir(exist_ok=True)
    done = subprocess.run(
        [str(codex), "mcp", "list", "--json"],
        cwd=layout.sub,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


def mcpdeck(layout: Layout, *args: str) -> str:
    result = run_mcpdeck(layout.home, layout.sub, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_trust_writes_what_codex_reads_as_trusted(codex: Path, tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, "")
    write(layout.project_file(layout.root), '[mcp_servers.repo-tool]\ncommand = "echo"\n')
    assert "repo-tool" not in codex_names(codex, layout)

    out = mcpdeck(layout, "trust")  # from repo/sub: the repository root is what Codex keys
    assert str(layout.root.resolve()) in out
    assert "repo-tool" in codex_names(codex, layout)
    assert mcpdeck(layout, "list", "--json", "--codex", "--offline") != "[]\n"

    mcpdeck(layout, "untrust", str(layout.sub))
    assert "repo-tool" not in codex_names(codex, layout)
    assert "repo-tool" not in json.loads(mcpdeck(layout, "list", "--json", "--codex", "--offline"))


def test_add_enable_disable_remove_as_codex_reads_them(codex: Path, tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, '[mcp_servers."my.server"]\ncommand = "echo"\n')
    mcpdeck(layout, "add", "docs", "--url", "http://127.0.0.1:9/mcp", "--no-login")
    mcpdeck(layout, "add", "local", "--env", "A=b", "--", "echo", "hi")
    seen = codex_names(codex, layout)
    assert seen["docs"]["transport"]["url"] == "http://127.0.0.1:9/mcp"
    assert seen["local"]["transport"]["args"] == ["hi"]
    mcpdeck(layout, "disable", "my.server")  # a name only Codex's files allow
    assert codex_names(codex, layout)["my.server"]["enabled"] is False
    mcpdeck(layout, "enable", "my.server")
    assert codex_names(codex, layout)["my.server"]["enabled"] is True
    mcpdeck(layout, "remove", "docs")
    assert "docs" not in codex_names(codex, layout)


def test_edits_of_a_toml_1_1_file_as_codex_reads_them(codex: Path, tmp_path: Path) -> None:
    # Codex 0.171.0 reads TOML 1.1 (an inline table over lines, a trailing comma, \e); mcpdeck
    # edits such a file without losing what it does not touch.
    layout = make_layout(tmp_path)
    spread = 'env = {\n  FIRST = "1",\n  SECOND = "2",\n}\n'
    write(layout.user_file, f'[mcp_servers.spread]\ncommand = "echo"\nargs = ["\\e[1m"]\n{spread}')
    assert codex_names(codex, layout)["spread"]["transport"]["args"] == ["\x1b[1m"]
    mcpdeck(layout, "disable", "spread")
    mcpdeck(layout, "add", "docs", "--url", "http://127.0.0.1:9/mcp", "--no-login")
    seen = codex_names(codex, layout)
    assert seen["spread"]["enabled"] is False
    assert sorted(seen["spread"]["transport"]["env"]) == ["FIRST", "SECOND"]
    assert seen["docs"]["transport"]["url"] == "http://127.0.0.1:9/mcp"
    assert spread in layout.user_file.read_text()
    mcpdeck(layout, "remove", "docs")
    mcpdeck(layout, "enable", "spread")
    seen = codex_names(codex, layout)
    assert "docs" not in seen and seen["spread"]["enabled"] is True


def test_global_options_before_or_after_and_no_abbreviation(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    write(layout.user_file, '[mcp_servers.a]\ncommand = "echo"\n')
    write(layout.home / "work.config.toml", '[mcp_servers.w]\ncommand = "echo"\n')
    before = run_mcpdeck(
        layout.home,
        layout.sub,
        "-p",
        "work",
        "-c",
        "mcp_servers.a.enabled=false",
        "list",
        "--json",
        "--offline",
    )
    after = run_mcpdeck(
        layout.home,
        layout.sub,
        "list",
        "--json",
        "--offline",
        "-p",
        "work",
        "-c",
        "mcp_servers.a.enabled=false",
    )
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout)
    rows = {r["name"]: r for r in json.loads(after.stdout)}
    assert set(rows) == {"a", "w"} and rows["a"]["enabled"] is False
    # --codex is its own flag, never an abbreviation of --codex-home; abbreviations are refused
    codex_flag = run_mcpdeck(layout.home, layout.sub, "list", "--json", "--codex", "--offline")
    assert codex_flag.returncode == 0 and "auth_status" in codex_flag.stdout
    abbreviated = run_mcpdeck(layout.home, layout.sub, "list", "--js")
    assert abbreviated.returncode == 2
    bad = run_mcpdeck(layout.home, layout.sub, "list", "-c", "novalue")
    assert bad.returncode == 2 and "missing '='" in bad.stderr
