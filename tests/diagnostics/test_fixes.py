"""Applying a finding's edit keeps the rest of the file byte for byte, and the loader sees it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcpdeck.config.loader import load_config
from mcpdeck.diagnostics.fixes import apply_edit, describe_edit
from mcpdeck.errors import UsageError

ORIGINAL = """\
# my servers
model = "o3"  # keep me

[mcp_servers.docs]
# the docs server
url = "https://docs.example.com/mcp"
startup_timeout_sec = 5  # too short?
enabled_tools = ["search", "serach"]

[mcp_servers.local]
command = "node"
"""


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(ORIGINAL)
    os.chmod(home / "config.toml", 0o640)
    return home


def test_set_keeps_comments_and_mode(tmp_path: Path) -> None:
    home = _home(tmp_path)
    file = home / "config.toml"
    edit = {
        "op": "set",
        "file": str(file),
        "server": "docs",
        "key": "startup_timeout_sec",
        "value": 30,
    }
    apply_edit(edit)
    text = file.read_text()
    assert text == ORIGINAL.replace("startup_timeout_sec = 5", "startup_timeout_sec = 30")
    assert file.stat().st_mode & 0o777 == 0o640
    assert load_config(home, home).servers["docs"].startup_timeout_sec == 30
    assert "startup_timeout_sec = 30" in describe_edit(edit)


def test_set_a_new_nested_key_and_a_list(tmp_path: Path) -> None:
    home = _home(tmp_path)
    file = str(home / "config.toml")
    apply_edit(
        {"op": "set", "file": file, "server": "docs", "key": "oauth.client_id", "value": "abc"}
    )
    apply_edit(
        {"op": "set", "file": file, "server": "docs", "key": "enabled_tools", "value": ["search"]}
    )
    apply_edit(
        {
            "op": "set",
            "file": file,
            "server": "docs",
            "key": "oauth_resource",
            "value": "https://docs.example.com",
        }
    )
    server = load_config(home, home).servers["docs"]
    assert server.oauth.client_id == "abc"
    assert server.enabled_tools == ["search"]
    assert server.oauth_resource == "https://docs.example.com"
    assert not server.problems
    text = (home / "config.toml").read_text()
    assert "# the docs server" in text and "# keep me" in text and "# too short?" in text


def test_unset_removes_only_that_key(tmp_path: Path) -> None:
    home = _home(tmp_path)
    file = home / "config.toml"
    apply_edit({"op": "unset", "file": str(file), "server": "docs", "key": "enabled_tools"})
    assert file.read_text() == ORIGINAL.replace('enabled_tools = ["search", "serach"]\n', "")


def test_trust_project(tmp_path: Path) -> None:
    home = _home(tmp_path)
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / ".codex").mkdir()
    (project / ".codex" / "config.toml").write_text('[mcp_servers.p]\ncommand = "node"\n')
    assert not load_config(home, project).find("p").trusted
    apply_edit({"op": "trust_project", "file": str(home / "config.toml"), "project": str(project)})
    assert load_config(home, project).servers["p"].trusted
    assert (home / "config.toml").read_text().startswith(ORIGINAL)


def test_refuses_edits_it_should_not_make(tmp_path: Path) -> None:
    home = _home(tmp_path)
    file = str(home / "config.toml")
    with pytest.raises(UsageError):
        apply_edit(
            {"op": "set", "file": file, "server": "docs", "key": "bearer_token", "value": "x"}
        )
    with pytest.raises(UsageError):
        apply_edit(
            {"op": "set", "file": file, "server": "docs", "key": "oauth.client_id", "value": None}
        )
    with pytest.raises(UsageError):
        apply_edit({"op": "explode", "file": file})
    assert (home / "config.toml").read_text() == ORIGINAL
