"""Edit one config file: add, remove, enable or disable a server, touching nothing else.

Edits are made on the text, guided by ``mcpdeck.config.lines``, so every comment, blank line and
the order of everything outside the touched table stay byte for byte; new tables are rendered
with tomlkit. Each result is re-parsed and compared with the intended change; when the file's
layout defeats the text edit (inline tables, dotted keys elsewhere), tomlkit edits the document
instead, under the same check. Writes are atomic and keep the file's mode.

Every read-modify-write runs under :func:`locked`: an exclusive ``flock`` on the file's
directory, taken before the file is read, so twenty ``mcpdeck add`` at once add twenty servers
and an ``add`` beside a ``disable`` loses neither. The directory, not the file, because the
atomic rename gives the file a new inode at every write (and the first ``add`` has no file to
lock). Under the lock, temp files left by an edit that was killed are removed. A symlinked
config is edited at its target and a hard-linked one in place, so both links survive.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import math
import os
import re
import stat
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from mcpdeck.config.lines import (
    ASSIGN,
    BLANK,
    COMMENT,
    HEADER,
    LineEntry,
    line_of,
    physical_lines,
    scan_key_lines,
    scan_structure,
)
from mcpdeck.config.validate import is_valid_server_name
from mcpdeck.errors import ConfigError

NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700

_ENABLED_RE = re.compile(r"^(\s*enabled\s*=\s*)(true|false)\b")
_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"

# Directories this thread holds the edit lock of (flock on a second descriptor would wait for
# the first: nested calls, such as write_atomic inside an edit, must not take it again).
_held = threading.local()


# --- the lock ----------------------------------------------------------------------------


@contextlib.contextmanager
def locked(file: Path) -> Iterator[Path]:
    """Hold the exclusive edit lock of ``file``'s config directory; yields the path to edit.

    Read the file inside the block, so the change applies to what is on disk now and not to
    what another process replaced a moment ago. Every config write of mcpdeck goes through
    here (``add``, ``remove``, ``enable``/``disable``, the doctor's fixes, trust changes).
    """
    target = _target(file)
    directory = target.parent
    held: set[str] = _held.__dict__.setdefault("dirs", set())
    key = os.path.realpath(directory)  # one key however the caller spelled the path
    if key in held:
        yield target
        return
    if not directory.exists():
        directory.mkdir(parents=True, mode=NEW_DIR_MODE, exist_ok=True)
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(
            f"cannot open the directory to lock it: {exc.strerror or exc}", file=str(target)
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(key)
        try:
            _remove_stale_temps(target)
            yield target
        finally:
            held.discard(key)
    finally:
        os.close(fd)  # releases the lock


def edit_text(file: Path, change: Callable[[str], str | None]) -> bool:
    """Apply ``change`` to the current text of ``file`` (``""`` when absent) under the lock.

    ``change`` returns the new text, or None to leave the file alone; True when it was written.
    """
    with locked(file) as target:
        text, _ = _read(target, missing_ok=True)
        new_text = change(text)
        if new_text is None or (new_text == text and target.exists()):
            return False
        write_atomic(target, new_text.encode("utf-8"))
        return True


def _remove_stale_temps(target: Path) -> None:
    # Only under the lock: no other mcpdeck edit of this directory is writing one right now.
    pattern = f"{_TEMP_PREFIX}{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if entry.name.startswith(pattern) and entry.name.endswith(_TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


# --- public API ---------------------------------------------------------------------------


def add_server(file: Path, name: str, table: dict[str, Any]) -> None:
    """Add ``[mcp_servers.NAME]`` to ``file`` (created when absent); refuse a taken name."""
    if not is_valid_server_name(name):
        raise ConfigError(
            f"invalid server name {name!r}", hint="use only letters, digits, '-' and '_'"
        )
    with locked(file) as target:
        _add_server(target, name, table)


def _add_server(file: Path, name: str, table: dict[str, Any]) -> None:
    text, document = _read(file, missing_ok=True)
    servers = _servers(document, file, text)
    if name in servers:
        raise ConfigError(
            f"a server named '{name}' already exists",
            file=str(file),
            line=line_of(scan_key_lines(text), ("mcp_servers", name)),
            hint=f"choose another name, or remove it first with `mcpdeck remove {name}`",
        )
    expected = copy.deepcopy(document)
    expected.setdefault("mcp_servers", {})[name] = copy.deepcopy(table)
    new_text = _first_that_works(
        expected,
        file,
        (
            lambda: _add_by_text(text, name, table),
            lambda: _add_by_tomlkit(text, name, table),
        ),
    )
    write_atomic(file, new_text.encode("utf-8"))


def remove_server(file: Path, name: str) -> None:
    """Remove ``[mcp_servers.NAME]`` (and its sub-tables) from ``file``."""
    with locked(file) as target:
        _remove_server(target, name)


def _remove_server(file: Path, name: str) -> None:
    text, document = _read(file, missing_ok=True)
    servers = _servers(document, file, text)
    if name not in servers:
        raise _not_in_file(name, file)
    expected = copy.deepcopy(document)
    del expected["mcp_servers"][name]
    new_text = _first_that_works(
        expected,
        file,
        (
            lambda: _remove_by_text(text, name),
            lambda: _remove_by_tomlkit(text, name),
        ),
    )
    write_atomic(file, new_text.encode("utf-8"))


def set_enabled(file: Path, name: str, enabled: bool) -> bool:
    """Set ``enabled`` for the server in ``file``; returns False when nothing had to change."""
    with locked(file) as target:
        return _set_enabled(target, name, enabled)


def _set_enabled(file: Path, name: str, enabled: bool) -> bool:
    text, document = _read(file, missing_ok=True)
    servers = _servers(document, file, text)
    if name not in servers:
        raise _not_in_file(name, file)
    table = servers[name]
    if not isinstance(table, dict):
        raise ConfigError(
            f"mcp_servers.{name} is not a table",
            file=str(file),
            line=line_of(scan_key_lines(text), ("mcp_servers", name)),
            hint="fix it by hand",
        )
    current = table.get("enabled", True)
    if current is enabled and ("enabled" in table or enabled):
        return False
    expected = copy.deepcopy(document)
    expected["mcp_servers"][name]["enabled"] = enabled
    new_text = _first_that_works(
        expected,
        file,
        (
            lambda: _set_enabled_by_text(text, name, enabled),
            lambda: _set_enabled_by_tomlkit(text, name, enabled),
        ),
    )
    write_atomic(file, new_text.encode("utf-8"))
    return True


def render_server_table(name: str, table: dict[str, Any]) -> str:
    """``[mcp_servers.NAME]`` text as tomlkit writes it (sub-tables as their own headers)."""
    document = tomlkit.document()
    servers = tomlkit.table(is_super_table=True)
    servers.add(name, _tomlkit_table(table))
    document.add("mcp_servers", servers)
    return tomlkit.dumps(document)


def write_atomic(path: Path, data: bytes, *, new_mode: int = NEW_FILE_MODE) -> None:
    """Replace ``path`` with ``data``: temp file in the same directory, fsync, rename.

    The old content stays intact if anything fails; an existing file keeps its mode, a new one
    gets ``new_mode`` (0600: config files may name secrets' environment variables and hosts).
    Runs under the edit lock (taken here when the caller does not hold it). A file with other
    hard links is rewritten in place instead: a rename would leave the other names behind on
    the old content.
    """
    with locked(path) as target:
        _write_atomic(target, data, new_mode)


def _write_atomic(path: Path, data: bytes, new_mode: int) -> None:
    parent = path.parent
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    mode = stat.S_IMODE(info.st_mode) if info is not None else new_mode
    if info is not None and info.st_nlink > 1:
        _write_in_place(path, data)
        return
    fd, tmp_name = tempfile.mkstemp(
        dir=parent, prefix=f"{_TEMP_PREFIX}{path.name}.", suffix=_TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(parent)


def _write_in_place(path: Path, data: bytes) -> None:
    # Same inode, so every hard link sees the new content; we hold the edit lock, and the
    # new content is complete in memory before the file is truncated.
    with open(path, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


# --- reading and checking -----------------------------------------------------------------


def _target(file: Path) -> Path:
    # Edit the file a symlink points to (dotfile managers), never replace the link itself.
    file = Path(file)
    return Path(os.path.realpath(file)) if file.is_symlink() else file


def _read(file: Path, *, missing_ok: bool) -> tuple[str, dict[str, Any]]:
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return "", {}
        raise ConfigError("the file does not exist", file=str(file)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", file=str(file)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            "the file is not valid UTF-8", file=str(file), hint="fix it before editing"
        ) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        from mcpdeck.config.toml_file import syntax_problem

        problem = syntax_problem(str(exc), file, text)
        raise ConfigError(
            problem.message,
            file=str(file),
            line=problem.line,
            column=problem.column,
            hint="fix it before editing",
        ) from None


def _servers(document: dict[str, Any], file: Path, text: str) -> dict[str, Any]:
    servers = document.get("mcp_servers", {})
    if not isinstance(servers, dict):
        raise ConfigError(
            "mcp_servers is not a table",
            file=str(file),
            line=scan_key_lines(text).get(("mcp_servers",)),
            hint="fix it by hand before editing",
        )
    return servers


def _not_in_file(name: str, file: Path) -> ConfigError:
    return ConfigError(f"no server named '{name}' in {file}", hint="run `mcpdeck list`")


def _normalise(document: dict[str, Any]) -> Any:
    if document.get("mcp_servers") == {}:
        document = {k: v for k, v in document.items() if k != "mcp_servers"}
    return _comparable(document)


class _NaN:
    """Stands in for a float NaN, which is never equal to itself (TOML allows ``nan``)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _NaN)

    def __hash__(self) -> int:
        return 0


def _comparable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return _NaN()
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _first_that_works(
    expected: dict[str, Any], file: Path, attempts: tuple[Callable[[], str | None], ...]
) -> str:
    """The first candidate text that parses to exactly the intended document."""
    want = _normalise(expected)
    for attempt in attempts:
        candidate = attempt()
        if candidate is None:
            continue
        try:
            if _normalise(tomllib.loads(candidate)) == want:
                return candidate
        except tomllib.TOMLDecodeError:
            continue
    raise ConfigError(
        "cannot make this change without disturbing the rest of the file",
        file=str(file),
        hint="edit the file by hand",
    )


# --- text edits -----------------------------------------------------------------------------


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


def _add_by_text(text: str, name: str, table: dict[str, Any]) -> str | None:
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


def _remove_by_text(text: str, name: str) -> str | None:
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


def _set_enabled_by_text(text: str, name: str, enabled: bool) -> str | None:
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


# --- tomlkit fallbacks ----------------------------------------------------------------------


def _tomlkit_table(table: dict[str, Any]) -> Table:
    out = tomlkit.table()
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    for key, value in scalars.items():
        out.add(key, value)
    for key, value in tables.items():
        out.add(key, _tomlkit_table(value))
    return out


def _add_by_tomlkit(text: str, name: str, table: dict[str, Any]) -> str | None:
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


def _remove_by_tomlkit(text: str, name: str) -> str | None:
    document = tomlkit.parse(text)
    del document["mcp_servers"][name]
    return tomlkit.dumps(document)


def _set_enabled_by_tomlkit(text: str, name: str, enabled: bool) -> str | None:
    document = tomlkit.parse(text)
    document["mcp_servers"][name]["enabled"] = enabled
    return tomlkit.dumps(document)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
