"""Measure the TUI in one process: first paint and key-to-render latency during probes.

Run by benchmarks/run.py as a fresh subprocess; prints one JSON object on stdout:

- ``first_paint_s``: from the harness spawning this process (``BENCH_SPAWN_NS``, a
  CLOCK_MONOTONIC time) to the first screen update that shows the server table with every
  configured server in it (statuses may still be pending; that is the point of workers);
- ``any_paint_s``: to the first screen update of any kind;
- ``key_ms``: for each key press sent while probes run, the time from handing the key event to
  the app (as the terminal driver does) to the next screen update in which the table's cursor
  has moved;
- ``probes_pending``: how many servers still had no status when each key was sent.

The app is Textual's headless ``run_test`` with the factory ``mcpdeck tui`` uses
(``mcpdeck.tui.app.make_process_app``: ``make_app`` plus the process-wide set-up), so
everything but the terminal write is real: config loading, workers, probes over loopback HTTP,
the process's garbage-collector set-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

SPAWN_NS = int(os.environ.get("BENCH_SPAWN_NS", time.monotonic_ns()))
# As `mcpdeck` itself does (mcpdeck.program.entry): the TUI runs on asyncio, trio is never loaded.
sys.modules.setdefault("trio", None)  # type: ignore[arg-type]


def _since_spawn(ns: int) -> float:
    return (ns - SPAWN_NS) / 1e9


def build_app(codex_home: Path, cwd: Path) -> Any:
    from mcpdeck.tui import app as tui_app

    # The app as `mcpdeck tui` builds it, process-wide set-up included (make_process_app: the
    # gc freeze after the first frame); make_app alone is the app as tests build it.
    factory = getattr(tui_app, "make_process_app", None) or getattr(tui_app, "make_app", None)
    if factory is None:
        raise SystemExit("mcpdeck.tui.app.make_app is not available yet")
    params = inspect.signature(factory).parameters
    kwargs: dict[str, Any] = {}
    if "services" in params:
        from mcpdeck.tui.services import Services

        kwargs["services"] = Services(codex_home, cwd, open_browser=False)
    else:
        for key, value in (("codex_home", codex_home), ("cwd", cwd)):
            if key in params:
                kwargs[key] = value
    return factory(**kwargs)


def _table(app: Any) -> Any:
    """The main server list: ``#servers`` (whatever widget it is), else the first DataTable."""
    from textual.widgets import DataTable

    for selector in ("#servers", DataTable):
        try:
            return app.screen.query(selector).first()
        except Exception:
            continue
    return None


def _cursor(table: Any) -> int | None:
    for attr in ("cursor_row", "cursor"):
        value = getattr(table, attr, None)
        if isinstance(value, int):
            return value
    return None


async def measure(codex_home: Path, cwd: Path, servers: int, presses: int) -> dict[str, Any]:
    from textual import events

    app = build_app(codex_home, cwd)
    displays: list[tuple[int, int, int | None]] = []  # (ns, row_count, cursor_row)
    display_event = asyncio.Event()
    original_display = app._display

    def hooked_display(screen: Any, renderable: Any) -> None:
        original_display(screen, renderable)
        if renderable is None:
            return
        table = _table(app)
        rows = getattr(table, "row_count", 0) if table is not None else 0
        cursor = _cursor(table) if table is not None else None
        displays.append((time.monotonic_ns(), rows, cursor))
        display_event.set()

    app._display = hooked_display
    result: dict[str, Any] = {"servers": servers}
    async with app.run_test(size=(140, 45)) as pilot:
        deadline = time.monotonic() + 60
        while not any(rows >= servers for _, rows, _ in displays):
            if time.monotonic() > deadline:
                raise SystemExit(f"the table never showed {servers} rows")
            display_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(display_event.wait(), 1.0)
        result["any_paint_s"] = _since_spawn(displays[0][0])
        result["first_paint_s"] = _since_spawn(next(t for t, r, _ in displays if r >= servers))
        table = _table(app)
        table.focus()
        await pilot.pause()
        key_ms: list[float] = []
        pending: list[int] = []
        for n in range(presses):
            key = "down" if n % 2 == 0 else "up"
            before = _cursor(table)
            pending.append(_pending(app))
            display_event.clear()
            start = time.monotonic_ns()
            event = events.Key(key, None)
            event.set_sender(app)
            app._driver.send_message(event)
            while True:
                await display_event.wait()
                display_event.clear()
                moved = [t for t, _, c in displays if t > start and c is not None and c != before]
                if moved:
                    key_ms.append((moved[0] - start) / 1e6)
                    break
            # about 7 keys/s, like a person scrolling: probes keep landing between the keys
            await asyncio.sleep(0.15)
        result["key_ms"] = key_ms
        result["probes_pending"] = pending
        result["pending_at_quit"] = _pending(app)
        result["keys_done_s"] = _since_spawn(time.monotonic_ns())
        # The quit key, delivered as the terminal driver delivers it (as the keys above), not
        # pilot.exit: that first waits for the app to be idle (20 ms with under 1 ms of CPU),
        # which never comes while probe results land: 22-380 ms no user waits for.
        quit_key = events.Key("ctrl+q", None)
        quit_key.set_sender(app)
        app._driver.send_message(quit_key)
        # Leave run_test only once the app has taken the key: run_test's own shutdown would
        # otherwise race it and the key would reach an app with no screen (ScreenStackError).
        deadline = time.monotonic() + 10
        while not app._exit and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
    result["exited_s"] = _since_spawn(time.monotonic_ns())
    return result


def _pending(app: Any) -> int:
    """Servers whose status has not arrived yet (best effort: from the screen's row states)."""
    screen = app.screen
    for attr in ("rows", "_rows", "row_states"):
        rows = getattr(screen, attr, None)
        if isinstance(rows, dict):
            return sum(1 for r in rows.values() if getattr(r, "probe", None) is None)
    return -1


def main(argv: list[str]) -> int:
    codex_home, cwd, servers, presses = Path(argv[0]), Path(argv[1]), int(argv[2]), int(argv[3])
    os.chdir(cwd)
    result = asyncio.run(measure(codex_home, cwd, servers, presses))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
