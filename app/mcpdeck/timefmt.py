"""Durations written for people: one pure formatter shared by the CLI, the doctor and the TUI.

It lives on its own (no I/O, no imports) so that TUI widgets and screens can use it without
reaching ``mcpdeck.status``, which probes servers.
"""

from __future__ import annotations


def describe_time_left(seconds: float) -> str:
    """'2 h 5 min', '4 min 10 s', '12 s' — for people, not machines."""
    s = int(max(seconds, 0))
    if s >= 86400:
        return f"{s // 86400} d {s % 86400 // 3600} h"
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"
