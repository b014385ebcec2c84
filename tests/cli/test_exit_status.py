"""list, get and doctor agree on exit statuses: a configuration error is 2 (issue 13, item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = """\
[mcp_servers.broken]
command = "cat"
startup_timeout_sec = "ten"

[mcp_servers.off]
command = "cat"
enabled = false
"""


def _run(home: Path, *args: str) -> int:
    env = {**os.environ, "CODEX_HOME": str(home), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    return done.returncode


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG)
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["get", "broken"],
        ["get", "broken", "--json"],
        ["doctor"],
        ["doctor", "--json"],
        ["doctor", "broken"],
    ],
)
def test_a_configuration_error_exits_2_everywhere(home: Path, args: list[str]) -> None:
    assert _run(home, *args) == 2


@pytest.mark.parametrize("args", [["get", "off"], ["get", "off", "--json"], ["doctor", "off"]])
def test_another_servers_error_counts_too(home: Path, args: list[str]) -> None:
    # Codex refuses the whole file over one server's error: every command says so with 2.
    assert _run(home, *args) == 2


def test_a_syntax_error_exits_2_everywhere(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[mcp_servers.a]\ncommand = "cat"\n[mcp_servers.b\n')
    for args in (["list"], ["doctor"], ["doctor", "--json"]):
        assert _run(tmp_path, *args) == 2, args
