"""SHA-256 hex digests for credential keys, without OpenSSL's start-up.

``hashlib`` loads OpenSSL (``_hashlib``) on import: about 2.7 ms of every ``mcpdeck list`` that
looks at stored credentials, to hash a few short keys. CPython's built-in SHA-256 gives the same
digest without it (``_sha2`` since 3.12, ``_sha256`` before); hashlib stays the fallback.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

_sha256: Callable[[bytes], Any]
try:
    from _sha2 import sha256 as _sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
except ImportError:
    try:
        from _sha256 import sha256 as _sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:  # another Python: hashlib has it
        from hashlib import sha256 as _sha256


def sha256_hex(text: str) -> str:
    """The SHA-256 of ``text`` (UTF-8) in lower-case hex."""
    return str(_sha256(text.encode("utf-8")).hexdigest())


def sha256_digest(data: bytes) -> bytes:
    """The SHA-256 of ``data``, raw (a login's PKCE S256 challenge: no OpenSSL load there either)."""
    return bytes(_sha256(data).digest())
