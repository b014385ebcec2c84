"""Where a discovery reports its steps (a login's FlowTrace, or nowhere), and the run's
metadata cache when many servers are probed at once (see ``mcpdeck.oauth.probe``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcpdeck.oauth.trace import FlowTrace, Status, Step

if TYPE_CHECKING:
    import asyncio

    from mcpdeck.oauth.fetch import Fetched
    from mcpdeck.oauth.probe import MetadataCache


class Tracer:
    """Where a discovery reports its steps, and the run's metadata cache (``probe_server``)."""

    def __init__(self, trace: FlowTrace | None, cache: MetadataCache | None = None) -> None:
        self.trace = trace
        self.cache = cache
        # A login's metadata GETs started before they were needed (``discovery.discover``):
        # each is used once, by the first lookup of its URL, and reported then.
        self.prefetched: dict[str, asyncio.Task[Fetched]] = {}

    def emit(
        self, step: Step, status: Status, summary: str, *, ms: float | None = None, **data: Any
    ) -> None:
        if self.trace is not None:
            self.trace.emit(
                step, status, summary, elapsed_ms=None if ms is None else round(ms, 1), **data
            )
