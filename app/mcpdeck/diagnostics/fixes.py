"""Apply a finding's config edit: one key of one ``[mcp_servers.NAME]`` table, or project trust.

tomlkit keeps every comment, blank line and the order of everything else; each read-modify-write
runs under the config edit lock (:func:`mcpdeck.config.safe_write.locked`), so a fix applied while
`mcpdeck add` runs loses neither, and the write is atomic and keeps the file's mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from mcpdeck.config.safe_write import locked, write_atomic
from mcpdeck.config.validate import is_valid_server_name
from mcpdeck.diagnostics.edits import ConfigEdit, SetKey, TrustProject, UnsetKey
from mcpdeck.errors import UsageError

# Keys a finding may change (Codex's server keys; "oauth.*" are the per-server overrides).
_EDITABLE = {
    "enabled",
    "required",
    "startup_timeout_sec",
    "tool_timeout_sec",
    "enabled_tools",
    "disabled_tools",
    "scopes",
    "oauth_resource",
    "cwd",
    "url",
    "command",
    "bearer_token_env_var",
    "oauth.client_id",
    "oauth.client_secret_env_var",
    "oauth.callback_url",
    "oauth.callback_port",
    "oauth.client_metadata_url",
}


def _read(file: Path) -> tomlkit.TOMLDocument:
    if not file.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(file.read_text(encoding="utf-8"))
    except tomlkit.exceptions.ParseError as exc:
        raise UsageError(
            f"{file}: cannot edit, the file is not valid TOML ({exc})",
            hint="fix the syntax error first",
        ) from None


def _write(file: Path, text: str) -> None:
    # One atomic-write implementation for every config edit (symlinks edited at their target).
    write_atomic(Path(os.path.realpath(file)), text.encode("utf-8"))


def _server_table(doc: tomlkit.TOMLDocument, name: str, *, create: bool) -> Any:
    servers = doc.get("mcp_servers")
    if servers is None:
        if not create:
            return None
        servers = tomlkit.table(is_super_table=True)
        doc["mcp_servers"] = servers
    table = servers.get(name)
    if table is None and create:
        table = tomlkit.table()
        servers[name] = table
    return table


def _check(name: str, key: str) -> None:
    if not is_valid_server_name(name):
        raise UsageError(f"invalid server name {name!r}")
    if key not in _EDITABLE:
        raise UsageError(f"{key!r} is not a server key the doctor edits")


def set_server_key(file: Path, name: str, key: str, value: Any) -> None:
    """Set ``mcp_servers.NAME.KEY`` (dotted keys reach sub-tables: ``oauth.client_id``)."""
    _check(name, key)
    if value is None:
        raise UsageError(f"no value given for {key}", hint="this fix needs a value from you")
    with locked(file):
        _set_server_key(file, name, key, value)


def _set_server_key(file: Path, name: str, key: str, value: Any) -> None:
    doc = _read(file)
    table = _server_table(doc, name, create=True)
    *parents, leaf = key.split(".")
    for part in parents:
        sub = table.get(part)
        if sub is None:
            sub = tomlkit.table() if isinstance(table, Table) else tomlkit.inline_table()
            table[part] = sub
        table = sub
    table[leaf] = value
    _write(file, tomlkit.dumps(doc))


def unset_server_key(file: Path, name: str, key: str) -> bool:
    """Remove ``mcp_servers.NAME.KEY``; False when it was not there. Empty sub-tables go too."""
    _check(name, key)
    with locked(file):
        return _unset_server_key(file, name, key)


def _unset_server_key(file: Path, name: str, key: str) -> bool:
    doc = _read(file)
    table = _server_table(doc, name, create=False)
    if table is None:
        return False
    *parents, leaf = key.split(".")
    chain = [table]
    for part in parents:
        sub = chain[-1].get(part)
        if sub is None:
            return False
        chain.append(sub)
    if leaf not in chain[-1]:
        return False
    del chain[-1][leaf]
    for parent, part in zip(reversed(chain[:-1]), reversed(parents), strict=True):
        if len(parent[part]) == 0:
            del parent[part]
    _write(file, tomlkit.dumps(doc))
    return True


def trust_project(file: Path, project: str, level: str = "trusted") -> None:
    """``[projects."<abs path>"] trust_level = "trusted"`` (or ``"untrusted"``) in the user config."""
    from mcpdeck.config.trust import write_trust_level

    write_trust_level(file, project, level)


def apply_edit(edit: ConfigEdit) -> None:
    """Apply a :class:`~mcpdeck.diagnostics.report.Finding`'s edit."""
    if not edit.file:
        raise UsageError("the edit names no file")
    file = Path(edit.file)
    match edit:
        case SetKey():
            set_server_key(file, edit.server, edit.key, edit.value)
        case UnsetKey():
            unset_server_key(file, edit.server, edit.key)
        case TrustProject():
            trust_project(file, edit.project)
