"""The event loop of the commands that probe many servers: uvloop when it is installed and the
run is big enough to pay for its import, asyncio's own loop otherwise.

Why: a status run over many servers spends most of its CPU in the event loop itself (a socket,
a connect, a transport and several callbacks per request). Measured on `mcpdeck list --json`
over 1000 OAuth servers answering in 200 ms (benchmarks/servers.py, 2 cores): 2.8-3.4 s of CPU
on asyncio's loop, 2.1-2.6 s on uvloop, the same output. Its import costs 5-12 ms, more than
it saves on a handful of servers, hence :data:`UVLOOP_FROM`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# From this many servers to probe, uvloop's import (5-12 ms) is paid back: it saves 0.4-0.7 ms
# of CPU per server.
UVLOOP_FROM = 32


def loop_factory(probes: int) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop for a run of ``probes`` servers, or None (asyncio's own)."""
    if probes < UVLOOP_FROM:
        return None
    try:
        import uvloop
    except ImportError:  # not built for this platform (Windows): asyncio's loop does the same
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], *, probes: int) -> T:
    """``asyncio.run(main)`` on the loop :func:`loop_factory` picks."""
    with asyncio.Runner(loop_factory=loop_factory(probes)) as runner:
        return runner.run(main)
