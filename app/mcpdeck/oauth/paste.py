"""A redirected callback URL pasted by the user, for machines whose browser cannot reach the
listener (``login --no-browser``): checked as Codex 0.171.0 checks it before anything is used.

The pasted text is never echoed: it carries the authorization code.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from mcpdeck.oauth.errors import CallbackError

MAX_PASTE_BYTES = 64 * 1024


def pasted_target(pasted: str, redirect_uri: str) -> str:
    """The path and query to hand to the listener; CallbackError when the URL is not this
    login's redirect URI (or smuggles credentials, a fragment, or changed parameters)."""
    if len(pasted.encode("utf-8", "replace")) > MAX_PASTE_BYTES:
        raise CallbackError("the pasted callback URL is larger than 64 KiB")
    text = pasted.strip()
    try:
        got = urlsplit(text)
        want = urlsplit(redirect_uri)
        got_port, want_port = got.port, want.port
    except ValueError:
        raise CallbackError("the pasted text is not a callback URL") from None
    if not got.scheme or not got.netloc:
        raise CallbackError("the pasted text is not a callback URL")
    if got.fragment or got.username is not None or got.password is not None:
        raise CallbackError("the pasted callback URL must not contain credentials or a fragment")
    if (
        got.scheme.lower() != want.scheme.lower()
        or (got.hostname or "").lower() != (want.hostname or "").lower()
        or got_port != want_port
        or (got.path or "/") != (want.path or "/")
    ):
        raise CallbackError("the pasted URL is not this login's redirect URI")
    params = parse_qsl(got.query, keep_blank_values=True)
    expected = parse_qsl(want.query, keep_blank_values=True)
    for pair in expected:
        if pair not in params:
            raise CallbackError("the pasted URL is not this login's redirect URI")
        params.remove(pair)
    names = [name for name, _ in params]
    if any(name in dict(expected) for name in names):
        raise CallbackError("the pasted URL changes this login's redirect query parameters")
    if len(set(names)) != len(names):
        raise CallbackError("the pasted callback URL contains duplicate parameters")
    found = dict(params)
    if not found.get("state"):
        raise CallbackError("the pasted callback URL has no state")
    if "error" in found and "code" in found:
        raise CallbackError("the pasted callback URL contains both a code and an error")
    return got.path + ("?" + got.query if got.query else "")
