"""When the TUI refreshes a server's tokens in the background, and when it stops trying.

Pure: no Textual, no I/O and no clock of its own (every decision takes ``now``), so a test
moves time by passing another number. The main screen asks :meth:`RefreshPolicy.start_due`
once a second and runs the refreshes it names; ``Services.refresh`` does the refreshing.
"""

from __future__ import annotations

from collections.abc import Iterable

from mcpdeck.credentials.record import refresh_margin
from mcpdeck.tui.model import Probe, RowState

# After a background refresh attempt, the same server waits this long before the next one: an
# authorization server issuing tokens shorter-lived than the margin must not be asked every tick.
REFRESH_COOLDOWN_SEC = 30.0


def token_lifetime(probe: Probe) -> float | None:
    """The stored token's lifetime, as far as the probe knows it (the margin scales with it)."""
    if probe.expires_at is None or not probe.obtained_at:
        return None
    return probe.expires_at - probe.obtained_at


class RefreshPolicy:
    """Which servers are due a refresh: in flight, failed (blocked) and cooling-down state."""

    def __init__(self, cooldown: float = REFRESH_COOLDOWN_SEC) -> None:
        self.cooldown = cooldown
        self.in_flight: set[str] = set()
        # A failed refresh is never retried on its own: the user acts first (l or r).
        self.blocked: set[str] = set()
        self.refreshed_at: dict[str, float] = {}  # the last refresh that stored new tokens
        self._not_before: dict[str, float] = {}

    def is_due(self, row: RowState, now: float) -> bool:
        probe = row.probe
        name = row.server.name
        return (
            probe is not None
            and probe.auth_status == "authenticated"
            and probe.refreshable
            and probe.expires_at is not None
            and probe.expires_at - now <= refresh_margin(token_lifetime(probe))
            and row.server.enabled
            and not row.checking
            and name not in self.in_flight
            and name not in self.blocked
            and now >= self._not_before.get(name, 0.0)
        )

    def start_due(self, rows: Iterable[RowState], now: float) -> list[str]:
        """The servers to refresh now; each is in flight and cools down from ``now``."""
        due = [row.server.name for row in rows if self.is_due(row, now)]
        for name in due:
            self.in_flight.add(name)
            self._not_before[name] = now + self.cooldown
        return due

    def finished(self, name: str, *, failed: bool) -> None:
        """The attempt ended; a failure blocks the server until :meth:`allow`."""
        self.in_flight.discard(name)
        if failed:
            self.blocked.add(name)

    def refreshed(self, name: str, now: float) -> None:
        self.refreshed_at[name] = now

    def allow(self, name: str) -> None:
        """The user acted (r, R, a login): a failed background refresh may be tried again."""
        self.blocked.discard(name)
        self._not_before.pop(name, None)
