"""Where Codex configuration lives: CODEX_HOME and the system directory (the project layers and
their root are ``config.projects``)."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_FILE = "config.toml"
PROJECT_DIR = ".codex"
# Where Codex reads its system config and managed requirements on Unix (not configurable there).
SYSTEM_DIR = Path("/etc/codex")


def default_codex_home() -> Path:
    return Path.home() / ".codex"


def resolve_codex_home(explicit: Path | None) -> Path:
    """``--codex-home``, else ``$CODEX_HOME``, else ``~/.codex`` (like Codex)."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env_home = os.environ.get("CODEX_HOME")
    if env_home:
        return Path(env_home).expanduser()
    return default_codex_home()


def codex_home_is_default(codex_home: Path) -> bool:
    """True when no ``$CODEX_HOME`` is set and ``codex_home`` is ``~/.codex``.

    Codex creates the default home on demand but insists that an explicitly chosen one exists.
    """
    if os.environ.get("CODEX_HOME"):
        return False
    return same_path(codex_home, default_codex_home())


def same_path(a: Path, b: Path) -> bool:
    if os.path.normpath(a) == os.path.normpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_codex_home(codex_home: Path, *, create_default: bool = False) -> None:
    """Codex insists that an explicitly chosen CODEX_HOME exists; the default is created on demand.

    Raises ConfigError for a missing explicit home (``--codex-home`` or ``$CODEX_HOME``); with
    ``create_default`` a missing ``~/.codex`` is created (mode 0700).
    """
    from mcpdeck.errors import ConfigError

    if codex_home.is_dir():
        return
    if codex_home.exists():
        raise ConfigError(
            f"CODEX_HOME {codex_home} is not a directory",
            hint="point --codex-home or CODEX_HOME at a directory",
        )
    if codex_home_is_default(codex_home):
        if create_default:
            codex_home.mkdir(parents=True, mode=0o700, exist_ok=True)
        return
    from_env = os.environ.get("CODEX_HOME")
    if from_env and same_path(Path(from_env).expanduser(), codex_home):
        raise ConfigError(f"CODEX_HOME {codex_home} does not exist; create it or unset CODEX_HOME")
    raise ConfigError(
        f"CODEX_HOME {codex_home} (--codex-home) does not exist; create it or pass another directory"
    )
