"""The HTTP/1.1 wire rules of the probe client, over bytes: how a head is read, how a body
ends, and what is refused from a (possibly hostile) server or could split a request.

The same client is exercised over real sockets in ``test_probe_client.py``; here each framing
edge is fed directly, including bodies split at every byte boundary.
"""

from __future__ import annotations

import pytest

from mcpdeck.http1 import (
    MAX_HEAD_BYTES,
    Body,
    LocalProtocolError,
    RemoteProtocolError,
    head_length,
    parse_head,
    request_bytes,
)


def read(
    raw: bytes, method: str = "GET", *, step: int | None = None
) -> tuple[int, dict, bytes, Body]:
    """Parse one response from ``raw`` fed ``step`` bytes at a time (all at once when None)."""
    end = head_length(raw)
    assert end is not None
    minor, status, headers = parse_head(raw[:end])
    body = Body(method, status, headers, minor)
    rest = raw[end:]
    buffer = bytearray()
    out = bytearray()
    pieces = [rest] if step is None else [rest[i : i + step] for i in range(0, len(rest), step)]
    for piece in pieces:
        buffer += piece
        out += body.take(buffer)
    return status, headers, bytes(out), body


CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;name=value\r\nhello\r\n"
    b"7\r\n, world\r\n"
    b"0\r\nX-Trailer: yes\r\n\r\n"
)


@pytest.mark.parametrize("step", [None, 1, 2, 3, 7])
def test_chunked_body_with_extensions_and_trailers_at_any_split(step: int | None) -> None:
    _, _, data, body = read(CHUNKED, step=step)
    assert data == b"hello, world"
    assert body.done and body.reusable


def test_bytes_after_a_complete_body_stay_in_the_buffer() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204"
    end = head_length(raw)
    assert end is not None
    minor, status, headers = parse_head(raw[:end])
    body = Body("GET", status, headers, minor)
    buffer = bytearray(raw[end:])
    assert body.take(buffer) == b"abc" and body.done
    assert bytes(buffer) == b"HTTP/1.1 204"


@pytest.mark.parametrize(
    "chunk",
    [b"zz\r\nhello\r\n0\r\n\r\n", b"\r\nhello\r\n0\r\n\r\n", b"-5\r\nhello\r\n0\r\n\r\n"],
)
def test_a_bad_chunk_size_is_refused(chunk: bytes) -> None:
    with pytest.raises(RemoteProtocolError, match="chunk size"):
        read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk)


def test_a_chunk_longer_than_its_size_is_refused() -> None:
    with pytest.raises(RemoteProtocolError, match="longer than its size"):
        read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n")


def test_an_endless_chunk_line_is_refused_not_buffered() -> None:
    with pytest.raises(RemoteProtocolError, match="too long"):
        read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;" + b"x" * 5000)


def test_an_endless_trailer_is_refused() -> None:
    trailer = b"".join(b"X-T%d: %s\r\n" % (i, b"v" * 500) for i in range(40))
    with pytest.raises(RemoteProtocolError, match="trailer too large"):
        read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer + b"\r\n")


@pytest.mark.parametrize("coding", [b"gzip", b"gzip, chunked", b"chunked, chunked", b"identity"])
def test_a_transfer_coding_other_than_chunked_is_refused(coding: bytes) -> None:
    with pytest.raises(RemoteProtocolError, match="Transfer-Encoding"):
        read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + coding + b"\r\n\r\n")


@pytest.mark.parametrize(
    "lengths",
    [
        [b"3", b"4"],  # two fields that disagree: the smuggling case
        [b"3, 4"],
        [b"-1"],
        [b"+3"],
        [b"0x10"],
        [b"\xd9\xa3"],  # a non-ASCII digit str.isdigit() would accept
        [b"9" * 19],
    ],
)
def test_an_ambiguous_or_invalid_content_length_is_refused(lengths: list[bytes]) -> None:
    fields = b"".join(b"Content-Length: " + v + b"\r\n" for v in lengths)
    with pytest.raises(RemoteProtocolError, match="Content-Length"):
        read(b"HTTP/1.1 200 OK\r\n" + fields + b"\r\nabcd")


