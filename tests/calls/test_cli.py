"""`mcpdeck call / read / prompt` as a user runs them: the real CLI in a subprocess against the
demo world (and the unmodified server-everything), exit codes 0 / 1 / 2 / 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mcpdeck.demo.world import DemoWorld
from tests.calls.everything import stdio_config
from tests.integration.helpers import cli


def _login(world: DemoWorld) -> None:
    done = cli(world, "login", "linear")
    assert done.returncode == 0, done.stderr
    assert "issues:write" not in done.stdout  # a default login asks for what the 401 named


def _scopes(world: DemoWorld) -> list[str]:
    listed = json.loads(cli(world, "list", "--json").stdout)
    (linear,) = [s for s in listed if s["name"] == "linear"]
    return list(linear["auth"]["scopes"])


def test_a_call_without_login_exits_3(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=True)
    done = cli(world, "call", "linear", "list_issues", "--no-step-up")
    assert done.returncode == 3
    assert "401" in done.stderr and "mcpdeck login linear" in done.stderr


def test_step_up_end_to_end_through_the_cli(demo_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = demo_world_factory(auto_approve=True)
    _login(world)
    assert "issues:write" not in _scopes(world)

    refused = cli(
        world, "call", "linear", "create_issue", "--arg", "title=Flaky login", "--no-step-up"
    )
    assert refused.returncode == 3, refused.stderr
    assert "needs more scopes for this call: issues:write" in refused.stderr
    assert "scopes held:     issues:read offline_access" in refused.stderr
    assert "scopes required: issues:read issues:write" in refused.stderr
    assert refused.stdout == ""

    done = cli(
        world, "call", "linear", "create_issue", "--arg", "title=Flaky login", "--step-up", "--json"
    )
    assert done.returncode == 0, done.stderr
    assert "Stepping up" in done.stderr and "credentials stored" in done.stderr
    result = json.loads(done.stdout)  # only the CallToolResult on stdout, the login on stderr
    assert result["isError"] is False
    assert result["structuredContent"]["title"] == "Flaky login"
    assert result["structuredContent"]["id"] == "LIN-106"
    assert {"issues:read", "issues:write"} <= set(_scopes(world))

    # The new grant holds: the next call needs no step-up.
    again = cli(world, "call", "linear", "create_issue", "--arg", "title=Second", "--no-step-up")
    assert again.returncode == 0, again.stderr
    assert '"id": "LIN-107"' in again.stdout


def test_results_errors_resources_and_prompts(demo_world) -> None:  # type: ignore[no-untyped-def]
    world = demo_world
    added = cli(world, "call", "local", "add", "--arg", "a=2", "--arg", "b=40", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "content": [{"type": "text", "text": "42"}],
        "structuredContent": {"result": 42},
        "isError": False,
    }
    from_json = cli(world, "call", "local", "echo", "--args-json", '{"text": "hi there"}')
    assert (from_json.returncode, from_json.stdout.splitlines()[0]) == (0, "hi there")

    tool_error = cli(world, "call", "docs", "read_page", "--arg", "slug=nope")
    assert tool_error.returncode == 1
    assert "the tool reported an error" in tool_error.stderr

    bad = cli(world, "call", "local", "add", "--arg", "a=two", "--arg", "b=1")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "mcpdeck: --arg a: 'two' is not an integer"
    missing = cli(world, "call", "local", "add", "--arg", "a=1")
    assert missing.returncode == 2 and "argument b of add: required" in missing.stderr
    unknown = cli(world, "call", "local", "nope")
    assert unknown.returncode == 1 and "has no tool named 'nope'" in unknown.stderr
    assert "echo, add, greet" in unknown.stderr

    read = cli(world, "read", "staging", "staging://environment")
    assert read.returncode == 0, read.stderr
    assert "region=local-1 cluster=demo" in read.stdout
    read_json = json.loads(cli(world, "read", "docs", "docs://pages/oauth", "--json").stdout)
    assert read_json["contents"][0]["mimeType"] == "text/markdown"

    prompt = cli(world, "prompt", "staging", "release_notes")
    assert prompt.returncode == 0, prompt.stderr
    assert "user:" in prompt.stdout and "api 2.4.1" in prompt.stdout


def _everything(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.toml").write_text(stdio_config())
    env = {**os.environ, "CODEX_HOME": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "mcpdeck", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_images_are_described_and_saved(tmp_path: Path) -> None:
    out = tmp_path / "saved"
    done = _everything(tmp_path, "call", "everything", "get-tiny-image", "--save-dir", str(out))
    assert done.returncode == 0, done.stderr
    (png,) = out.iterdir()
    assert png.name == "get-tiny-image-2.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    size = png.stat().st_size
    assert f"[image (image/png), {size / 1024:.1f} KiB — saved to {png}]" in done.stdout


def test_progress_is_shown_and_a_timeout_exits_1(tmp_path: Path) -> None:
    done = _everything(
        tmp_path,
        "call",
        "everything",
        "trigger-long-running-operation",
        "--arg",
        "duration=1",
        "--arg",
        "steps=2",
    )
    assert done.returncode == 0, done.stderr
    assert "… progress 1/2" in done.stderr and "… progress 2/2" in done.stderr
    late = _everything(
        tmp_path,
        "call",
        "everything",
        "trigger-long-running-operation",
        "--arg",
        "duration=30",
        "--timeout",
        "1",
    )
    assert late.returncode == 1
    assert "no answer within 1 s (the request was cancelled)" in late.stderr


def test_structured_content_is_checked_against_the_output_schema(tmp_path: Path) -> None:
    done = _everything(
        tmp_path, "call", "everything", "get-structured-content", "--arg", "location=Chicago"
    )
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    assert '"temperature"' in done.stdout
