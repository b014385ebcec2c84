"""Read Codex's configuration layers as Codex 0.171.0 reads them, merge them, keep provenance.

Layers, lowest precedence first: the system file (``/etc/codex/config.toml``), the user file
(``$CODEX_HOME/config.toml``), the profile file (``$CODEX_HOME/NAME.config.toml`` with
``-p NAME``), the trusted project files (``.codex/config.toml`` from the project root down to
the working directory), ``-c key=value`` overrides, and the legacy managed file
(``/etc/codex/managed_config.toml``). An untrusted project file is never merged: its servers
become rows of their own that Codex ignores. Managed requirements (``requirements.toml`` next
to the system file) can then disable servers.

``load_config`` never raises for bad file content: syntax errors, unreadable files and invalid
server tables become ConfigProblems, and everything else still loads. Parsing uses ``tomllib``
(fast); line numbers come from a light text scan (``mcpdeck.config.lines``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcpdeck.config.lines import KeyPath, line_of, scan_key_lines
from mcpdeck.config.model import (
    ConfigProblem,
    LayerInfo,
    LayerName,
    LoadedConfig,
    Location,
    ServerConfig,
    Source,
)
from mcpdeck.config.paths import CONFIG_FILE, PROJECT_DIR, SYSTEM_DIR, same_path
from mcpdeck.config.validate import apply_settings, build_server

_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
# A chain of dotted key parts (bare or quoted): tomllib's cost grows with the square of it.
_DOTTED_CHAIN_RE = re.compile(
    r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')(?:[ \t]*\.[ \t]*(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*'))+"""
)

# Bounds on what a config file may make mcpdeck do (an untrusted repository writes these files).
MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_KEY_PARTS = 64
MAX_DEPTH = 64

UNTRUSTED_REASON = "ignored by Codex: project not trusted"

