"""The calls made in this session, per server (arguments and results, redacted), newest first.

Kept in memory only: history is for re-running a call a minute later, not an audit log.
No Textual, no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcpdeck.session.results import CallKind, CallResult

MAX_PER_SERVER = 20


@dataclass(frozen=True)
class CallRequest:
    """What to call: enough to run it again."""

    server: str
    kind: CallKind
    target: str  # tool or prompt name, or resource URI
    arguments: dict[str, Any] = field(default_factory=dict)
    title: str = ""  # what the user picked (a template's name, …)


@dataclass
class CallHistory:
    entries: dict[str, list[tuple[CallRequest, CallResult]]] = field(default_factory=dict)

    def add(self, request: CallRequest, result: CallResult) -> None:
        # The arguments are kept as the result recorded them: redacted.
        kept = CallRequest(
            request.server, request.kind, request.target, dict(result.arguments), request.title
        )
        rows = self.entries.setdefault(request.server, [])
        rows.insert(0, (kept, result))
        del rows[MAX_PER_SERVER:]

    def of(self, server: str) -> list[tuple[CallRequest, CallResult]]:
        return list(self.entries.get(server, []))
