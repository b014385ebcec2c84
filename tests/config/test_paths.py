from __future__ import annotations

from pathlib import Path

import pytest

from mcpdeck.config.loader import load_config
from mcpdeck.config.paths import check_codex_home, resolve_codex_home
from mcpdeck.errors import ConfigError
from tests.config.layout import make_layout, write


def test_codex_home_explicit_then_env_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "env"))
    assert resolve_codex_home(tmp_path / "x") == tmp_path / "x"
    assert resolve_codex_home(None) == tmp_path / "env"
    monkeypatch.delenv("CODEX_HOME")
    assert resolve_codex_home(None) == tmp_path / "h" / ".codex"


def _project_files(codex_home: Path, cwd: Path) -> list[Path]:
    """The project layers the loader considered, farthest first."""
    return [info.file for info in load_config(codex_home, cwd).layers if info.layer == "project"]


def test_project_root_is_nearest_ancestor_with_git(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    deep = layout.sub / "a" / "b"
    deep.mkdir(parents=True)
    assert load_config(layout.home, deep).project_root == layout.root
    assert load_config(layout.home, layout.root).project_root == layout.root
    (layout.sub / ".git").write_text("gitdir: elsewhere\n")  # a worktree or submodule
    assert load_config(layout.home, deep).project_root == layout.sub


def test_layer_files_from_root_down_to_cwd(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    deep = layout.sub / "deep"
    root_file = write(layout.project_file(layout.root), "")
    deep_file = write(layout.project_file(deep), "")
    # outside the project: never read
    write(tmp_path / ".codex" / "config.toml", "")
    assert _project_files(layout.home, deep) == [root_file, deep_file]
    sub_file = write(layout.project_file(layout.sub), "")
    assert _project_files(layout.home, deep) == [root_file, sub_file, deep_file]
    assert _project_files(layout.home, layout.sub) == [root_file, sub_file]


def test_layer_files_without_project_root_is_cwd_only(tmp_path: Path) -> None:
    cwd = tmp_path / "loose" / "dir"
    write(tmp_path / "loose" / ".codex" / "config.toml", "")
    own = write(cwd / ".codex" / "config.toml", "")
    assert _project_files(tmp_path / "home", cwd) == [own]


def test_codex_home_itself_is_not_a_project_layer(tmp_path: Path) -> None:
    home_dir = tmp_path / "me"
    (home_dir / ".git").mkdir(parents=True)
    write(home_dir / ".codex" / "config.toml", "")
    assert _project_files(home_dir / ".codex", home_dir) == []


def test_missing_explicit_codex_home_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    with pytest.raises(ConfigError, match="does not exist; create it"):
        check_codex_home(tmp_path / "missing")
    # the default home is created on demand when asked to
    check_codex_home(tmp_path / ".codex", create_default=True)
    assert (tmp_path / ".codex").is_dir()
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "also-missing"))
    with pytest.raises(ConfigError, match="unset CODEX_HOME"):
        check_codex_home(tmp_path / "also-missing", create_default=True)
