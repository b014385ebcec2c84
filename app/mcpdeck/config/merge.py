"""Merge the servers of the loaded layers, closer layer wins key by key, keeping provenance.

Provenance maps each dotted key of a server (``oauth.client_id``) to the file and line it came
from, so a problem found later points at the line that set the value.
"""

from __future__ import annotations

from mcpdeck.config.layer import Layer
from mcpdeck.config.lines import KeyPath
from mcpdeck.config.model import ConfigProblem, LoadedConfig, Location, ServerConfig, Source
from mcpdeck.config.validate import build_server
from mcpdeck.records import field, record, replace

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any


@record
class MergedServer:
    table: dict[str, Any] | Any = field(default_factory=dict)
    provenance: dict[str, Location] = field(default_factory=dict)
    source: Source | None = None
    defined_at: Location | None = None


def merge_servers(layer: Layer, merged: dict[str, MergedServer], loaded: LoadedConfig) -> None:
    """Fold ``layer``'s ``[mcp_servers]`` into ``merged``; a non-table there is a problem."""
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
        entry = merged.setdefault(name, MergedServer())
        entry.source = source
        entry.defined_at = layer.location(("mcp_servers", name))
        if isinstance(table, dict) and isinstance(entry.table, dict):
            merge_table(entry.table, table, "", ("mcp_servers", name), layer, entry.provenance)
        else:
            # Not a table (or replacing a non-table): the closer layer's value wins whole.
            entry.table = _copy(table)
            entry.provenance.clear()


def merge_table(
    target: dict[str, Any],
    incoming: dict[str, Any],
    prefix: str,
    path: KeyPath,
    layer: Layer,
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
            merge_table(current, value, dotted + ".", key_path, layer, provenance)
        else:
            if isinstance(current, dict):
                _drop_children(provenance, dotted)
            target[key] = _copy(value) if isinstance(value, list) else value


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


def deep_merge(target: dict[str, Any], incoming: dict[str, Any]) -> None:
    """Tables merged key by key, anything else replaced (no provenance: recovery only)."""
    for key, value in incoming.items():
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            deep_merge(current, value)
        else:
            target[key] = value


def ignored_rows(layer: Layer, document: dict[str, Any], reason: str) -> list[ServerConfig]:
    """The servers of a file Codex does not load, each a row saying why (``reason``)."""
    servers = document.get("mcp_servers")
    if not isinstance(servers, dict):
        return []
    source = Source(layer.layer, layer.file, layer.trusted)
    rows = []
    for name, table in servers.items():
        provenance: dict[str, Location] = {}
        merged: dict[str, Any] = {}
        if isinstance(table, dict):
            merge_table(merged, table, "", ("mcp_servers", name), layer, provenance)
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


def refusing(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """Errors in what Codex loads make Codex refuse the whole configuration."""
    return [replace(p, refuses=True) if p.severity == "error" else p for p in problems]
