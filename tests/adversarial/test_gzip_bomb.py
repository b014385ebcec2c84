"""Gzip bomb: a 250 KB gzip body that inflates to 256 MB, served as protected resource metadata
by a real loopback server. The body limit counts decoded bytes while streaming, so neither
`login` nor `list` inflates it: peak RSS of the real process stays near a harmless run's
(issue 12, finding 6)."""

from __future__ import annotations

import os
import subprocess
import zlib

import pytest

from tests.adversarial.conftest import Deck
from tests.adversarial.hostile_http import Hostility, gzip_bomb, hostile_server

DECODED = 256 * 1024 * 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    body = gzip_bomb(DECODED)
    assert len(body) < 300 * 1024  # a small download …
    assert len(zlib.decompress(body, zlib.MAX_WBITS | 16)) > DECODED  # … that inflates 1000×
    return body


def _peak_rss_mb(deck: Deck, *args: str) -> tuple[float, bytes]:
    """Run mcpdeck to its end; its own peak resident set (wait4 rusage) and its output."""
    proc = subprocess.Popen(
        deck.argv(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=deck.env(),
        cwd=deck.repo,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped above
    return usage.ru_maxrss / 1024, output  # ru_maxrss is in KiB on Linux


@pytest.mark.parametrize("command", [("list", "--json"), ("login", "bomb", "--no-browser")])
def test_a_gzip_bomb_prm_does_not_inflate(
    deck: Deck, bomb: bytes, command: tuple[str, ...]
) -> None:
    with hostile_server(Hostility()) as base:
        deck.write_user(f'[mcp_servers.bomb]\nurl = "{base}/mcp"\n')
        baseline, _ = _peak_rss_mb(deck, *command, "--timeout", "3")
    with hostile_server(Hostility(prm_body=bomb, prm_gzip=True)) as base:
        deck.write_user(f'[mcp_servers.bomb]\nurl = "{base}/mcp"\n')
        peak, output = _peak_rss_mb(deck, *command, "--timeout", "3")
    text = output.decode("utf-8", "replace")
    assert "larger than 256 KiB" in text, text[-2000:]
    # Inflating the body would add 256 MB (the old code reached 556 MB); allow noise only.
    assert peak < baseline + 48, f"peak RSS {peak:.0f} MB vs {baseline:.0f} MB without the bomb"
