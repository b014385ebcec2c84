"""The one HTTP client factory: every outgoing request of mcpdeck goes through :func:`new_client`.

Status probes, discovery, registration, login, refresh, revocation, the doctor and MCP sessions
all get the same rules:

- the library is ``httpx2``, the one the MCP SDK speaks (one HTTP stack in the process);
- TLS: one certificate-verifying context per process (the SDK's own rule: the system store,
  ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured), built only when an https URL is first used —
  building it loads the CA bundle, about 30 ms of CPU that a probe of http-only servers skips;
- proxies: ``https_proxy``/``http_proxy``/``all_proxy`` and ``no_proxy`` from the environment
  (lower case first, as curl does), never for loopback hosts (a proxy cannot reach them);
  ``.netrc`` and other ambient credentials are never read;
- redirects are never followed (metadata, registration and token requests must be served
  directly; the SDK's session requests too);
- a timeout on every request (``timeout``); bodies that mcpdeck reads itself go through
  ``mcpdeck.oauth.fetch.bounded_request`` and its size limits;
- one small connection pool per origin: connections are reused per host, and the pool's
  bookkeeping on every request event walks only that host's connections (one shared pool
  walked all of them: with 300 requests in flight that was most of the CPU per request).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

    import httpx2

DEFAULT_TIMEOUT_SEC = 15.0
# Per origin. Status probes send up to three requests per server at once and one host may
# serve hundreds of servers (a gateway): 2000 requests at 200 ms each through 256 connections
# take under 2 s, within the probe timeout. The pool's per-event bookkeeping is linear in the
# connections it holds, which stays small for the usual one-server hosts.
MAX_CONNECTIONS_PER_ORIGIN = 256
MAX_KEEPALIVE_PER_ORIGIN = 32

Wrap = Callable[["httpx2.AsyncBaseTransport"], "httpx2.AsyncBaseTransport"]


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The certificate-verifying TLS context every https connection uses (built once)."""
    import httpx2

    return httpx2.create_ssl_context()


@functools.cache
def plain_context() -> ssl.SSLContext:
    """Handed to pools that only ever speak plain http: it never wraps a socket.

    Verification stays on and it trusts no CA, so if it were ever used it would fail closed.
    """
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def ensure_open_files(needed: int) -> int | None:
    """Raise the soft limit on open files towards ``needed`` (never above the hard limit);
    the soft limit now in force, None when there is none (or no way to know).

    Many servers probed at once hold three sockets each; the soft limit is often 1024
    (256 on macOS) while the hard limit is far higher.
    """
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return int(soft)


# Cached: a status run asks about the same few hosts thousands of times (1000 servers: 7000
# calls, ~60 ms of CPU in ipaddress).
@functools.lru_cache(maxsize=1024)
def is_loopback_host(host: str | None) -> bool:
    """A loopback address literal (127/8, ::1), or ``localhost`` itself: decided without name
    resolution.

    ``*.localhost`` is not: RFC 6761 asks resolvers to map it to loopback, but nothing forces
    the resolver in use (a hosts file, a corporate DNS) to, so plain http to it could leave the
    machine.
    """
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local_name(host: str | None) -> bool:
    """Loopback, or a ``*.localhost`` name: never sent through a proxy, and what browsers map to
    loopback themselves (a login callback there binds 127.0.0.1). Not trusted for plain-http
    authorization endpoints: that is :func:`is_loopback_host`."""
    return is_loopback_host(host) or (host or "").lower().rstrip(".").endswith(".localhost")


def _env(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name.lower()) or environ.get(name.upper()) or ""


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """``no_proxy``: ``*``, or comma-separated host names/domains (``.example.com`` or
    ``example.com`` both cover ``api.example.com``), optionally with ``:port``."""
    host = host.strip("[]").lower().rstrip(".")
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, sep, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if sep and entry_port.isdigit() and port is not None and int(entry_port) != port:
            continue
        name = (name if sep else entry).lstrip("*").lstrip(".").strip("[]")
        if host == name or host.endswith("." + name):
            return True
    return False


def proxy_for(
    scheme: str, host: str, port: int | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The proxy URL the environment asks for this URL's origin, or None for a direct connection."""
    env = os.environ if environ is None else environ
    if is_local_name(host) or _bypassed(host, port, _env(env, "no_proxy")):
        return None
    return _env(env, f"{scheme}_proxy") or _env(env, "all_proxy") or None


def describe_http_error(exc: BaseException) -> str:
    """An httpx2 transport failure in a few words, for one-line errors (the words
    :class:`mcpdeck.net_probe.TransportError` uses too)."""
    import httpx2

    if isinstance(exc, httpx2.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    return type(exc).__name__


def new_transport(environ: Mapping[str, str] | None = None) -> httpx2.AsyncBaseTransport:
    """The transport under every client (exposed for wrappers such as the session recorder)."""
    from mcpdeck.net_pool import PerOriginTransport

    return PerOriginTransport(environ)


def new_client(
    *,
    timeout: float = DEFAULT_TIMEOUT_SEC,
    read_timeout: float | None = None,
    auth: httpx2.Auth | None = None,
    wrap: Wrap | None = None,
    environ: Mapping[str, str] | None = None,
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` with mcpdeck's rules (see the module docstring).

    ``wrap`` gets the transport and returns the one the client uses (the session's recorder);
    ``environ`` is where proxy variables are read (default ``os.environ``).
    """
    import httpx2

    transport = new_transport(environ)
    return httpx2.AsyncClient(
        transport=wrap(transport) if wrap is not None else transport,
        auth=auth,
        timeout=httpx2.Timeout(timeout, read=read_timeout if read_timeout else timeout),
        follow_redirects=False,
        # Proxies come from the transport above; nothing else ambient (.netrc) is read.
        trust_env=False,
    )
