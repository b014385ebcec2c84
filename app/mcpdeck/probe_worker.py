"""The TUI's status probes in a child process: ``python -m mcpdeck.probe_worker``.

A thousand concurrent probes cost about a second of CPU (HTTP bookkeeping, parsing). In a
thread of the TUI's process that CPU competes with the UI for the GIL, so key presses were
answered late, and a thread cannot be stopped when the user quits. A child process has an
interpreter (and, on a multi-core machine, a core) of its own, and quitting kills it.

Reads one request on stdin, pickled by the TUI over this private pipe (``-c`` override values
may be TOML dates, which JSON cannot carry) — ``codex_home``, ``cwd``, ``profile``,
``overrides``, ``names`` (None for every server), ``timeout``, ``concurrency`` — and writes one
JSON line per server to stdout as soon as its status is known
(``mcpdeck.status.status_to_json``). The environment is the TUI's.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any


def _credentials(loaded: Any) -> Any:
    try:
        from mcpdeck.credentials.select import open_store

        settings = loaded.settings
        return open_store(
            settings.credentials_store,
            loaded.codex_home,
            secrets_storage=settings.secrets_storage,
        )
    except Exception:  # no usable store: status still reports config and probes
        return None


def main() -> int:
    # The user's key presses come first: at equal priority, 1000 probes on a 2-core machine took
    # the TUI's core often enough to push key -> render p95 past 30 ms (tui_probe).
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    # As in `mcpdeck` itself: trio is never loaded (httpcore2 would import it).
    sys.modules.setdefault("trio", None)  # type: ignore[arg-type]
    from mcpdeck import event_loop
    from mcpdeck.config.loader import load_config
    from mcpdeck.status import ServerStatus, status_to_json
    from mcpdeck.status_probe import compute_statuses, plan_and_settle

    request = pickle.load(sys.stdin.buffer)
    loaded = load_config(
        Path(request["codex_home"]),
        Path(request["cwd"]),
        profile=request["profile"],
        overrides=request["overrides"],
    )
    credentials = _credentials(loaded)
    names = request.get("names")
    out = sys.stdout

    def emit(status: ServerStatus) -> None:
        out.write(json.dumps(status_to_json(status)) + "\n")
        out.flush()

    check_tokens = bool(request.get("check_tokens", False))
    plan = plan_and_settle(loaded, credentials, names=names, check_tokens=check_tokens)
    event_loop.run(
        compute_statuses(
            loaded,
            credentials,
            names=names,
            timeout=float(request["timeout"]),
            concurrency=int(request["concurrency"]),
            on_result=emit,
            plan=plan,
            check_tokens=check_tokens,
        ),
        probes=len(plan.to_probe) + len(plan.to_try),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