def test_repeated_equal_content_lengths_are_one_length() -> None:
    _, _, data, body = read(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
    assert data == b"abc" and body.done


def test_a_body_without_framing_ends_with_the_connection() -> None:
    _, _, data, body = read(b"HTTP/1.1 200 OK\r\n\r\npartial")
    assert data == b"partial" and not body.done and not body.reusable
    assert body.ended_by_close() and body.done


def test_a_close_before_the_content_length_is_a_cut_short_body() -> None:
    _, _, data, body = read(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert data == b"abc"
    assert not body.ended_by_close()


@pytest.mark.parametrize(
    ("method", "status"), [("HEAD", 200), ("GET", 204), ("GET", 304), ("GET", 103)]
)
def test_responses_that_have_no_body(method: str, status: int) -> None:
    raw = b"HTTP/1.1 %d X\r\nContent-Length: 10\r\n\r\n" % status
    _, _, data, body = read(raw, method)
    assert data == b"" and body.done


@pytest.mark.parametrize(
    ("raw", "reusable"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n", True),
    ],
)
def test_which_connections_can_carry_another_request(raw: bytes, reusable: bool) -> None:
    assert read(raw)[3].reusable is reusable


def test_head_length_waits_for_the_blank_line_and_accepts_bare_line_feeds() -> None:
    assert head_length(b"HTTP/1.1 200 OK\r\nA: b\r\n") is None
    assert head_length(b"HTTP/1.1 200 OK\nA: b\n\nbody") == len(b"HTTP/1.1 200 OK\nA: b\n\n")


def test_a_head_beyond_the_limit_is_refused() -> None:
    with pytest.raises(RemoteProtocolError, match="too large"):
        head_length(b"HTTP/1.1 200 OK\r\nX: " + b"a" * MAX_HEAD_BYTES)


def test_headers_are_case_insensitive_and_repeated_fields_joined() -> None:
    _, headers, _, _ = read(
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer a=1\r\n"
        b"www-authenticate:  Basic  \r\nContent-Length: 0\r\n\r\n"
    )
    assert headers.get("WWW-Authenticate") == "Bearer a=1, Basic"
    assert headers.get("Missing", "none") == "none"


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\x1b[2J\r\n\r\n",
    ],
)
def test_a_status_line_that_is_not_http_1_is_refused(head: bytes) -> None:
    with pytest.raises(RemoteProtocolError, match="status line"):
        parse_head(head)


@pytest.mark.parametrize(
    "field",
    [
        b"X-Evil: a\x1b]52;c;ZXZpbA==\x07",  # terminal escape in a value
        b"X-Nul: a\x00b",
    ],
)
def test_control_characters_in_a_header_value_are_refused(field: bytes) -> None:
    with pytest.raises(RemoteProtocolError, match="control character"):
        parse_head(b"HTTP/1.1 200 OK\r\n" + field + b"\r\n\r\n")


@pytest.mark.parametrize(
    "line", [b" folded continuation", b"No colon here", b"Bad Name: x", b": empty name"]
)
def test_malformed_header_lines_and_obsolete_folding_are_refused(line: bytes) -> None:
    with pytest.raises(RemoteProtocolError, match="malformed header"):
        parse_head(b"HTTP/1.1 200 OK\r\nX-A: b\r\n" + line + b"\r\n\r\n")


def test_a_request_on_the_wire() -> None:
    raw = request_bytes("POST", "/token?a=1", [("Host", "h:1"), ("Content-Length", "3")], b"x=1")
    assert raw == b"POST /token?a=1 HTTP/1.1\r\nHost: h:1\r\nContent-Length: 3\r\n\r\nx=1"


@pytest.mark.parametrize(
    ("method", "target", "fields"),
    [
        ("GET", "/", [("Authorization", "Bearer t\r\nX-Injected: 1")]),
        ("GET", "/", [("X-Bad\r\nName", "v")]),
        ("GET", "/a b", []),
        ("GET", "/\r\nX: 1", []),
        ("G ET", "/", []),
        ("GET", "/", [("X-Name", "caf\u00e9")]),
    ],
)
def test_a_request_that_could_be_split_or_is_not_ascii_is_refused(
    method: str, target: str, fields: list[tuple[str, str]]
) -> None:
    with pytest.raises(LocalProtocolError):
        request_bytes(method, target, fields, None)
