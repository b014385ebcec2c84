"""Bearer challenges as the session layer keeps them.

The session layer stores a WWW-Authenticate value in display form ("Bearer: k=v", see
``session.http.challenge_text``) so that redaction never mistakes the parameters for a token.
Every question about a challenge goes through the one WWW-Authenticate parser
(``mcpdeck.oauth.challenge``): a substring test would take the words "insufficient_scope"
inside an ``error_description`` for the error itself.
"""

from __future__ import annotations

from mcpdeck.oauth.challenge import Challenge, bearer_challenge


def parse_challenge(text: str | None) -> Challenge | None:
    """The Bearer challenge in a raw header or in its display form, if any."""
    if not text:
        return None
    scheme, sep, rest = text.strip().partition(" ")
    return bearer_challenge(f"{scheme.rstrip(':')}{sep}{rest}")


def refuses_scope(text: str | None) -> bool:
    """A Bearer challenge whose ``error`` is ``insufficient_scope`` (RFC 6750 §3.1)."""
    challenge = parse_challenge(text)
    return challenge is not None and challenge.error == "insufficient_scope"
