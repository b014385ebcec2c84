"""http_headers_helper runs as Codex runs it: sh -c, basic environment, 64 KiB, JSON of strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpdeck.redact import redact
from mcpdeck.session.header_helper import HeaderHelperError, run_headers_helper


async def test_headers_come_from_the_json_object_and_are_secrets(tmp_path: Path) -> None:
    command = """printf '{"Authorization": "Bearer helper-token-123456", "X-Org": "blue"}'"""
    headers = await run_headers_helper(command, tmp_path)
    assert headers == {"Authorization": "Bearer helper-token-123456", "X-Org": "blue"}
    assert "helper-token-123456" not in redact("sent Bearer helper-token-123456")


async def test_runs_in_the_project_directory_without_ambient_variables(tmp_path: Path) -> None:
    command = """printf '{"X-Dir": "%s", "X-Leak": "%s"}' "$(pwd)" "$MCPDECK_AMBIENT_SECRET" """
    headers = await run_headers_helper(
        command, tmp_path, environ={"PATH": "/usr/bin:/bin", "MCPDECK_AMBIENT_SECRET": "leak"}
    )
    assert headers == {"X-Dir": str(tmp_path), "X-Leak": ""}


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("exit 3", "exited with status 3"),
        ("printf 'not json'", "JSON object of strings"),
        ("""printf '{"A": 1}'""", "JSON object of strings"),
        ("""printf '{"A": "x", "A": "y"}'""", "duplicate header names"),
        ("""printf '{"Host": "evil.example"}'""", "reserved header"),
        ("""printf '{"bad name": "x"}'""", "invalid header name"),
        ("yes aaaaaaaaaaaaaaaaaaaa | head -c 70000", "exceeds 64 KiB"),
    ],
)
async def test_failures_are_one_line_without_the_output(
    tmp_path: Path, command: str, words: str
) -> None:
    with pytest.raises(HeaderHelperError) as caught:
        await run_headers_helper(command, tmp_path)
    assert words in str(caught.value)
    assert "evil.example" not in str(caught.value)


async def test_a_helper_that_hangs_is_stopped(tmp_path: Path) -> None:
    with pytest.raises(HeaderHelperError, match="timed out"):
        await run_headers_helper("sleep 30", tmp_path, timeout=0.3)


async def test_status_runs_the_helper_when_it_needs_headers(tmp_path: Path) -> None:
    from mcpdeck.config.loader import load_config
    from mcpdeck.status import codex_auth_status
    from mcpdeck.status_probe import compute_statuses

    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        "[mcp_servers.good]\n"
        'url = "http://127.0.0.1:9/mcp"\n'
        'http_headers_helper = "cat headers.json"\n'
        "[mcp_servers.broken]\n"
        'url = "http://127.0.0.1:9/mcp"\n'
        'http_headers_helper = "exit 7"\n'
    )
    (tmp_path / "headers.json").write_text('{"Authorization": "Bearer t-123456789"}')
    loaded = load_config(home, tmp_path, system_dir=tmp_path / "no-etc")
    statuses = await compute_statuses(loaded, None, timeout=2)
    assert statuses["good"].auth_status == "bearer_token"
    assert "http_headers_helper" in statuses["good"].auth.detail
    assert statuses["broken"].failed
    assert statuses["broken"].auth.detail == "http_headers_helper exited with status 7"
    # Codex's own list never runs the helper: --codex says "unknown" for both
    for name in ("good", "broken"):
        assert codex_auth_status(loaded.servers[name], statuses[name]) == "unknown"
