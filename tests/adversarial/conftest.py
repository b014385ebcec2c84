"""Shared set-up for the adversarial tests: a user home, a hostile repository, the CLI on a pty."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.adversarial.payloads import ESCAPES, MARKUP_CRASH, RICH_CLOSE, RICH_LINK
from tests.adversarial.terminal import PtySession, Run, run_on_pty

HOSTILE_STDIO = Path(__file__).with_name("hostile_stdio_server.py")


@dataclass
class Deck:
    """A user (home, CODEX_HOME) standing in a repository they just cloned."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "codex-home"

    @property
    def repo(self) -> Path:
        return self.root / "cloned-repo"

    @property
    def user_config(self) -> Path:
        return self.home / "config.toml"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"CODEX_HOME", "NO_COLOR", "COLUMNS", "LINES"}
        }
        env["CODEX_HOME"] = str(self.home)
        env["HOME"] = str(self.root)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        return env

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mcpdeck", *args]

    def run(self, *args: str, timeout: float = 90.0) -> Run:
        return run_on_pty(self.argv(*args), env=self.env(), cwd=self.repo, timeout=timeout)

    def start(self, *args: str) -> PtySession:
        return PtySession(self.argv(*args), env=self.env(), cwd=self.repo)

    def write_user(self, text: str) -> None:
        self.user_config.write_text('mcp_oauth_credentials_store = "file"\n' + text)

    def write_repo(self, text: str) -> None:
        (self.repo / ".codex").mkdir(parents=True, exist_ok=True)
        (self.repo / ".codex" / "config.toml").write_text(text)


@pytest.fixture
def deck(tmp_path: Path) -> Deck:
    d = Deck(tmp_path)
    d.home.mkdir()
    d.repo.mkdir()
    d.write_user("")
    return d


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (controls as \\u escapes, which TOML allows)."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# A server name, command and url an attacker would commit to a repository's .codex/config.toml.
REPO_NAME = "x" + ESCAPES + MARKUP_CRASH
REPO_URL = "http://127.0.0.1:9/mcp/" + RICH_CLOSE + RICH_LINK
