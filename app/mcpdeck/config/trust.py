"""Project trust as Codex keeps it: ``[projects."<abs path>"] trust_level`` in the user config.

Only a trusted project's ``.codex/config.toml`` is loaded by Codex; nothing from an untrusted
one may reach a login, a session or the OAuth callback configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from mcpdeck.config.model import ServerConfig
from mcpdeck.config.projects import repo_root
from mcpdeck.errors import ConfigError


def trust_root(directory: Path) -> Path:
    """The directory Codex keys trust by: the git checkout holding ``directory`` (the main
    checkout for a linked worktree), else ``directory`` itself; canonical, as Codex writes it."""
    start = Path(os.path.realpath(directory))
    root = repo_root(start)
    return Path(os.path.realpath(root if root is not None else start))


def set_trust(user_file: Path, directory: Path, trusted: bool) -> Path:
    """Write the trust entry for ``directory``'s project; return the directory written."""
    root = trust_root(directory)
    write_trust_level(user_file, str(root), "trusted" if trusted else "untrusted")
    return root


def write_trust_level(user_file: Path, project: str, level: str) -> None:
    """``[projects."<project>"] trust_level = LEVEL``, the rest of the file kept as it is."""

    from mcpdeck.config.safe_write import locked

    # Under the config edit lock: a concurrent `mcpdeck add` must not lose this entry.
    with locked(user_file):
        _write_trust_level(user_file, project, level)


def _write_trust_level(user_file: Path, project: str, level: str) -> None:
    import tomlkit

    from mcpdeck.config.safe_write import write_atomic

    try:
        text = user_file.read_text(encoding="utf-8") if user_file.exists() else ""
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(
            f"{user_file}: cannot edit, the file is not valid TOML ({exc})",
            hint="fix the syntax error first",
        ) from None
    projects = doc.get("projects")
    if projects is None:
        projects = tomlkit.table(is_super_table=True)
        doc["projects"] = projects
    entry = projects.get(project)
    if entry is None:
        entry = tomlkit.table()
        projects[project] = entry
    entry["trust_level"] = level
    user_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(Path(os.path.realpath(user_file)), tomlkit.dumps(doc).encode("utf-8"))


def require_loaded_by_codex(server: ServerConfig) -> None:
    """Refuse a server Codex does not load (an untrusted project's, or a broken file's)."""
    if server.ignored_reason is None:
        return
    where = server.source.file if server.source is not None else "its file"
    project = ""
    if server.source is not None and server.source.layer == "project":
        project = str(server.source.file.parent.parent)
    hint = (
        f"trust the project with `mcpdeck trust {project}` (if you trust its files), "
        "or add the server to your user config"
        if project and not server.source.trusted  # type: ignore[union-attr]
        else "fix the file first"
    )
    raise ConfigError(f"'{server.name}' comes from {where}, {server.ignored_reason}", hint=hint)
