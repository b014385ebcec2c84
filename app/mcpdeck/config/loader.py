"""Read Codex's configuration layers as Codex 0.171.0 reads them, merge them, keep provenance.

Layers, lowest precedence first: the system file (``/etc/codex/config.toml``), the user file
(``$CODEX_HOME/config.toml``), the profile file (``$CODEX_HOME/NAME.config.toml`` with
``-p NAME``), the trusted project files (``.codex/config.toml`` from the project root down to
the working directory), ``-c key=value`` overrides, and the legacy managed file
(``/etc/codex/managed_config.toml``). An untrusted project file is never merged: its servers
become rows of their own that Codex ignores. Managed requirements (``requirements.toml`` next
to the system file) can then disable servers.

``load_config`` never raises for bad file content: syntax errors, unreadable files and invalid
server tables become ConfigProblems, and everything else still loads. The stages live apart:
reading a file (``toml_file``), the project layers and their trust (``projects``), ``-c`` and
profiles (``overrides``), merging (``merge``), validating a server (``validate``) and the
managed requirements (``requirements``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mcpdeck.config.layer import Layer
from mcpdeck.config.merge import MergedServer, ignored_rows, merge_servers, refusing
from mcpdeck.config.model import ConfigProblem, LoadedConfig
from mcpdeck.config.oauth_settings import apply_settings
from mcpdeck.config.overrides import check_legacy_profile, override_layer
from mcpdeck.config.paths import CONFIG_FILE, PROJECT_DIR, SYSTEM_DIR, same_path
from mcpdeck.config.projects import (
    PROJECT_DENYLIST,
    UNTRUSTED_REASON,
    decide_trust,
    has_marker,
    project_dirs,
    project_root,
    repo_root,
    root_markers,
    trust_levels,
)
from mcpdeck.config.requirements import apply_requirements
from mcpdeck.config.toml_file import read_layer
from mcpdeck.config.validate import build_server

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any


def load_config(
    codex_home: Path,
    cwd: Path,
    *,
    profile: str | None = None,
    overrides: Sequence[tuple[str, Any]] = (),
    system_dir: Path = SYSTEM_DIR,
) -> LoadedConfig:
    """The merged configuration seen from ``cwd``; problems are collected, never raised.

    ``system_dir`` is where Codex's system files live (``/etc/codex`` on Unix); ``overrides``
    are parsed ``-c`` pairs (see ``mcpdeck.config.overrides``).
    """
    codex_home = Path(codex_home)
    cwd = Path(cwd)
    loaded = LoadedConfig(codex_home=codex_home, cwd=cwd, project_root=None, profile=profile)

    system = Layer("system", system_dir / CONFIG_FILE, trusted=True)
    user = Layer("user", codex_home / CONFIG_FILE, trusted=True)
    base = [system, user]
    for layer in base:
        read_layer(layer, loaded, loaded_by_codex=True)
    check_legacy_profile(user, profile, codex_home, loaded)
    if profile:
        profile_layer = Layer("profile", codex_home / f"{profile}.config.toml", trusted=True)
        read_layer(profile_layer, loaded, loaded_by_codex=True)
        base.append(profile_layer)
    override = override_layer(overrides)

    early = [layer.document for layer in (*base, override) if layer.document is not None]
    markers = root_markers(early)
    root = project_root(cwd, markers)
    loaded.project_root = root if root != cwd or has_marker(cwd, markers) else None
    project_layers = _project_layers(loaded, codex_home, cwd, root, trust_levels(early))

    managed = Layer("managed", system_dir / "managed_config.toml", trusted=True)
    read_layer(managed, loaded, loaded_by_codex=True)

    merged: dict[str, MergedServer] = {}
    for layer in [*base, *(p for p in project_layers if p.trusted), override, managed]:
        if layer.document is None:
            continue
        loaded.problems.extend(
            refusing(
                apply_settings(loaded.settings, layer.document, layer.top_level_line, layer.file)
            )
        )
        merge_servers(layer, merged, loaded)

    for name, entry in merged.items():
        server = build_server(
            name,
            entry.table,
            source=entry.source,
            provenance=entry.provenance,
            defined_at=entry.defined_at,
        )
        server.problems = refusing(server.problems)
        loaded.servers[name] = server

    for layer in project_layers:
        if not layer.trusted and layer.document is not None:
            loaded.ignored.extend(ignored_rows(layer, layer.document, UNTRUSTED_REASON))

    apply_requirements(loaded, system_dir / "requirements.toml")
    return loaded


def _project_layers(
    loaded: LoadedConfig, codex_home: Path, cwd: Path, root: Path, trust: dict[str, str]
) -> list[Layer]:
    """Every ``.codex/config.toml`` from ``root`` down to ``cwd``, read, with its trust."""
    checkout = repo_root(cwd)
    layers: list[Layer] = []
    for directory in project_dirs(cwd, root):
        dot_codex = directory / PROJECT_DIR
        if not dot_codex.is_dir() or same_path(dot_codex, codex_home):
            continue
        trusted = decide_trust(directory, root, checkout, trust)
        layer = Layer("project", dot_codex / CONFIG_FILE, trusted=trusted)
        read_layer(layer, loaded, loaded_by_codex=trusted)
        if layer.document is not None:
            for key in PROJECT_DENYLIST:
                layer.document.pop(key, None)
        if layer.file.exists() or layer.document is not None:
            layers.append(layer)
        if not trusted and layer.file.exists():
            loaded.problems.append(
                ConfigProblem(
                    f"Codex ignores this file: the project is not trusted; trust it with "
                    f"`mcpdeck trust {directory}`",
                    layer.file,
                    severity="warning",
                )
            )
    return layers


def load_from_args(args: Any) -> LoadedConfig:
    """``load_config`` with the global command-line options (``-p``, ``-c``) of a command."""
    return load_config(
        args.codex_home,
        args.cd,
        profile=getattr(args, "profile", None),
        overrides=getattr(args, "config_overrides", None) or (),
    )
