"""One rule for the exit status of list, get and doctor: a configuration error is exit 2.

Errors of the file itself (a syntax error, a bad top-level key) count for every command; a
server's own errors count when that server is shown (all of them for list and a bare doctor).
"""

from __future__ import annotations

from collections.abc import Iterable

from mcpdeck.config.model import ConfigProblem, LoadedConfig
from mcpdeck.errors import EXIT_OK, EXIT_USAGE


def config_errors(loaded: LoadedConfig, names: Iterable[str] | None = None) -> list[ConfigProblem]:
    wanted = None if names is None else set(names)
    out = [
        p
        for p in loaded.problems
        if p.severity == "error" and (wanted is None or p.server is None or p.server in wanted)
    ]
    for name, server in loaded.servers.items():
        if wanted is None or name in wanted:
            out.extend(p for p in server.problems if p.severity == "error")
    return out


def config_exit(loaded: LoadedConfig, names: Iterable[str] | None = None) -> int:
    """EXIT_USAGE (2) when the shown part of the configuration has an error, else EXIT_OK."""
    return EXIT_USAGE if config_errors(loaded, names) else EXIT_OK
