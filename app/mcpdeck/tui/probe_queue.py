"""Probe results waiting for the next frame: the screen is told once per burst, not per result.

Pure (no Textual). ``Services.probe`` hands each result to the main screen on the event loop as
soon as the probe child reports it; the screen queues it here and applies the queue after the
next screen update, :data:`BATCH_PER_FRAME` rows at a time.
"""

from __future__ import annotations

from mcpdeck.tui.model import Probe

# The probe child's results arrive in bursts; 100 row updates at once held the loop for
# 50-70 ms on a busy machine, 40 per frame keeps a key press answered in between.
BATCH_PER_FRAME = 40


class ProbeQueue:
    def __init__(self, per_frame: int = BATCH_PER_FRAME) -> None:
        self.per_frame = per_frame
        self._waiting: list[Probe] = []
        self._told = False  # the screen has been told and has not drained the queue yet

    def add(self, probe: Probe) -> bool:
        """Queue ``probe``; True when the screen must be told (nothing was waiting for it)."""
        self._waiting.append(probe)
        if self._told:
            return False
        self._told = True
        return True

    def take(self) -> tuple[list[Probe], bool]:
        """At most ``per_frame`` results, oldest first, and whether more are still waiting."""
        batch, self._waiting = self._waiting[: self.per_frame], self._waiting[self.per_frame :]
        more = bool(self._waiting)
        self._told = more
        return batch, more
