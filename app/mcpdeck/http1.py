"""HTTP/1.1 on the wire for the lean client of :mod:`mcpdeck.net_probe`: the request bytes, the
response head and how a response body ends. Pure code over bytes, no I/O.

Why not h11: a status run sends about three small requests per server, and with 1000 servers
h11's generic state machine (event objects, header validation through several layers) was
about a fifth of the client's CPU; this module does the same checks for the one shape of
exchange the client has (one request, one response, keep-alive or not) in plain loops.

Strict on what the client reads from a server, which may be hostile: a head is at most
``MAX_HEAD_BYTES``, a header name must be a token, a value must hold no control character, a
body's framing must be unambiguous (one Content-Length, or chunked, or until the connection
closes). Anything else raises :class:`RemoteProtocolError`. What the client sends is checked
too (:class:`LocalProtocolError`): a header value from a config file or a credential store
cannot split the request.
"""

from __future__ import annotations

import re
from typing import Any

MAX_HEAD_BYTES = 16 * 1024  # as h11: a larger response head is refused, not buffered
MAX_CHUNK_LINE = 1024  # a chunk-size line (size and extensions) or one trailer line

_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_TOKEN_TEXT = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_VALUE_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: [^\x00-\x08\x0a-\x1f\x7f]*)?")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE_BREAK = re.compile(rb"\r?\n")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class RemoteProtocolError(Exception):
    """The server's bytes are not an HTTP/1.1 response this client accepts."""


class LocalProtocolError(Exception):
    """The request cannot be written as HTTP/1.1 (a control character in a header, ...)."""


class Headers(dict[str, str]):
    """Response headers by lower-case name; repeated fields joined with ", " (as httpx2)."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


def request_bytes(
    method: str, target: str, fields: list[tuple[str, str]], content: bytes | None
) -> bytes:
    """The request line, the header fields and the body, ready to send."""
    if not _TOKEN_TEXT.fullmatch(method) or _BAD_VALUE_TEXT.search(target) or " " in target:
        raise LocalProtocolError(f"cannot send {method} {target!r}")
    lines = [f"{method} {target} HTTP/1.1"]
    for name, value in fields:
        if not _TOKEN_TEXT.fullmatch(name) or _BAD_VALUE_TEXT.search(value):
            raise LocalProtocolError(f"header {name!r} cannot be sent")
        lines.append(f"{name}: {value}")
    lines.append("\r\n")
    try:
        head = "\r\n".join(lines).encode("ascii")
    except UnicodeEncodeError:
        raise LocalProtocolError("a header holds a character that is not ASCII") from None
    return head + content if content else head


def head_length(buffer: bytes | bytearray) -> int | None:
    """Length of the response head at the start of ``buffer``, blank line included; None while
    it is incomplete. Raises when it would pass ``MAX_HEAD_BYTES``."""
    found = _HEAD_END.search(buffer, 0, MAX_HEAD_BYTES + 4)
    if found is not None:
        return found.end()
    if len(buffer) > MAX_HEAD_BYTES:
        raise RemoteProtocolError("response head too large")
    return None


def parse_head(head: bytes) -> tuple[int, int, Headers]:
    """(HTTP minor version, status, headers) of a complete head (see :func:`head_length`)."""
    lines = _LINE_BREAK.split(head.rstrip(b"\r\n"))
    status_line = _STATUS_LINE.fullmatch(lines[0])
    if status_line is None:
        raise RemoteProtocolError("not an HTTP/1.1 status line")
    headers = Headers()
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            # An obsolete line folding (a line starting with a space) lands here too: RFC 9112
            # lets a client refuse it.
            raise RemoteProtocolError("malformed header line")
        value = value.strip(b" \t")
        if _BAD_VALUE.search(value):
            raise RemoteProtocolError("control character in a header value")
        key = name.decode("ascii").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return int(status_line[1]), int(status_line[2]), headers


class Body:
    """How one response's body ends (RFC 9112 §6.3), and its bytes as they arrive.

    :meth:`take` moves what the buffer holds of the body out of it; ``done`` once the body is
    complete. ``reusable``: the connection can carry another request after this body."""

    __slots__ = ("_left", "_state", "_trailer_bytes", "done", "reusable", "until_close")

    def __init__(self, method: str, status: int, headers: Headers, minor_version: int) -> None:
        self.done = False
        self.until_close = False
        self._left = 0
        self._trailer_bytes = 0
        self._state = "length"
        connection = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        self.reusable = minor_version == 1 and "close" not in connection
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            self.done = True
            return
        coding = headers.get("transfer-encoding")
        length = headers.get("content-length")
        if coding is not None:
            if coding.strip().lower() != "chunked":
                raise RemoteProtocolError(f"unsupported Transfer-Encoding {coding!r}")
            self._state = "size"
        elif length is not None:
            values = {v.strip() for v in length.split(",")}
            text = values.pop()
            if values or not text.isdigit() or not text.isascii() or len(text) > 18:
                raise RemoteProtocolError("invalid Content-Length")
            self._left = int(text)
            self.done = self._left == 0
        else:
            self.until_close = True
            self.reusable = False

    def take(self, buffer: bytearray) -> bytes:
        """The body bytes at the start of ``buffer``, removed from it (``b""`` when none yet)."""
        if self.done:
            return b""
        if self.until_close:
            data = bytes(buffer)
            buffer.clear()
            return data
        if self._state == "length":
            data = bytes(buffer[: self._left])
            del buffer[: self._left]
            self._left -= len(data)
            self.done = self._left == 0
            return data
        return self._take_chunks(buffer)

    def _take_chunks(self, buffer: bytearray) -> bytes:
        out = bytearray()
        while not self.done:
            if self._state == "data":
                data = buffer[: self._left]
                del buffer[: self._left]
                out += data
                self._left -= len(data)
                if self._left:
                    break
                self._state = "data-end"
                continue
            line = self._line(buffer)
            if line is None:
                break
            if self._state == "data-end":
                if line:
                    raise RemoteProtocolError("chunk longer than its size")
                self._state = "size"
            elif self._state == "size":
                size = line.partition(b";")[0].strip(b" \t")
                if not _CHUNK_SIZE.fullmatch(size):
                    raise RemoteProtocolError("invalid chunk size")
                self._left = int(size, 16)
                self._state = "data" if self._left else "trailer"
            else:  # trailer fields, ignored, until the blank line
                self._trailer_bytes += len(line)
                if self._trailer_bytes > MAX_HEAD_BYTES:
                    raise RemoteProtocolError("trailer too large")
                self.done = not line
        return bytes(out)

    @staticmethod
    def _line(buffer: bytearray) -> bytes | None:
        end = buffer.find(b"\n", 0, MAX_CHUNK_LINE + 1)
        if end < 0:
            if len(buffer) > MAX_CHUNK_LINE:
                raise RemoteProtocolError("chunk line too long")
            return None
        line = bytes(buffer[:end]).removesuffix(b"\r")
        del buffer[: end + 1]
        return line

    def ended_by_close(self) -> bool:
        """The connection ended: True when that ends this body, False when it cut it short."""
        if self.until_close:
            self.done = True
        return self.done
