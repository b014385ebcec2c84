"""Probe results queued for the next frame: one notice per burst, drained in bounded passes."""

from __future__ import annotations

from mcpdeck.tui.model import Probe
from mcpdeck.tui.probe_queue import BATCH_PER_FRAME, ProbeQueue


def probe(n: int) -> Probe:
    return Probe(name=f"s{n:03d}", auth_status="none", detail="")


def test_a_burst_is_one_notice_and_passes_of_at_most_per_frame() -> None:
    queue = ProbeQueue()
    told = [queue.add(probe(n)) for n in range(BATCH_PER_FRAME + 10)]
    assert told == [True] + [False] * (BATCH_PER_FRAME + 9)
    first, more = queue.take()
    assert [p.name for p in first] == [f"s{n:03d}" for n in range(BATCH_PER_FRAME)]
    assert more
    assert not queue.add(probe(999))  # the screen is still draining: no second notice
    second, more = queue.take()
    assert [p.name for p in second] == [
        *(f"s{n:03d}" for n in range(BATCH_PER_FRAME, BATCH_PER_FRAME + 10)),
        "s999",
    ]
    assert not more


def test_after_draining_the_next_result_notifies_again() -> None:
    queue = ProbeQueue(per_frame=2)
    assert queue.add(probe(1))
    assert queue.take() == ([probe(1)], False)
    assert queue.take() == ([], False)
    assert queue.add(probe(2))
