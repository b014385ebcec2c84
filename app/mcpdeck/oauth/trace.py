"""FlowTrace: the redacted, step-by-step record of discovery, login and refresh.

The CLI prints events live, the TUI renders them as a timeline, the doctor keeps them in its
report. Events carry only redacted text: build them through the :class:`FlowTrace` methods.

Every event has the same JSON shape (step, status, summary, at, elapsed_ms, data). The few
facts a consumer acts on are typed fields of their own event class, so producer and consumers
share one vocabulary checked by mypy instead of agreeing on dict keys:
:class:`AuthorizationUrl` (the URL to open), :class:`WaitingForCallback` (how long the listener
waits) and :class:`CredentialsStored` (which store holds the new tokens).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from mcpdeck.records import as_dict, field, record
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


@record(frozen=True)
class FlowEvent:
    """One step of a flow, redacted (the JSON shape of every event)."""

    step: Step
    status: Status
    summary: str  # one redacted line for people
    at: float = field(default_factory=time.time)
    elapsed_ms: float | None = None
    # Redacted facts for machines (URL, HTTP status, timeout, …).
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The common shape only: a typed event's own fields are already in ``data``."""
        return {k: v for k, v in as_dict(self).items() if k in _JSON_FIELDS}


_JSON_FIELDS = ("step", "status", "summary", "at", "elapsed_ms", "data")


@record(frozen=True)
class AuthorizationUrl(FlowEvent):
    """Step "authorize": the authorization URL is ready to open (redacted like every event)."""

    url: str = ""


@record(frozen=True)
class WaitingForCallback(FlowEvent):
    """Step "waiting": the callback listener waits up to ``timeout`` seconds."""

    timeout: float = 0.0


@record(frozen=True)
class CredentialsStored(FlowEvent):
    """Step "stored" of a login: the new tokens are in ``store`` (a store's name for people)."""

    store: str = ""


Listener = Callable[[FlowEvent], None]
_E = TypeVar("_E", bound=FlowEvent)


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
        return self._publish(event)

    def authorization_url(
        self, url: str, *, scopes: list[str], scope_source: str, resource: str, redirect_uri: str
    ) -> AuthorizationUrl:
        data = redact_obj(
            {
                "url": url,
                "scopes": scopes,
                "scope_source": scope_source,
                "resource": resource,
                "redirect_uri": redirect_uri,
            }
        )
        summary = redact(f"open this URL to log in: {url}")
        return self._publish(
            AuthorizationUrl("authorize", "info", summary, data=data, url=data["url"])
        )

    def waiting_for_callback(self, redirect_uri: str, timeout: float) -> WaitingForCallback:
        summary = redact(f"waiting for the OAuth callback on {redirect_uri} (up to {timeout:g} s)")
        event = WaitingForCallback(
            "waiting", "start", summary, data={"timeout": timeout}, timeout=timeout
        )
        return self._publish(event)

    def credentials_stored(
        self, store: str, *, expires_at: float | None, scopes: list[str], refreshable: bool
    ) -> CredentialsStored:
        data = redact_obj(
            {"store": store, "expires_at": expires_at, "scopes": scopes, "refreshable": refreshable}
        )
        summary = redact(f"credentials stored in {store}")
        return self._publish(
            CredentialsStored("stored", "ok", summary, data=data, store=data["store"])
        )

    def forward(self, event: _E) -> _E:
        """Record an event built (and redacted) by another trace, keeping its type."""
        return self._publish(event)

    def _publish(self, event: _E) -> _E:
        self.events.append(event)
        for listener in self._listeners:
            listener(event)
        return event

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.events]
