"""Edit one config file: add, remove, enable or disable a server, touching nothing else.

Edits are made on the text first, with tomlkit as the fallback
(:mod:`mcpdeck.config.edit_strategies`); each result is re-parsed and compared with the intended
change, and the first that matches is written. Every read-modify-write runs under the config
edit lock and writes atomically, keeping the file's mode (:mod:`mcpdeck.config.safe_write`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli

from mcpdeck.config.edit_strategies import (
    add_by_text,
    add_by_tomlkit,
    remove_by_text,
    remove_by_tomlkit,
    set_enabled_by_text,
    set_enabled_by_tomlkit,
)
from mcpdeck.config.lines import line_of, scan_key_lines
from mcpdeck.config.safe_write import locked, write_atomic
from mcpdeck.config.validate import is_valid_server_name
from mcpdeck.errors import ConfigError


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
            lambda: add_by_text(text, name, table),
            lambda: add_by_tomlkit(text, name, table),
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
            lambda: remove_by_text(text, name),
            lambda: remove_by_tomlkit(text, name),
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
            lambda: set_enabled_by_text(text, name, enabled),
            lambda: set_enabled_by_tomlkit(text, name, enabled),
        ),
    )
    write_atomic(file, new_text.encode("utf-8"))
    return True


# --- reading and checking -----------------------------------------------------------------


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
        return text, tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
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
            if _normalise(tomli.loads(candidate)) == want:
                return candidate
        except tomli.TOMLDecodeError:
            continue
    raise ConfigError(
        "cannot make this change without disturbing the rest of the file",
        file=str(file),
        hint="edit the file by hand",
    )
