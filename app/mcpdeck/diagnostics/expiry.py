"""A token's expiry in words, for the doctor's report."""

from __future__ import annotations

import time

from mcpdeck.timefmt import describe_time_left


def expires_words(expires_at: float | None) -> str | None:
    """ "expires in 3 min", "expired", or None when the token does not expire."""
    if expires_at is None:
        return None
    left = expires_at - time.time()
    return f"expires in {describe_time_left(left)}" if left > 0 else "expired"
