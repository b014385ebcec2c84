"""The loopback callback listener: an asyncio HTTP server that receives one authorization response.

It serves only the callback path, accepts exactly one response carrying the expected state,
checks the RFC 9207 ``iss`` parameter, and answers with a small self-contained page that never
echoes the code. No thread: it lives on the caller's event loop and closes when cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs, urlsplit, urlunsplit

from mcpdeck.net import is_local_name, is_loopback_host
from mcpdeck.oauth.errors import CallbackError
from mcpdeck.oauth.trace import FlowTrace, Status
from mcpdeck.records import record

DEFAULT_CALLBACK_PATH = "/callback"
DEFAULT_TIMEOUT_SEC = 300.0
_MAX_REQUEST_BYTES = 16 * 1024


@record(frozen=True)
class CallbackResult:
    """What an accepted authorization response carried."""

    code: str
    iss: str | None


@record(frozen=True)
class Expectation:
    """What the one acceptable authorization response must carry (state, RFC 9207 iss)."""

    state: str
    issuer: str
    iss_required: bool


@record(frozen=True)
class ListenSpec:
    """Where to listen and which redirect URI to register."""

    host: str
    port: int
    path: str
    redirect_uri: str | None = None  # None: redirect_base + bound port + path
    redirect_base: str = "http://127.0.0.1"


def listen_spec(callback_url: str | None, callback_port: int | None) -> ListenSpec:
    """Settings → listener: a non-local callback URL binds 0.0.0.0 and is the redirect URI.

    A callback URL that does not parse (``http://[``) or whose port is not a port
    (``http://localhost:99999/cb``) is a :class:`CallbackError`, like every other reason a
    login cannot receive its callback: callers report OAuth errors as one line.
    """
    if not callback_url:
        return ListenSpec("127.0.0.1", callback_port or 0, DEFAULT_CALLBACK_PATH)
    try:
        parts = urlsplit(callback_url)
        path = parts.path or DEFAULT_CALLBACK_PATH
        url_port = parts.port
    except ValueError as exc:
        # urlsplit's own words ("Invalid IPv6 URL", "Port out of range 0-65535") say what is
        # wrong; the URL is the user's config, shown through redaction like any output.
        raise CallbackError(
            f"the OAuth callback URL {callback_url!r} is not a valid URL: {exc}",
            hint="fix mcp_oauth_callback_url or the server's oauth.callback_url",
        ) from None
    # Browsers map *.localhost to loopback themselves: such a callback still binds 127.0.0.1.
    local = is_local_name(parts.hostname)
    host = "127.0.0.1" if local else "0.0.0.0"
    port = callback_port or url_port or 0
    if local and url_port is None:
        # A loopback URL without a port: the bound port goes into the redirect URI.
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return ListenSpec(host, port, path, None, base)
    return ListenSpec(host, port, path, urlunsplit((parts.scheme, parts.netloc, path, "", "")))


_CHOSEN_PORT = ListenSpec("127.0.0.1", 0, DEFAULT_CALLBACK_PATH)


def registered_spec(spec: ListenSpec, registered: list[str]) -> ListenSpec | None:
    """Where to listen so that the redirect URI is a registered one again, byte for byte.

    Only when the port is mcpdeck's to choose (neither a callback port nor a callback URL set
    one): a port the user configured is what the AS expects. Only a loopback http URI with an
    explicit port qualifies: any other could not be served by this listener.
    """
    if spec != _CHOSEN_PORT:
        return None
    for uri in registered:
        found = _loopback_spec(uri)
        if found is not None:
            return found
    return None


def _loopback_spec(uri: str) -> ListenSpec | None:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "http" or not port or not is_loopback_host(parts.hostname):
        return None
    if parts.query or parts.fragment:
        return None  # the browser's request would not carry them back as registered
    host = parts.hostname or ""
    # localhost binds 127.0.0.1 as in listen_spec; an address literal is the one registered.
    bind = "127.0.0.1" if host.rstrip(".") == "localhost" else host
    return ListenSpec(bind, port, parts.path or "/", uri)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcpdeck</title>
<style>body{{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1c1e21;display:flex;
align-items:center;justify-content:center;height:100vh;margin:0}}main{{background:#fff;
padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px #0002;max-width:32rem}}
h1{{font-size:1.2rem;margin:0 0 .6rem}}p{{margin:0;color:#555}}</style></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body></html>
"""


# html.escape's five replacements: importing html (which loads html.entities) cost ~1 ms of
# every login.
_HTML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
)


def _page(title: str, message: str) -> bytes:
    return _PAGE.format(
        title=title.translate(_HTML_ESCAPES), message=message.translate(_HTML_ESCAPES)
    ).encode()


