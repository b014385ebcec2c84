"""Applying a finding's edit keeps the rest of the file byte for byte, and the loader sees it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcpdeck.config.loader import load_config
from mcpdeck.diagnostics.edits import SetKey, TrustProject, UnsetKey, describe_edit
from mcpdeck.diagnostics.fixes import apply_edit
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
    edit = SetKey(str(file), "docs", "startup_timeout_sec", 30)
    apply_edit(edit)
    text = file.read_text()
    assert text == ORIGINAL.replace("startup_timeout_sec = 5", "startup_timeout_sec = 30")
    assert file.stat().st_mode & 0o777 == 0o640
    assert load_config(home, home).servers["docs"].startup_timeout_sec == 30
    assert "startup_timeout_sec = 30" in describe_edit(edit)


def test_set_a_new_nested_key_and_a_list(tmp_path: Path) -> None:
    home = _home(tmp_path)
    file = str(home / "config.toml")
    apply_edit(SetKey(file, "docs", "oauth.client_id", "abc"))
    apply_edit(SetKey(file, "docs", "enabled_tools", ["search"]))
    apply_edit(SetKey(file, "docs", "oauth_resource", "https://docs.example.com"))
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
    apply_edit(UnsetKey(str(file), "docs", "enabled_tools"))
    assert file.read_text() == ORIGINAL.replace('enabled_tools = ["search", "serach"]\n', "")


def test_trust_project(tmp_path: Path) -> None:
    home = _home(tmp_path)
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / ".codex").mkdir()
    (project / ".codex" / "config.toml").write_text('[mcp_servers.p]\ncommand = "node"\n')
    assert not load_config(home, project).find("p").trusted
    apply_edit(TrustProject(str(home / "config.toml"), str(project)))
    assert load_config(home, project).servers["p"].trusted
    assert (home / "config.toml").read_text().startswith(ORIGINAL)


def test_refuses_edits_it_should_not_make(tmp_path: Path) -> None:
    home = _home(tmp_path)
    file = str(home / "config.toml")
    with pytest.raises(UsageError):
        apply_edit(SetKey(file, "docs", "bearer_token", "x"))
    with pytest.raises(UsageError):
        apply_edit(SetKey(file, "docs", "oauth.client_id", None, needs_value="the client id"))
    with pytest.raises(UsageError):
        apply_edit(UnsetKey("", "docs", "enabled_tools"))
    with pytest.raises(UsageError):
        apply_edit(SetKey(file, "docs; rm", "enabled", True))
    assert (home / "config.toml").read_text() == ORIGINAL


def test_describe_edit_says_each_kind_in_words() -> None:
    assert describe_edit(SetKey("/c.toml", "docs", "scopes", ["a", "b"])) == (
        'set scopes = ["a", "b"] in [mcp_servers.docs] of /c.toml'
    )
    assert describe_edit(SetKey("/c.toml", "docs", "oauth.client_id", None, "the id")) == (
        "set oauth.client_id = … in [mcp_servers.docs] of /c.toml"
    )
    assert describe_edit(UnsetKey("/c.toml", "docs", "cwd")) == (
        "remove cwd from [mcp_servers.docs] of /c.toml"
    )
    assert describe_edit(TrustProject("/c.toml", "/p")) == "mark /p trusted in /c.toml"


def test_edits_serialise_to_the_doctor_json_shape() -> None:
    assert SetKey("/c.toml", "docs", "enabled", True).to_json() == {
        "op": "set",
        "file": "/c.toml",
        "server": "docs",
        "key": "enabled",
        "value": True,
    }
    assert list(SetKey("/c.toml", "d", "oauth.client_id", None, "the id").to_json()) == [
        "op",
        "file",
        "server",
        "key",
        "value",
        "needs_value",
    ]
    assert UnsetKey("/c.toml", "docs", "cwd").to_json() == {
        "op": "unset",
        "file": "/c.toml",
        "server": "docs",
        "key": "cwd",
    }
    assert TrustProject("/c.toml", "/p").to_json() == {
        "op": "trust_project",
        "file": "/c.toml",
        "project": "/p",
    }
