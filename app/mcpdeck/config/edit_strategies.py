"""The two ways to make each server-table change: on the text, guided by
:mod:`mcpdeck.config.lines`, so every comment, blank line and the order of everything outside
the touched table stay byte for byte; and with tomlkit, for layouts the text edit cannot handle
(inline tables, dotted keys elsewhere). :mod:`mcpdeck.config.edit` keeps the first candidate
that parses to the intended document."""

from __future__ import annotations

import copy
import re
from typing import Any

import tomlkit
from tomlkit.items import Table

from mcpdeck.config.lines import (
    ASSIGN,
    BLANK,
    COMMENT,
    HEADER,
    LineEntry,
    physical_lines,
    scan_structure,
)

_ENABLED_RE = re.compile(r"^(\s*enabled\s*=\s*)(true|false)\b")


def render_server_table(name: str, table: dict[str, Any]) -> str:
    """``[mcp_servers.NAME]`` text as tomlkit writes it (sub-tables as their own headers)."""
    document = tomlkit.document()
    servers = tomlkit.table(is_super_table=True)
    servers.add(name, _tomlkit_table(table))
    document.add("mcp_servers", servers)
    return tomlkit.dumps(document)


def _keepends(text: str) -> list[str]:
    lines = [line + "\n" for line in physical_lines(text)]
    if lines and not text.endswith("\n"):
        lines[-1] = lines[-1][:-1]
    return lines


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _is_server_path(path: tuple[str, ...], name: str) -> bool:
    return len(path) >= 2 and path[0] == "mcp_servers" and path[1] == name


def _section_end(entries: list[LineEntry], start: int) -> int:
    """Index of the next header after ``start`` (or the end)."""
    for index in range(start + 1, len(entries)):
        if entries[index].kind == HEADER:
            return index
    return len(entries)


def _owned_end(entries: list[LineEntry], start: int) -> int:
    """End of a section minus the comment block that sits right above the next header."""
    end = _section_end(entries, start)
    while end - 1 > start and entries[end - 1].kind == COMMENT:
        end -= 1
    return end


def _content_end(entries: list[LineEntry], start: int, end: int) -> int:
    while end - 1 > start and entries[end - 1].kind in (BLANK, COMMENT):
        end -= 1
    return end


def add_by_text(text: str, name: str, table: dict[str, Any]) -> str | None:
    newline = _newline(text)
    block = render_server_table(name, table).replace("\n", newline)
    lines = _keepends(text)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    entries = scan_structure(text)
    last_server_header = None
    for index, entry in enumerate(entries):
        if entry.kind == HEADER and entry.path and entry.path[0] == "mcp_servers":
            last_server_header = index
    if last_server_header is None:
        # No server tables yet: append at the end, after one blank line.
        prefix = "".join(lines)
        if prefix and not prefix.endswith(newline * 2):
            prefix += newline
        return prefix + block
    start = last_server_header
    insert_at = _content_end(entries, start, _owned_end(entries, start))
    before, after = lines[:insert_at], lines[insert_at:]
    tail = newline if after and after[0].strip() else ""
    return "".join(before) + newline + block + tail + "".join(after)


def remove_by_text(text: str, name: str) -> str | None:
    entries = scan_structure(text)
    lines = _keepends(text)
    remove: set[int] = set()
    for index, entry in enumerate(entries):
        if entry.kind == HEADER and _is_server_path(entry.path, name):
            remove.update(range(index, _owned_end(entries, index)))
    if not remove:
        return None
    for index, entry in enumerate(entries):
        if entry.kind == ASSIGN and _is_server_path(entry.path, name) and index not in remove:
            return None  # dotted keys or an inline table elsewhere: leave it to tomlkit
    if max(remove) == len(entries) - 1:
        # Removing the end of the file: drop the blank lines that separated it too.
        index = min(remove) - 1
        while index >= 0 and entries[index].kind == BLANK and index not in remove:
            if all(i in remove for i in range(index + 1, len(entries))):
                remove.add(index)
            index -= 1
    return "".join(line for index, line in enumerate(lines) if index not in remove)


def set_enabled_by_text(text: str, name: str, enabled: bool) -> str | None:
    entries = scan_structure(text)
    lines = _keepends(text)
    header = next(
        (
            index
            for index, entry in enumerate(entries)
            if entry.kind == HEADER and entry.path == ("mcp_servers", name)
        ),
        None,
    )
    if header is None:
        return None
    end = _section_end(entries, header)
    value = "true" if enabled else "false"
    for index in range(header + 1, end):
        entry = entries[index]
        if entry.kind == ASSIGN and entry.path == ("mcp_servers", name, "enabled"):
            replaced, count = _ENABLED_RE.subn(rf"\g<1>{value}", lines[index], count=1)
            if count != 1:
                return None
            lines[index] = replaced
            return "".join(lines)
    newline = _newline(text)
    insert_at = _content_end(entries, header, end)
    if insert_at > 0 and not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += newline
    lines.insert(insert_at, f"enabled = {value}{newline}")
    return "".join(lines)


def _tomlkit_table(table: dict[str, Any]) -> Table:
    out = tomlkit.table()
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    for key, value in scalars.items():
        out.add(key, value)
    for key, value in tables.items():
        out.add(key, _tomlkit_table(value))
    return out


def add_by_tomlkit(text: str, name: str, table: dict[str, Any]) -> str | None:
    document = tomlkit.parse(text)
    servers = document.get("mcp_servers")
    if servers is None:
        document.add("mcp_servers", tomlkit.table(is_super_table=True))
        servers = document["mcp_servers"]
    if isinstance(servers, Table):
        servers.add(name, _tomlkit_table(table))
    else:
        servers[name] = copy.deepcopy(table)
    return tomlkit.dumps(document)


def remove_by_tomlkit(text: str, name: str) -> str | None:
    document = tomlkit.parse(text)
    del document["mcp_servers"][name]
    return tomlkit.dumps(document)


def set_enabled_by_tomlkit(text: str, name: str, enabled: bool) -> str | None:
    document = tomlkit.parse(text)
    document["mcp_servers"][name]["enabled"] = enabled
    return tomlkit.dumps(document)
