"""The ``mcpdeck`` program (console script and ``python -m mcpdeck``): process-wide settings,
made before anything else is imported, then :func:`mcpdeck.cli.main`.

Library and test code calls ``cli.main`` directly and never gets these settings.
"""

from __future__ import annotations

import gc
import sys


def _start_up_done() -> None:
    gc.freeze()  # what start-up allocated lives until exit: later collections skip it
    gc.enable()


def entry() -> None:
    # httpcore2 imports trio whenever it is installed (about 50 ms of start-up for every probing
    # command); the CLI and the TUI run on asyncio only, so trio is never loaded here.
    sys.modules.setdefault("trio", None)  # type: ignore[arg-type]
    # No collections while start-up imports modules and parses the config, which all live until
    # exit, and none over them at exit (the interpreter's final collection): about a tenth of the
    # instructions of a `mcpdeck login`, 4-8 ms of CPU of `list --json --offline`.
    gc.disable()
    from mcpdeck.cli import main

    code = main(started=_start_up_done)
    gc.freeze()
    sys.exit(code)