# Keys Codex drops from project files (they could send credentials elsewhere or run commands).
_PROJECT_DENYLIST = (
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


@dataclass
class _Layer:
    layer: LayerName
    file: Path
    trusted: bool
    document: dict[str, Any] | None = None
    text: str | None = None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    # one Location object per line: many keys share a line (inline tables)
    _locations: dict[int | None, Location] = field(default_factory=dict)

    def top_level_line(self, key: str) -> int | None:
        return self.lines.get((key,))

    def location(self, path: KeyPath) -> Location:
        line = line_of(self.lines, path)
        found = self._locations.get(line)
        if found is None:
            found = self._locations[line] = Location(self.file, line, self.layer)
        return found


@dataclass
class _MergedServer:
    table: dict[str, Any] | Any = field(default_factory=dict)
    provenance: dict[str, Location] = field(default_factory=dict)
    source: Source | None = None
    defined_at: Location | None = None


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

    system = _Layer("system", system_dir / CONFIG_FILE, trusted=True)
    user = _Layer("user", codex_home / CONFIG_FILE, trusted=True)
    base = [system, user]
    for layer in base:
        _read(layer, loaded, loaded_by_codex=True)
    if profile:
        _check_legacy_profile(user, profile, codex_home, loaded)
        profile_layer = _Layer("profile", codex_home / f"{profile}.config.toml", trusted=True)
        _read(profile_layer, loaded, loaded_by_codex=True)
        base.append(profile_layer)
    else:
        _check_legacy_profile(user, None, codex_home, loaded)
    override = _override_layer(overrides)

    early = [layer.document for layer in (*base, override) if layer.document is not None]
    trust = _trust_levels(early)
    root = _project_root(cwd, _root_markers(early))
    loaded.project_root = root if root != cwd or _has_marker(cwd, _root_markers(early)) else None
    repo_root = _repo_root(cwd)

    project_layers: list[_Layer] = []
    for directory in _project_dirs(cwd, root):
        dot_codex = directory / PROJECT_DIR
        if not dot_codex.is_dir() or same_path(dot_codex, codex_home):
            continue
        trusted = _decide_trust(directory, root, repo_root, trust)
        layer = _Layer("project", dot_codex / CONFIG_FILE, trusted=trusted)
        _read(layer, loaded, loaded_by_codex=trusted)
        if layer.document is not None:
            for key in _PROJECT_DENYLIST:
                layer.document.pop(key, None)
        if layer.file.exists() or layer.document is not None:
            project_layers.append(layer)
        if not trusted and layer.file.exists():
            loaded.problems.append(
                ConfigProblem(
                    f"Codex ignores this file: the project is not trusted; trust it with "
                    f"`mcpdeck trust {directory}`",
                    layer.file,
                    severity="warning",
                )
            )

    managed = _Layer("managed", system_dir / "managed_config.toml", trusted=True)
    _read(managed, loaded, loaded_by_codex=True)

    merged: dict[str, _MergedServer] = {}
    for layer in [*base, *(p for p in project_layers if p.trusted), override, managed]:
        if layer.document is None:
            continue
        loaded.problems.extend(
            _refusing(
                apply_settings(loaded.settings, layer.document, layer.top_level_line, layer.file)
            )
        )
        _merge_servers(layer, merged, loaded)

    for name, entry in merged.items():
        server = build_server(
            name,
            entry.table,
            source=entry.source,
            provenance=entry.provenance,
            defined_at=entry.defined_at,
        )
        server.problems = _refusing(server.problems)
        loaded.servers[name] = server

    for layer in project_layers:
        if not layer.trusted and layer.document is not None:
            loaded.ignored.extend(_ignored_rows(layer, layer.document, UNTRUSTED_REASON))

    _apply_requirements(loaded, system_dir / "requirements.toml")
    return loaded


def load_from_args(args: Any) -> LoadedConfig:
    """``load_config`` with the global command-line options (``-p``, ``-c``) of a command."""
    return load_config(
        args.codex_home,
        args.cd,
        profile=getattr(args, "profile", None),
        overrides=getattr(args, "config_overrides", None) or (),
    )


# --- reading one file -------------------------------------------------------------------------


def _read(
    layer: _Layer, loaded: LoadedConfig, *, loaded_by_codex: bool, record: bool = True
) -> None:
    """Parse ``layer.file``; a broken file is a problem, and its servers are recovered as rows
    Codex does not load. ``loaded_by_codex`` says whether Codex would refuse over it."""
    try:
        data = layer.file.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        # Absent system files are the rule, not worth a row.
        if record and layer.layer not in ("system", "managed"):
            loaded.layers.append(LayerInfo(layer.layer, layer.file, False, layer.trusted, False))
        return
    except OSError as exc:
        loaded.problems.append(
            ConfigProblem(
                f"cannot read the file: {exc.strerror or exc}",
                layer.file,
                refuses=loaded_by_codex,
                severity="error" if loaded_by_codex else "warning",
            )
        )
        loaded.layers.append(LayerInfo(layer.layer, layer.file, True, layer.trusted, False))
        return
    text = ""
    problem: ConfigProblem | None = None
    if len(data) > MAX_CONFIG_BYTES:
        problem = ConfigProblem(
            f"the file is larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB; mcpdeck does not "
            "read config files that big",
            layer.file,
        )
    else:
        try:
            text = data.decode("utf-8")
            problem = check_limits(text, layer.file)
            if problem is None:
                layer.document = tomllib.loads(text)
                problem = _check_depth(layer.document, layer.file)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problem = ConfigProblem("the file is not valid UTF-8", layer.file, line=line)
        except tomllib.TOMLDecodeError as exc:
            problem = syntax_problem(str(exc), layer.file, text)
        except RecursionError:
            problem = ConfigProblem(f"values nested more than {MAX_DEPTH} levels deep", layer.file)
    if problem is not None:
        layer.document = None
        if loaded_by_codex:
            problem = dataclasses.replace(
                problem, refuses=problem.message.startswith(("TOML", "the file is not valid"))
            )
        else:
            problem = dataclasses.replace(
                problem, severity="warning", message=f"{problem.message} (Codex ignores this file)"
            )
        loaded.problems.append(problem)
        if record:
            loaded.layers.append(LayerInfo(layer.layer, layer.file, True, layer.trusted, False))
        if text and problem.message.startswith("TOML"):
            _recover(layer, text, loaded, problem)
        return
    layer.text = text
    layer.lines = scan_key_lines(text)
    if record:
        loaded.layers.append(LayerInfo(layer.layer, layer.file, True, layer.trusted, True))


def check_limits(text: str, file: Path) -> ConfigProblem | None:
    """Refuse, in linear time, what would make the TOML parser slow: very long dotted keys."""
    for match in _DOTTED_CHAIN_RE.finditer(text):
        if match.group(0).count(".") >= MAX_KEY_PARTS:
            line = text.count("\n", 0, match.start()) + 1
            return ConfigProblem(
                f"a dotted key or table header has more than {MAX_KEY_PARTS} parts; mcpdeck "
                "does not read this file",
                file,
                line=line,
            )
    return None


def _check_depth(document: dict[str, Any], file: Path) -> ConfigProblem | None:
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return ConfigProblem(
                f"values nested more than {MAX_DEPTH} levels deep; mcpdeck does not read this file",
                file,
            )
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return None


def syntax_problem(message: str, file: Path, text: str) -> ConfigProblem:
    line: int | None = None
    column: int | None = None
    position = _POSITION_RE.search(message)
    if position:
        line, column = int(position.group(1)), int(position.group(2))
        message = message[: position.start()]
    elif _END_RE.search(message):
        message = _END_RE.sub("", message) + " at the end of the file"
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    return ConfigProblem(f"TOML syntax error: {message}", file, line=line, column=column)


def _recover(layer: _Layer, text: str, loaded: LoadedConfig, problem: ConfigProblem) -> None:
    """Servers readable from a file that does not parse as a whole, as rows Codex does not load.

    The file is cut at every table header; each piece that parses on its own contributes.
    """
    pieces: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.lstrip().startswith("["):
            pieces.append([])
        pieces[-1].append(line)
    recovered: dict[str, Any] = {}
    offset = 0
    lines: dict[KeyPath, int] = {}
    for piece in pieces:
        chunk = "\n".join(piece)
        try:
            document = tomllib.loads(chunk)
        except (tomllib.TOMLDecodeError, RecursionError):
            offset += len(piece)
            continue
        for path, number in scan_key_lines(chunk).items():
            lines.setdefault(path, number + offset)
        offset += len(piece)
        servers = document.get("mcp_servers")
        if isinstance(servers, dict):
            _deep_merge(recovered, {"mcp_servers": servers})
    if not recovered:
        return
    layer.lines = lines
    where = f"{problem.where()}"
    reason = f"not loaded by Codex: syntax error at {where}"
    loaded.ignored.extend(_ignored_rows(layer, recovered, reason))


def _deep_merge(target: dict[str, Any], incoming: dict[str, Any]) -> None:
    for key, value in incoming.items():
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            _deep_merge(current, value)
        else:
            target[key] = value


def _ignored_rows(layer: _Layer, document: dict[str, Any], reason: str) -> list[ServerConfig]:
    servers = document.get("mcp_servers")
    if not isinstance(servers, dict):
        return []
    source = Source(layer.layer, layer.file, layer.trusted)
    rows = []
    for name, table in servers.items():
        provenance: dict[str, Location] = {}
        merged: dict[str, Any] = {}
        if isinstance(table, dict):
            _merge_table(merged, table, "", ("mcp_servers", name), layer, provenance)
        row = build_server(
            name,
            merged if isinstance(table, dict) else table,
            source=source,
            provenance=provenance,
            defined_at=layer.location(("mcp_servers", name)),
        )
        # Codex never reads this table, so nothing in it makes Codex fail.
        row.problems = []
        row.ignored_reason = reason
        rows.append(row)
    return rows


def _refusing(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """Errors in what Codex loads make Codex refuse the whole configuration."""
    return [dataclasses.replace(p, refuses=True) if p.severity == "error" else p for p in problems]


# --- profiles and -c overrides ----------------------------------------------------------------


def _check_legacy_profile(
    user: _Layer, profile: str | None, codex_home: Path, loaded: LoadedConfig
) -> None:
    document = user.document or {}
    selected = document.get("profile")
    if isinstance(selected, str):
        loaded.problems.append(
            ConfigProblem(
                f'legacy `profile = "{selected}"` config is no longer supported; use '
                f"`--profile {selected}` with `{selected}.config.toml` instead",
                user.file,
                line=user.top_level_line("profile"),
                key="profile",
                refuses=True,
            )
        )
        return
    profiles = document.get("profiles")
    if profile and isinstance(profiles, dict) and profile in profiles:
        loaded.problems.append(
            ConfigProblem(
                f"--profile `{profile}` cannot be used while this file contains a legacy "
                f"`[profiles.{profile}]` table; move those settings into "
                f"{codex_home / f'{profile}.config.toml'} and remove the table",
                user.file,
                line=user.lines.get(("profiles", profile)),
                key=f"profiles.{profile}",
                refuses=True,
            )
        )


def _override_layer(overrides: Sequence[tuple[str, Any]]) -> _Layer:
    layer = _Layer("override", Path("-c"), trusted=True)
    if not overrides:
        return layer
    document: dict[str, Any] = {}
    for dotted, value in overrides:
        parts = dotted.split(".")
        target = document
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        target[parts[-1]] = value
    layer.document = document
    return layer


# --- trust, as Codex decides it -----------------------------------------------------------------


def _trust_levels(documents: list[dict[str, Any]]) -> dict[str, str]:
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


def _root_markers(documents: list[dict[str, Any]]) -> list[str]:
    markers: list[str] = [".git"]
    for document in documents:
        value = document.get("project_root_markers")
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            markers = list(value)
    return markers


def _has_marker(directory: Path, markers: list[str]) -> bool:
    return any(os.path.lexists(directory / marker) for marker in markers)


def _project_root(cwd: Path, markers: list[str]) -> Path:
    """The nearest ancestor of ``cwd`` holding a root marker (``.git``), else ``cwd`` itself."""
    if not markers:
        return cwd
    for candidate in (cwd, *cwd.parents):
        if _has_marker(candidate, markers):
            return candidate
    return cwd


def _project_dirs(cwd: Path, root: Path) -> list[Path]:
    """From the project root down to ``cwd``: the directories whose ``.codex`` Codex reads."""
    dirs = []
    for directory in (cwd, *cwd.parents):
        dirs.append(directory)
        if directory == root:
            break
    dirs.reverse()
    return dirs


def _repo_root(cwd: Path) -> Path | None:
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


def _decide_trust(
    directory: Path, root: Path, repo_root: Path | None, trust: dict[str, str]
) -> bool:
    """The layer's own directory entry, else the project root's, else the repository's."""
    candidates = [directory, root] + ([repo_root] if repo_root is not None else [])
    for candidate in candidates:
        for key in trust_keys(candidate):
            level = trust.get(key)
            if level is not None:
                return level == "trusted"
    return False


# --- merging ------------------------------------------------------------------------------------


def _merge_servers(layer: _Layer, merged: dict[str, _MergedServer], loaded: LoadedConfig) -> None:
    assert layer.document is not None
    servers = layer.document.get("mcp_servers")
    if servers is None:
        return
    if not isinstance(servers, dict):
        loaded.problems.append(
            ConfigProblem(
                "mcp_servers must be a table of servers",
                layer.file,
                line=layer.lines.get(("mcp_servers",)),
                key="mcp_servers",
                refuses=True,
            )
        )
        return
    source = Source(layer.layer, layer.file, layer.trusted)
    for name, table in servers.items():
        entry = merged.setdefault(name, _MergedServer())
        entry.source = source
        entry.defined_at = layer.location(("mcp_servers", name))
        if isinstance(table, dict) and isinstance(entry.table, dict):
            _merge_table(entry.table, table, "", ("mcp_servers", name), layer, entry.provenance)
        else:
            # Not a table (or replacing a non-table): the closer layer's value wins whole.
            entry.table = _copy(table)
            entry.provenance.clear()


def _merge_table(
    target: dict[str, Any],
    incoming: dict[str, Any],
    prefix: str,
    path: KeyPath,
    layer: _Layer,
    provenance: dict[str, Location],
) -> None:
    for key, value in incoming.items():
        dotted = prefix + key
        key_path = (*path, key)
        provenance[dotted] = layer.location(key_path)
        current = target.get(key)
        if isinstance(value, dict):
            if not isinstance(current, dict):
                _drop_children(provenance, dotted)
                current = target[key] = {}
            _merge_table(current, value, dotted + ".", key_path, layer, provenance)
        else:
            if isinstance(current, dict):
                _drop_children(provenance, dotted)
            target[key] = _copy(value)


def _drop_children(provenance: dict[str, Location], dotted: str) -> None:
    prefix = dotted + "."
    for key in [k for k in provenance if k.startswith(prefix)]:
        del provenance[key]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# --- managed requirements -----------------------------------------------------------------------


def _apply_requirements(loaded: LoadedConfig, file: Path) -> None:
    """``[mcp_servers.NAME.identity]`` allowlists: every other server is disabled, as in Codex."""
    layer = _Layer("system", file, trusted=True)
    _read(layer, loaded, loaded_by_codex=True, record=False)
    if layer.document is None:
        return
    loaded.requirements_file = file
    allowed = layer.document.get("mcp_servers")
    if not isinstance(allowed, dict):
        return
    reason = f"requirements ({file})"
    for name, server in loaded.servers.items():
        if not _allowed_by(allowed.get(name), server):
            server.requirement_reason = reason


def _allowed_by(requirement: Any, server: ServerConfig) -> bool:
    if not isinstance(requirement, dict):
        return False
    identity = requirement.get("identity")
    if not isinstance(identity, dict):
        return False
    if "command" in identity:
        return server.transport == "stdio" and server.command == identity["command"]
    if "url" in identity:
        return server.transport == "streamable_http" and server.url == identity["url"]
    return False


def server_or_none(loaded: LoadedConfig, name: str) -> ServerConfig | None:
    return loaded.servers.get(name)
