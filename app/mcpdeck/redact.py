"""The one redaction helper every output path uses (trace, doctor, TUI, CLI, errors, logs).

Two mechanisms, both applied by :func:`redact`:
- secrets registered at run time (every token mcpdeck loads or receives is registered by the
  credential and OAuth layers) are replaced wherever they appear;
- patterns that look like credentials (``Bearer …``, ``access_token=…``, JSON token fields,
  ``code=``/``code_verifier=`` parameters, ``client_secret``) are masked even when unregistered.

:func:`for_display` is the display boundary: every string that did not come from mcpdeck itself
(server names and metadata, authorization server errors, config values from other people's
repositories, stderr) goes through it before a console or a widget sees it. It redacts, then
:func:`sanitize` makes terminal control characters visible, so a hostile server cannot write to
the clipboard (OSC 52), retitle the window (OSC 2) or wipe the screen (CSI 2J). JSON output does
not need it: JSON escapes control characters itself.
"""

from __future__ import annotations

import functools
import re
from _thread import allocate_lock
from collections.abc import Iterable, Mapping

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

MASK = "«redacted»"
_MIN_SECRET_LEN = 6

# threading.Lock is _thread's lock; importing threading for it cost `mcpdeck list` ~0.4 ms.
_lock = allocate_lock()
_secrets: set[str] = set()

_SENSITIVE_KEYS = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "code",
    "password",
    "assertion",
    "client_assertion",
    "token",
)
# Every match of the patterns below contains one of these, lower-cased.
_TRIGGERS = ("bearer", "basic", *_SENSITIVE_KEYS)
_SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Compiled on first use: most runs of `mcpdeck list` never redact anything, and compiling
    these at import cost every start-up about 1 ms."""
    return [
        # Authorization: Bearer xyz / Basic xyz. The value must look like a credential (a digit,
        # mixed case, or inner token punctuation), so prose such as "a static bearer token" stays readable.
        (
            re.compile(
                r"\b([Bb]earer|[Bb]asic|BEARER|BASIC)\s+"
                r"(?=[A-Za-z0-9._~+/=-]*(?:[0-9]|[a-z][A-Z]|[._~+/=-][A-Za-z0-9]))"
                r"[A-Za-z0-9._~+/=-]{5,}[A-Za-z0-9_~+/=-]"
            ),
            r"\1 " + MASK,
        ),
        # "access_token": "…" in JSON
        (
            re.compile(r'(?i)("(?:' + "|".join(_SENSITIVE_KEYS) + r')"\s*:\s*)"[^"]*"'),
            r'\1"' + MASK + '"',
        ),
        # access_token=… in query strings and form bodies
        (
            re.compile(r"(?i)\b((?:" + "|".join(_SENSITIVE_KEYS) + r")=)[^&\s\"'#]+"),
            r"\1" + MASK,
        ),
    ]


def register_secret(value: str | None) -> None:
    """Remember a secret so that every later :func:`redact` call masks it."""
    # Not only str: values come straight from token responses, before they are validated.
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)


def register_secrets(values: Iterable[str | None]) -> None:
    for value in values:
        register_secret(value)


def redact(text: str) -> str:
    """Return ``text`` with every known secret and credential-looking value masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    if text.isascii() and not _may_match(text.lower()):
        return text
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text


def _may_match(lowered: str) -> bool:
    """Whether an ASCII text could match a pattern of :func:`_patterns`: each needs one of these
    words, and on ASCII text case-insensitive matching is only ASCII case (non-ASCII text always
    goes through the patterns: re's IGNORECASE also matches "ı" for "i" and "ſ" for "s").
    Most texts have none (a status line, a server's error), and the patterns then cost
    nothing, not even their compiling: 1-2 ms of `mcpdeck list` on 100 servers."""
    return any(word in lowered for word in _TRIGGERS)


# C0 controls except tab and newline, DEL, and the C1 block (0x9b alone is CSI on some terminals).
# Pattern strings, compiled by re's own cache on first use (not at import: see _patterns).
_CONTROLS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
# Bidi embeddings, overrides and isolates reorder what follows them ("Trojan Source").
_BIDI = r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control picture: ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"


def sanitize(text: str) -> str:
    """``text`` with control characters made visible and bidi controls neutralised.

    Newline and tab pass; CRLF becomes a newline; every other C0/C1 control becomes a visible
    stand-in (ESC as ␛, 0x9b as ``\\x9b``) and bidi controls their ``\\u202e`` spelling.
    """
    if not text or text.isprintable():
        # Nothing to do (controls, bidi marks and CR are all non-printable): most lines, and
        # a login no longer compiles the two patterns (~0.5 ms) for none of them.
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    text = re.sub(_CONTROLS, _visible, text)
    return re.sub(_BIDI, lambda m: f"\\u{ord(m.group()):04x}", text)


def for_display(value: object) -> str:
    """The display boundary: ``value`` as text, redacted and sanitized for a terminal or widget."""
    return sanitize(redact(value if isinstance(value, str) else str(value)))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names kept, values of credential headers masked, the rest redacted as text."""
    return {
        name: (MASK if name.lower() in _SENSITIVE_HEADERS else redact(value))
        for name, value in headers.items()
    }


def redact_obj(value: Any) -> Any:
    """Redact a JSON-like structure: sensitive keys masked, every string passed through redact."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if (
                isinstance(key, str)
                and key.lower() in _SENSITIVE_KEYS
                and isinstance(item, str)
                and item
            ):
                out[key] = MASK
            else:
                out[key] = redact_obj(item)
        return out
    if isinstance(value, list | tuple):
        return [redact_obj(item) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value
