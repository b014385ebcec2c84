from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from mcpdeck.config import edit
from mcpdeck.config.loader import load_config
from mcpdeck.errors import ConfigError

RICH = """\
# Codex config, written by hand
model = "o3"   # the model

# servers below
[mcp_servers.docs]   # docs server
url = "https://docs.example.com/mcp"  # prod
# bearer from env
bearer_token_env_var = "DOCS_TOKEN"

[mcp_servers.docs.oauth]
client_id = "abc"

# local tools
[mcp_servers.tools]
command = "npx"
args = [
  "-y",   # yes
  "tools",
]
enabled = true  # keep on

[projects."/home/me/proj"]
trust_level = "trusted"

[mcp_servers.late]
command = "late"
[mcp_servers.late.env]
K = "v"

# trailing comment
"""


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(RICH)
    return path


def test_disable_replaces_the_value_in_place(rich: Path) -> None:
    assert edit.set_enabled(rich, "tools", False) is True
    assert rich.read_text() == RICH.replace(
        "enabled = true  # keep on", "enabled = false  # keep on"
    )


def test_disable_adds_one_line_at_the_end_of_the_table(rich: Path) -> None:
    edit.set_enabled(rich, "docs", False)
    assert rich.read_text() == RICH.replace(
        'bearer_token_env_var = "DOCS_TOKEN"\n',
        'bearer_token_env_var = "DOCS_TOKEN"\nenabled = false\n',
    )
    edit.set_enabled(rich, "late", False)
    assert 'command = "late"\nenabled = false\n[mcp_servers.late.env]' in rich.read_text()
    # enabling a server that is enabled already changes nothing
    before = rich.read_bytes()
    assert edit.set_enabled(rich, "tools", True) is False
    assert rich.read_bytes() == before


def test_enable_after_disable(rich: Path) -> None:
    edit.set_enabled(rich, "docs", False)
    edit.set_enabled(rich, "docs", True)
    assert rich.read_text() == RICH.replace(
        'bearer_token_env_var = "DOCS_TOKEN"\n',
        'bearer_token_env_var = "DOCS_TOKEN"\nenabled = true\n',
    )


def test_remove_takes_the_table_and_its_subtables_only(rich: Path) -> None:
    edit.remove_server(rich, "docs")
    removed = (
        '[mcp_servers.docs]   # docs server\nurl = "https://docs.example.com/mcp"  # prod\n'
        '# bearer from env\nbearer_token_env_var = "DOCS_TOKEN"\n\n'
        '[mcp_servers.docs.oauth]\nclient_id = "abc"\n\n'
    )
    assert removed in RICH
    assert rich.read_text() == RICH.replace(removed, "")


def test_remove_last_table_keeps_the_trailing_comment(rich: Path) -> None:
    edit.remove_server(rich, "late")
    removed = '[mcp_servers.late]\ncommand = "late"\n[mcp_servers.late.env]\nK = "v"\n\n'
    assert rich.read_text() == RICH.replace(removed, "")


def test_remove_multiline_array_server(rich: Path) -> None:
    edit.remove_server(rich, "tools")
    start = RICH.index("[mcp_servers.tools]")
    end = RICH.index('[projects."/home/me/proj"]')
    assert rich.read_text() == RICH[:start] + RICH[end:]


def test_add_goes_after_the_last_server_table(rich: Path) -> None:
    edit.add_server(rich, "new", {"command": "node", "args": ["srv.js"], "env": {"A": "1"}})
    added = '\n[mcp_servers.new]\ncommand = "node"\nargs = ["srv.js"]\n\n[mcp_servers.new.env]\nA = "1"\n'
    anchor = 'K = "v"\n'
    assert rich.read_text() == RICH.replace(anchor, anchor + added)
    server = load_config(rich.parent, rich.parent).servers["new"]
    assert server.valid and server.env == {"A": "1"}


def test_add_http_with_oauth_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "o3"\n')
    edit.add_server(
        path,
        "docs",
        {
            "url": "https://d.example/mcp",
            "bearer_token_env_var": "T",
            "scopes": ["a", "b"],
            "oauth_resource": "https://d.example",
            "oauth": {"client_id": "cid"},
        },
    )
    assert path.read_text() == (
        'model = "o3"\n\n[mcp_servers.docs]\nurl = "https://d.example/mcp"\n'
        'bearer_token_env_var = "T"\nscopes = ["a", "b"]\noauth_resource = "https://d.example"\n'
        '\n[mcp_servers.docs.oauth]\nclient_id = "cid"\n'
    )


