r"""Read one configuration file into its layer, refusing what would make the parser slow.

A file that cannot be read or parsed becomes a ConfigProblem (an error when Codex loads the
file, a warning when it ignores it), never an exception; the servers of a file with a syntax
error are recovered piece by piece as rows Codex does not load. Parsing uses ``tomli`` (TOML
1.1, which Codex 0.171.0 reads: newlines and trailing commas in inline tables, ``\e`` and
``\xHH`` escapes, times without seconds; the stdlib's ``tomllib`` refuses all of them). Its
compiled wheel is also quicker: imported in under 1 ms against about 7 ms for ``tomllib``, and a
100-server file parsed in 0.7 ms against 2.1 ms. Line numbers come from a light text scan
(``mcpdeck.config.lines``).
"""

from __future__ import annotations

import re
from pathlib import Path

import tomli

from mcpdeck import records
from mcpdeck.config.layer import Layer
from mcpdeck.config.lines import KeyPath, scan_key_lines
from mcpdeck.config.merge import deep_merge, ignored_rows
from mcpdeck.config.model import ConfigProblem, LayerInfo, LoadedConfig

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
# A chain of dotted key parts (bare or quoted): the parser's cost grows with the square of it.
_DOTTED_CHAIN_RE = re.compile(
    r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')(?:[ \t]*\.[ \t]*(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*'))+"""
)

# Bounds on what a config file may make mcpdeck do (an untrusted repository writes these files).
MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_KEY_PARTS = 64
MAX_DEPTH = 64


def read_layer(
    layer: Layer, loaded: LoadedConfig, *, loaded_by_codex: bool, record: bool = True
) -> None:
    """Parse ``layer.file``; a broken file is a problem, and its servers are recovered as rows
    Codex does not load. ``loaded_by_codex`` says whether Codex would refuse over it;
    ``record`` whether the file gets a row in ``loaded.layers``."""
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
                layer.document = tomli.loads(text)
                problem = _check_depth(layer.document, layer.file)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problem = ConfigProblem("the file is not valid UTF-8", layer.file, line=line)
        except tomli.TOMLDecodeError as exc:
            problem = syntax_problem(str(exc), layer.file, text)
        except RecursionError:
            problem = ConfigProblem(f"values nested more than {MAX_DEPTH} levels deep", layer.file)
    if problem is not None:
        layer.document = None
        if loaded_by_codex:
            problem = records.replace(
                problem, refuses=problem.message.startswith(("TOML", "the file is not valid"))
            )
        else:
            problem = records.replace(
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
    # A chain never spans lines, so only a line with enough dots can hold one: the regex runs on
    # those alone (on every line it cost 18 ms for 1000 servers, 1.8 ms for 100; now about 1 ms for 1000).
    if text.count(".") < MAX_KEY_PARTS:
        return None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.count(".") < MAX_KEY_PARTS:
            continue
        for match in _DOTTED_CHAIN_RE.finditer(line):
            if match.group(0).count(".") >= MAX_KEY_PARTS:
                return ConfigProblem(
                    f"a dotted key or table header has more than {MAX_KEY_PARTS} parts; mcpdeck "
                    "does not read this file",
                    file,
                    line=number,
                )
    return None


def _check_depth(document: dict[str, Any], file: Path) -> ConfigProblem | None:
    # Only tables and arrays go on the stack: most values are strings and numbers, and visiting
    # each of them cost a third of this walk.
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth >= MAX_DEPTH and children:  # a value MAX_DEPTH + 1 levels down
            return ConfigProblem(
                f"values nested more than {MAX_DEPTH} levels deep; mcpdeck does not read this file",
                file,
            )
        stack.extend((v, depth + 1) for v in children if isinstance(v, dict | list))
    return None


def syntax_problem(message: str, file: Path, text: str) -> ConfigProblem:
    """A ``tomli`` error message as a problem placed at its line and column."""
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


def _recover(layer: Layer, text: str, loaded: LoadedConfig, problem: ConfigProblem) -> None:
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
            document = tomli.loads(chunk)
        except (tomli.TOMLDecodeError, RecursionError):
            offset += len(piece)
            continue
        for path, number in scan_key_lines(chunk).items():
            lines.setdefault(path, number + offset)
        offset += len(piece)
        servers = document.get("mcp_servers")
        if isinstance(servers, dict):
            deep_merge(recovered, {"mcp_servers": servers})
    if not recovered:
        return
    layer.lines = lines
    reason = f"not loaded by Codex: syntax error at {problem.where()}"
    loaded.ignored.extend(ignored_rows(layer, recovered, reason))
