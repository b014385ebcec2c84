"""Terminal escape injection: hostile text from repositories, MCP servers and authorization
servers reaches a real pty through `list`, `get`, `doctor`, `login` and the error line, and
no control sequence of its own gets through (issue 12, finding 1 and 8)."""

from __future__ import annotations

import json
import subprocess

from tests.adversarial.conftest import HOSTILE_STDIO, REPO_NAME, REPO_URL, Deck, toml_string
from tests.adversarial.hostile_http import Hostility, hostile_server
from tests.adversarial.payloads import (
    CLIPBOARD_PAYLOAD,
    ESCAPES,
    HOSTILE,
    MARKUP_CRASH,
    RICH_CLOSE,
    RICH_LINK,
)
from tests.adversarial.terminal import forbidden_sequences

VISIBLE_ESC = "␛]52;c;"  # what the OSC 52 payload looks like once made visible


def _hostile_repo(deck: Deck) -> None:
    deck.write_repo(
        f"[mcp_servers.{toml_string(REPO_NAME)}]\n"
        f'command = "echo"\nargs = [{toml_string(HOSTILE)}]\n\n'
        f"[mcp_servers.remote]\nurl = {toml_string(REPO_URL)}\n"
        f"bearer_token_env_var = {toml_string(ESCAPES)}\n"
    )


def test_plain_list_in_a_hostile_clone_writes_no_control_sequence(deck: Deck) -> None:
    _hostile_repo(deck)
    for args in (("list", "--offline"), ("list",)):
        run = deck.run(*args)
        assert forbidden_sequences(run.output) == [], args
        assert VISIBLE_ESC in run.text, "the hostile name must be shown, made visible"
        assert RICH_LINK in run.text and RICH_CLOSE in run.text  # printed as written
        assert "Traceback" not in run.text and "unexpected error" not in run.text


def test_list_json_keeps_hostile_names_exact(deck: Deck) -> None:
    _hostile_repo(deck)
    out = subprocess.run(
        deck.argv("list", "--json", "--offline"),
        capture_output=True,
        env=deck.env(),
        cwd=deck.repo,
        timeout=60,
    )
    assert b"\x1b" not in out.stdout  # JSON escapes control characters itself
    rows = json.loads(out.stdout)
    assert {r["name"] for r in rows} == {REPO_NAME, "remote"}
    assert next(r for r in rows if r["name"] == "remote")["transport"]["url"] == REPO_URL


def test_get_shows_hostile_values_visibly(deck: Deck) -> None:
    _hostile_repo(deck)
    run = deck.run("get", "remote")
    assert run.code == 0
    assert forbidden_sequences(run.output) == []
    assert "␛" in run.text and REPO_URL in run.text


def test_doctor_against_a_hostile_mcp_server_writes_no_control_sequence(deck: Deck) -> None:
    import sys

    deck.write_user(
        f"[mcp_servers.hostile]\ncommand = {toml_string(sys.executable)}\n"
        f"args = [{toml_string(str(HOSTILE_STDIO))}]\n"
    )
    run = deck.run("doctor", "hostile", timeout=120)
    assert forbidden_sequences(run.output) == []
    text = run.text
    # Name, version, instructions, tools, resources and prompts all reached the screen, visibly.
    assert text.count(VISIBLE_ESC) >= 4
    assert MARKUP_CRASH in text and RICH_LINK in text
    assert CLIPBOARD_PAYLOAD not in text  # only its base64, inside the visible OSC 52
    assert "ends-with\\" in text and "ends-with\\\\" not in text  # one backslash, as sent
    assert "Traceback" not in text


def test_login_against_a_hostile_authorization_server_writes_no_control_sequence(
    deck: Deck,
) -> None:
    with hostile_server(Hostility(registration_error=HOSTILE)) as base:
        deck.write_user(f'[mcp_servers.victim]\nurl = "{base}/mcp"\n')
        run = deck.run("login", "victim", "--no-browser", "--timeout", "5")
    assert run.code == 1
    assert forbidden_sequences(run.output) == []
    assert VISIBLE_ESC in run.text and MARKUP_CRASH in run.text
    assert "Traceback" not in run.text and "MarkupError" not in run.text


def test_login_banner_and_url_print_markup_literally(deck: Deck) -> None:
    suffix = "?x=" + RICH_CLOSE + "&y=" + RICH_LINK
    hostility = Hostility(authorization_endpoint_suffix=suffix)
    with hostile_server(hostility) as base:
        server_url = f"{base}/mcp/{RICH_CLOSE}{RICH_LINK}"
        hostility.prm_resource = server_url
        deck.write_user(f"[mcp_servers.victim]\nurl = {toml_string(server_url)}\n")
        session = deck.start("login", "victim", "--no-browser", "--timeout", "3")
        run = session.finish(60)
    # Rich would print an OSC 8 hyperlink for [link=…] and fail on [/oops]: neither happened.
    assert forbidden_sequences(run.output) == []
    assert f"({server_url})" in run.text, "the banner names the server URL as written"
    assert "MarkupError" not in run.text and "unexpected error" not in run.text
    assert run.code == 1  # the callback wait timed out: the login got as far as it could


def test_the_error_line_makes_controls_visible(deck: Deck) -> None:
    run = deck.run("get", "x" + ESCAPES)
    assert run.code != 0
    assert forbidden_sequences(run.output) == []
    assert "mcpdeck: " in run.text and VISIBLE_ESC in run.text
