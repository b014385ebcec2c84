"""Process-wide network settings shared by every HTTP client mcpdeck creates."""

from __future__ import annotations

import functools
import ssl


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """One TLS context for every client (status probes, login, sessions, doctor).

    Building a context loads the CA bundle (~30 ms of CPU on the event loop); each new httpx
    client would build its own, which serialised the doctor's concurrent servers.
    """
    try:
        import certifi
    except ImportError:  # certifi comes with httpx; fall back to the system store without it
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())
