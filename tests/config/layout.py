"""Build Codex config layouts (CODEX_HOME, a git project with nested .codex dirs) in tmp dirs."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@dataclass
class Layout:
    home: Path  # CODEX_HOME
    root: Path  # project root (has .git)
    sub: Path  # root/sub, the working directory of most tests

    @property
    def user_file(self) -> Path:
        return self.home / "config.toml"

    def project_file(self, directory: Path) -> Path:
        return directory / ".codex" / "config.toml"

    def trust(self, directory: Path, level: str = "trusted") -> None:
        """Append a [projects."<dir>"] entry to the user config."""
        existing = self.user_file.read_text() if self.user_file.exists() else ""
        entry = f'\n[projects."{directory}"]\ntrust_level = "{level}"\n'
        self.user_file.write_text(existing + entry)


def make_layout(tmp_path: Path) -> Layout:
    home = tmp_path / "codex-home"
    home.mkdir()
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    sub = root / "sub"
    sub.mkdir()
    return Layout(home=home, root=root, sub=sub)