class CallbackListener:
    """Usage: ``async with CallbackListener(spec, trace) as listener:`` then ``expect`` and
    ``wait``. The redirect URI is known once entered.

    ``preferred`` (from :func:`registered_spec`) is tried first; when its port is taken the
    listener falls back to ``spec``.
    """

    def __init__(
        self,
        spec: ListenSpec,
        trace: FlowTrace | None = None,
        *,
        preferred: ListenSpec | None = None,
    ) -> None:
        self.spec = spec
        self.trace = trace
        self._preferred = preferred
        self.redirect_uri = ""
        self._server: asyncio.Server | None = None
        self._expect: Expectation | None = None
        self._done: asyncio.Future[CallbackResult] | None = None
        self._used = False
        # Connections being served: a browser keeps idle ones open (speculative preconnects).
        self._connections: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> CallbackListener:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> str:
        self._server = await self._bind_preferred() or await self._bind()
        port = self._server.sockets[0].getsockname()[1]
        self.redirect_uri = (
            self.spec.redirect_uri or f"{self.spec.redirect_base}:{port}{self.spec.path}"
        )
        self._done = asyncio.get_running_loop().create_future()
        return self.redirect_uri

    async def _bind_preferred(self) -> asyncio.Server | None:
        preferred = self._preferred
        if preferred is None:
            return None
        try:
            server = await asyncio.start_server(self._handle, preferred.host, preferred.port)
        except OSError as exc:
            # Another program (or another login) holds it: a new registration is the price.
            self._emit(
                "info",
                f"the registered callback port {preferred.port} is not free "
                f"({exc.strerror or exc}); listening on another port",
            )
            return None
        self.spec = preferred
        return server

    async def _bind(self) -> asyncio.Server:
        try:
            return await asyncio.start_server(self._handle, self.spec.host, self.spec.port)
        except OSError as exc:
            raise CallbackError(
                f"cannot listen for the OAuth callback on {self.spec.host}:{self.spec.port}: {exc.strerror or exc}",
                hint="free the port or change mcp_oauth_callback_port",
            ) from None

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def expect(self, state: str, *, issuer: str, iss_required: bool) -> None:
        self._expect = Expectation(state, issuer, iss_required)

    async def wait(
        self, timeout: float = DEFAULT_TIMEOUT_SEC, *, server_name: str = "NAME"
    ) -> CallbackResult:
        assert self._done is not None, "start() first"
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(self._done)
        except TimeoutError:
            raise CallbackError(
                f"timed out waiting for the OAuth callback after {timeout:g} s; "
                f"run `mcpdeck login {server_name}` again"
            ) from None

    def accept_pasted(self, pasted: str) -> None:
        """A redirected callback URL the user pasted: checked as Codex checks it, then handled
        as the browser's request would be. A URL that does not belong to this login ends it."""
        from mcpdeck.oauth.paste import pasted_target

        if self._done is None or self._done.done():
            return
        try:
            target = pasted_target(pasted, self.redirect_uri)
        except CallbackError as exc:
            self._fail(f"{exc.message}; nothing was stored")
            return
        status, _title, message = self._dispatch("GET", target)
        if status != 200 and not self._done.done():
            self._fail(message.rstrip(".").lower()[:1] + message.rstrip(".")[1:])

    async def close(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.cancel()
        if self._server is not None:
            self._server.close()
            # End the connections still open (idle browser sockets) here, quietly: left to the
            # event loop's shutdown, each one printed a CancelledError traceback.
            connections = list(self._connections)
            for task in connections:
                task.cancel()
            if connections:
                await asyncio.gather(*connections, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    # -- the HTTP side ------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass  # the listener closed while this connection idled
        finally:
            writer.close()
            if task is not None:
                self._connections.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                await self._respond(writer, 400, "Bad request", "The request could not be read.")
                return
            if len(head) > _MAX_REQUEST_BYTES:
                await self._respond(writer, 431, "Bad request", "Request too large.")
                return
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            if len(parts) != 3:
                await self._respond(writer, 400, "Bad request", "Malformed request.")
                return
            method, target, _ = parts
            status, title, message = self._dispatch(method, target)
            await self._respond(writer, status, title, message)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _dispatch(self, method: str, target: str) -> tuple[int, str, str]:
        url = urlsplit(target)
        if url.path != self.spec.path:
            return 404, "Not found", "This address only receives mcpdeck's login callback."
        if method != "GET":
            return 405, "Method not allowed", "The login callback must be a GET request."
        if self._used or self._done is None or self._done.done():
            self._emit("fail", "callback request after the login was completed; rejected")
            return 400, "Already used", "This login callback was already used. Start a new login."
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        expect = self._expect
        if expect is None or query.get("state") != expect.state:
            self._emit("fail", "callback with a wrong or missing state; discarded")
            return (
                400,
                "Login not recognised",
                "This response does not belong to the login in progress (state mismatch). "
                "It was ignored.",
            )
        self._used = True
        iss = query.get("iss")
        if iss is None and expect.iss_required:
            return self._fail(
                "the authorization response has no iss parameter although the authorization "
                f"server {expect.issuer} advertises it (possible mix-up attack); nothing was stored"
            )
        if iss is not None and iss != expect.issuer:
            # Mix-up defence (RFC 9207): neither use nor display the response's fields.
            return self._fail(
                f"the authorization response came from issuer {iss!r}, not {expect.issuer!r} "
                "(possible mix-up attack); nothing was stored"
            )
        if "error" in query:
            desc = query.get("error_description") or ""
            words = f"{query['error']}" + (f": {desc}" if desc else "")
            return self._fail(
                f"the authorization server refused the login: {words}", error=query["error"]
            )
        code = query.get("code")
        if not code:
            return self._fail("the authorization response has no code")
        self._emit("ok", "authorization response received")
        assert self._done is not None
        self._done.set_result(CallbackResult(code=code, iss=iss))
        return 200, "Authentication complete", "Authentication complete. You may close this window."

    def _fail(self, message: str, *, error: str | None = None) -> tuple[int, str, str]:
        self._emit("fail", message)
        assert self._done is not None
        self._done.set_exception(CallbackError(message, oauth_error=error))
        return 400, "Login failed", message[:1].upper() + message[1:] + "."

    def _emit(self, status: Status, summary: str) -> None:
        if self.trace is not None:
            self.trace.emit("callback", status, summary)

    async def _respond(
        self, writer: asyncio.StreamWriter, status: int, title: str, message: str
    ) -> None:
        body = _page(title, message)
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(
            status, "Error"
        )
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
            "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n"
        ).encode()
        with contextlib.suppress(ConnectionError):
            writer.write(head + body)
            await writer.drain()
