"""Which project directories Codex reads from a working directory, and which it trusts.

From the project root (the nearest ancestor holding a root marker, ``.git`` by default) down to
the working directory, every ``.codex/config.toml`` is a project layer. Codex loads one only
when ``[projects."<path>"] trust_level = "trusted"`` names its directory, the project root or
the git checkout (for a linked worktree, the main checkout). Writing trust is ``config.trust``.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

UNTRUSTED_REASON = "ignored by Codex: project not trusted"

# Keys Codex drops from project files (they could send credentials elsewhere or run commands).
PROJECT_DENYLIST = (
    "openai_base_url",
    "chatgpt_base_url",
    "apps_mcp_product_sku",
    "model_provider",
    "model_providers",
    "notify",
    "profile",
    "profiles",
    "experimental_realtime_webrtc_call_base_url",
    "experimental_realtime_ws_base_url",
    "otel",
)


def trust_levels(documents: list[dict[str, Any]]) -> dict[str, str]:
    """``[projects."<path>"] trust_level`` across the early layers (later wins): path -> level."""
    out: dict[str, str] = {}
    for document in documents:
        projects = document.get("projects")
        if not isinstance(projects, dict):
            continue
        for path, entry in projects.items():
            if isinstance(entry, dict) and isinstance(entry.get("trust_level"), str):
                out[path] = entry["trust_level"]
    return out


def root_markers(documents: list[dict[str, Any]]) -> list[str]:
    """``project_root_markers`` of the closest layer that sets it, else ``[".git"]``."""
    markers: list[str] = [".git"]
    for document in documents:
        value = document.get("project_root_markers")
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            markers = list(value)
    return markers


def has_marker(directory: Path, markers: list[str]) -> bool:
    return any(os.path.lexists(directory / marker) for marker in markers)


def project_root(cwd: Path, markers: list[str]) -> Path:
    """The nearest ancestor of ``cwd`` holding a root marker (``.git``), else ``cwd`` itself."""
    if not markers:
        return cwd
    for candidate in (cwd, *cwd.parents):
        if has_marker(candidate, markers):
            return candidate
    return cwd


def project_dirs(cwd: Path, root: Path) -> list[Path]:
    """From the project root down to ``cwd``: the directories whose ``.codex`` Codex reads."""
    dirs = []
    for directory in (cwd, *cwd.parents):
        dirs.append(directory)
        if directory == root:
            break
    dirs.reverse()
    return dirs


def repo_root(cwd: Path) -> Path | None:
    """The git checkout holding ``cwd``; for a linked worktree, the main checkout."""
    for directory in (cwd, *cwd.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return directory
        if dot_git.is_file():
            try:
                first = dot_git.read_text(encoding="utf-8", errors="replace").splitlines()[0]
            except (OSError, IndexError):
                return directory
            if first.startswith("gitdir:"):
                gitdir = (directory / first[len("gitdir:") :].strip()).resolve()
                if gitdir.parent.name == "worktrees" and gitdir.parent.parent.name == ".git":
                    return gitdir.parent.parent.parent
            return directory
    return None


def trust_keys(directory: Path) -> list[str]:
    """The spellings Codex looks up for a directory: its canonical path, then as given."""
    canonical = os.path.realpath(directory)
    given = str(directory)
    return [canonical] if canonical == given else [canonical, given]


def decide_trust(directory: Path, root: Path, checkout: Path | None, trust: dict[str, str]) -> bool:
    """The layer's own directory entry, else the project root's, else the repository's."""
    candidates = [directory, root] + ([checkout] if checkout is not None else [])
    for candidate in candidates:
        for key in trust_keys(candidate):
            level = trust.get(key)
            if level is not None:
                return level == "trusted"
    return False
