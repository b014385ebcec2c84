"""Read the user layer and the project layers, merge them key by key, keep provenance.

``load_config`` never raises for bad file content: syntax errors, unreadable files and invalid
server tables become ConfigProblems, and everything else still loads. Parsing uses ``tomllib``
(fast); line numbers come from a light text scan (``mcpdeck.config.lines``).
"""

from __future__ import annotations

import os
import re
import tomllib
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
from mcpdeck.config.paths import CONFIG_FILE, find_project_root, project_layer_files
from mcpdeck.config.validate import apply_settings, build_server

_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


@dataclass
class _Layer:
    layer: LayerName
    file: Path
    trusted: bool
    document: dict[str, Any] | None = None
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


def load_config(codex_home: Path, cwd: Path) -> LoadedConfig:
    """The merged configuration seen from ``cwd``; problems are collected, never raised."""
    codex_home = Path(codex_home)
    cwd = Path(cwd)
    project_root = find_project_root(cwd)
    loaded = LoadedConfig(codex_home=codex_home, cwd=cwd, project_root=project_root)

    user = _Layer("user", codex_home / CONFIG_FILE, trusted=True)
    _read(user, loaded)
    trust = _trust_levels(user.document)
    layers = [user]
    for file in project_layer_files(cwd, codex_home):
        layer = _Layer(
            "project", file, trusted=_is_trusted(file.parent.parent, project_root, trust)
        )
        _read(layer, loaded)
        layers.append(layer)

    merged: dict[str, _MergedServer] = {}
    for layer in layers:
        if layer.document is None:
            continue
        if layer.trusted:
            loaded.problems.extend(
                apply_settings(loaded.settings, layer.document, layer.top_level_line, layer.file)
            )
        _merge_servers(layer, merged, loaded)

    for name, entry in merged.items():
        loaded.servers[name] = build_server(
            name,
            entry.table,
            source=entry.source,
            provenance=entry.provenance,
            defined_at=entry.defined_at,
        )
    return loaded


def _read(layer: _Layer, loaded: LoadedConfig) -> None:
    try:
        data = layer.file.read_bytes()
    except FileNotFoundError:
        loaded.layers.append(LayerInfo(layer.layer, layer.file, False, layer.trusted, False))
        return
    except OSError as exc:
        loaded.problems.append(
            ConfigProblem(f"cannot read the file: {exc.strerror or exc}", layer.file)
        )
        loaded.layers.append(LayerInfo(layer.layer, layer.file, True, layer.trusted, False))
        return
    problem: ConfigProblem | None = None
    try:
        text = data.decode("utf-8")
        layer.document = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = ConfigProblem("the file is not valid UTF-8", layer.file, line=line)
    except tomllib.TOMLDecodeError as exc:
        problem = syntax_problem(str(exc), layer.file, text)
    except RecursionError:
        problem = ConfigProblem("TOML syntax error: values nested too deeply", layer.file)
    if problem is not None:
        loaded.problems.append(problem)
        loaded.layers.append(LayerInfo(layer.layer, layer.file, True, layer.trusted, False))
        return
    layer.lines = scan_key_lines(text)
    loaded.layers.append(LayerInfo(layer.layer, layer.file, True, layer.trusted, True))


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


def _trust_levels(user_document: dict[str, Any] | None) -> dict[str, bool]:
    """``[projects."<path>"] trust_level`` from the user config: normalised path -> trusted."""
    projects = (user_document or {}).get("projects")
    if not isinstance(projects, dict):
        return {}
    out: dict[str, bool] = {}
    for path, entry in projects.items():
        if isinstance(entry, dict) and "trust_level" in entry:
            out[os.path.normpath(os.path.expanduser(path))] = entry["trust_level"] == "trusted"
    return out


def _is_trusted(directory: Path, project_root: Path | None, trust: dict[str, bool]) -> bool:
    """Codex trusts a layer by its own directory's entry, else by the project root's entry."""
    if not trust:
        return False
    own = _lookup(trust, directory)
    if own is not None:
        return own
    if project_root is not None:
        return bool(_lookup(trust, project_root))
    return False


def _lookup(trust: dict[str, bool], directory: Path) -> bool | None:
    found = trust.get(os.path.normpath(directory))
    if found is None:
        real = os.path.realpath(directory)
        found = trust.get(real)
        if found is None:
            # The key may name a symlinked spelling of the same directory.
            for path, value in trust.items():
                if os.path.realpath(path) == real:
                    return value
    return found


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
            target[key] = value


def _drop_children(provenance: dict[str, Location], dotted: str) -> None:
    prefix = dotted + "."
    for key in [k for k in provenance if k.startswith(prefix)]:
        del provenance[key]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def server_or_none(loaded: LoadedConfig, name: str) -> ServerConfig | None:
    return loaded.servers.get(name)
