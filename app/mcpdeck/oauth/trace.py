"""FlowTrace: the redacted, step-by-step record of discovery, login and refresh.

The CLI prints events live, the TUI renders them as a timeline, the doctor keeps them in its
report. Events carry only redacted text: build them through :meth:`FlowTrace.emit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from mcpdeck.redact import redact, redact_obj

Step = Literal[
    "probe",  # unauthenticated request to the MCP server
    "discovery",  # PRM / AS metadata requests
    "registration",  # DCR / CIMD / pre-registered client
    "authorize",  # the authorization URL is ready
    "browser",  # browser opened (or not)
    "waiting",  # waiting for the callback
    "callback",  # callback received
    "token",  # token exchange
    "refresh",  # refresh grant
    "stored",  # credentials written
    "step_up",  # re-authorization for more scopes
    "logout",
    "http",  # one HTTP exchange in a session (doctor / TUI Log tab)
    "done",
    "error",
]
Status = Literal["start", "ok", "fail", "info", "skip"]


@dataclass(frozen=True)
class FlowEvent:
    step: Step
    status: Status
    summary: str  # one redacted line for people
    at: float = field(default_factory=time.time)
    elapsed_ms: float | None = None
    # Redacted facts for machines (URL, HTTP status, timeout, …).
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Listener = Callable[[FlowEvent], None]


class FlowTrace:
    """Collects events in order and forwards each to listeners as it happens."""

    def __init__(self, listener: Listener | None = None) -> None:
        self.events: list[FlowEvent] = []
        self._listeners: list[Listener] = [listener] if listener else []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(
        self,
        step: Step,
        status: Status,
        summary: str,
        *,
        elapsed_ms: float | None = None,
        **data: Any,
    ) -> FlowEvent:
        event = FlowEvent(
            step=step,
            status=status,
            summary=redact(summary),
            elapsed_ms=elapsed_ms,
            data=redact_obj(data),
        )
        self.events.append(event)
        for listener in self._listeners:
            listener(event)
        return event

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.events]