def test_add_refuses_a_taken_name_and_says_where(rich: Path) -> None:
    before = rich.read_bytes()
    with pytest.raises(ConfigError) as info:
        edit.add_server(rich, "tools", {"command": "x"})
    assert f"{rich}:14" in info.value.one_line()
    assert "already exists" in info.value.one_line()
    assert rich.read_bytes() == before


def test_remove_and_toggle_missing_server(rich: Path) -> None:
    with pytest.raises(ConfigError, match="no server named 'nope'"):
        edit.remove_server(rich, "nope")
    with pytest.raises(ConfigError, match="no server named 'nope'"):
        edit.set_enabled(rich, "nope", False)


def test_add_creates_directory_and_private_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / ".codex" / "config.toml"
    edit.add_server(path, "s", {"command": "x"})
    assert path.read_text() == '[mcp_servers.s]\ncommand = "x"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_edits_keep_the_file_mode(rich: Path) -> None:
    os.chmod(rich, 0o640)
    edit.set_enabled(rich, "tools", False)
    edit.add_server(rich, "x", {"command": "x"})
    edit.remove_server(rich, "x")
    assert stat.S_IMODE(rich.stat().st_mode) == 0o640


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_failed_write_leaves_the_old_file_intact(
    rich: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "write":
        monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FailingFile(fd))
    else:
        monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="No space left"):
        edit.remove_server(rich, "docs")
    assert rich.read_text() == RICH
    assert sorted(p.name for p in rich.parent.iterdir()) == ["config.toml"]


class _FailingFile:
    """A file object whose writes fail half way (the disk filled up)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> int:
        os.write(self.fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")


def test_inline_and_dotted_servers_fall_back_to_tomlkit(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = (
        '# keep me\n[mcp_servers]\ninline = { command = "a" }  # inline\n'
        'dotted.command = "b"\n\n[other]\nx = 1\n'
    )
    path.write_text(text)
    edit.set_enabled(path, "inline", False)
    edit.remove_server(path, "dotted")
    result = path.read_text()
    assert result.startswith("# keep me\n[mcp_servers]\n")
    assert result.endswith("[other]\nx = 1\n")
    assert tomllib.loads(result) == {
        "mcp_servers": {"inline": {"command": "a", "enabled": False}},
        "other": {"x": 1},
    }


def test_crlf_files_stay_crlf(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = '# c\r\n[mcp_servers.a]\r\ncommand = "a"\r\n'
    path.write_bytes(original.encode())
    edit.add_server(path, "b", {"command": "b"})
    edit.set_enabled(path, "a", False)
    data = path.read_bytes().decode()
    assert data.startswith('# c\r\n[mcp_servers.a]\r\ncommand = "a"\r\nenabled = false\r\n')
    assert "\n" not in data.replace("\r\n", "")
    assert tomllib.loads(data)["mcp_servers"]["b"] == {"command": "b"}


def test_symlinked_config_edits_the_target(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "codex.toml"
    target.parent.mkdir()
    target.write_text('[mcp_servers.a]\ncommand = "a"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    edit.set_enabled(link, "a", False)
    assert link.is_symlink()
    assert "enabled = false" in target.read_text()


def test_syntax_error_refuses_to_edit(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[mcp_servers.a]\ncommand = "a\n')
    with pytest.raises(ConfigError) as info:
        edit.add_server(path, "b", {"command": "b"})
    assert f"{path}:2:" in info.value.one_line()
    assert path.read_text() == '[mcp_servers.a]\ncommand = "a\n'


def test_removing_every_server_then_adding_again(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "x"\n\n[mcp_servers.a]\ncommand = "a"\n')
    edit.remove_server(path, "a")
    assert path.read_text() == 'model = "x"\n'
    edit.add_server(path, "a", {"command": "a"})
    assert path.read_text() == 'model = "x"\n\n[mcp_servers.a]\ncommand = "a"\n'
