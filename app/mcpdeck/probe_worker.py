"""The TUI's status probes in a child process: ``python -m mcpdeck.probe_worker``.

A thousand concurrent probes cost about a second of CPU (HTTP bookkeeping, parsing). In a
thread of the TUI's process that CPU competes with the UI for the GIL, so key presses were
answered late, and a thread cannot be stopped when the user quits. A child process has an
interpreter (and, on a multi-core machine, a core) of its own, and quitting kills it.

Reads one JSON object on stdin — ``codex_home``, ``cwd``, ``names`` (or null for every server),
``timeout``, ``concurrency`` — and writes one JSON line per server to stdout as soon as its
status is known (``mcpdeck.status.status_to_json``). The environment is the TUI's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _credentials(loaded: Any) -> Any:
    try:
        from mcpdeck.credentials.select import open_store

        return open_store(loaded.settings.credentials_store, loaded.codex_home)
    except Exception:  # no usable store: status still reports config and probes
        return None


def main() -> int:
    # As in `mcpdeck` itself: asyncio only, trio is never loaded (httpcore2 would import it).
    sys.modules.setdefault("trio", None)  # type: ignore[arg-type]
    import asyncio

    from mcpdeck.config.loader import load_config
    from mcpdeck.status import ServerStatus, compute_statuses, plan_and_settle, status_to_json

    request = json.loads(sys.stdin.readline())
    loaded = load_config(Path(request["codex_home"]), Path(request["cwd"]))
    credentials = _credentials(loaded)
    names = request.get("names")
    out = sys.stdout

    def emit(status: ServerStatus) -> None:
        out.write(json.dumps(status_to_json(status)) + "\n")
        out.flush()

    check_tokens = bool(request.get("check_tokens", False))
    plan = plan_and_settle(loaded, credentials, names=names, check_tokens=check_tokens)
    asyncio.run(
        compute_statuses(
            loaded,
            credentials,
            names=names,
            timeout=float(request["timeout"]),
            concurrency=int(request["concurrency"]),
            on_result=emit,
            plan=plan,
            check_tokens=check_tokens,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
