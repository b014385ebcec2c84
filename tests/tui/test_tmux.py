"""The real app in a real terminal: `mcpdeck demo` in tmux at 80x24, read from the pane.

A new user on an ssh session: no browser on the machine (BROWSER fails, no display), no
mouse. They read every server's state, log in by taking the URL to "another machine" (here an
HTTP client following it), and apply a doctor's fix, with keys only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx2 as httpx
import pytest

from mcpdeck.tui.format import STATUS_LOOK

NAMES = ("linear", "docs", "local", "staging", "broken")
WAIT_SEC = 90.0


class Pane:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    def text(self, *, joined: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-J"] if joined else []), "-t", "deck")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "deck", key)
            time.sleep(0.2)  # one key per frame, as a person types

    def wait_for(self, what: str, ok: Callable[[str], bool], *, joined: bool = False) -> str:
        """Poll the pane until ``ok`` holds (no timing is asserted: the limit only ends a hang)."""
        deadline = time.monotonic() + WAIT_SEC
        while True:
            text = self.text(joined=joined)
            if ok(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {what}; the pane shows:\n{text}")
            time.sleep(0.3)


def row_of(text: str, name: str) -> str:
    return next((line for line in text.splitlines() if line.startswith(f" {name} ")), "")


@pytest.fixture
def pane() -> Iterator[Pane]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is not installed (.ci/run installs it)")
        pytest.skip("tmux is not installed")
    socket = f"mcpdeck-test-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX")}
    env["BROWSER"] = "false"  # the machine has no browser: opening one fails
    env["TERM"] = "xterm-256color"
    command = f"{sys.executable} -m mcpdeck demo --auto-approve"
    subprocess.run(
        [
            "tmux",
            "-L",
            socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "deck",
            "-x",
            "80",
            "-y",
            "24",
            command,
        ],
        env=env,
        check=True,
    )
    try:
        yield Pane(socket)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def _all_checked(text: str) -> bool:
    rows = [row_of(text, name) for name in NAMES]
    return all(rows) and not any("checking" in r for r in rows)


def _log_in_without_a_browser(pane: Pane, name: str) -> None:
    pane.keys("l")
    pane.wait_for("the URL in the login dialog", lambda t: "No browser here?" in t)
    pane.keys("u")  # the URL alone on the plain terminal
    # An earlier login's URL and prompt may still be on the plain terminal: wait for this
    # server's own heading with the prompt below it, and take the URL that follows the heading.
    heading = f"to log in to {name}:"

    def this_login_shown(t: str) -> bool:
        return heading in t and "Press Enter to return" in t[t.rindex(heading) :]

    text = pane.wait_for("the URL on the plain terminal", this_login_shown, joined=True)
    after = text[text.rindex(heading) :]
    url = next(line for line in after.splitlines() if re.match(r"^https?://\S+$", line))
    assert "/authorize?" in url
    # The browser on "another machine": the demo server approves and redirects to the callback.
    try:
        httpx.get(url, follow_redirects=True, timeout=30, trust_env=False)
    except httpx.HTTPError as exc:
        raise AssertionError(f"{exc} for {url}; the pane shows:\n{text}") from exc
    pane.keys("Enter")
    # The dialog closes and the row is checked again (a token the server refuses is not
    # "authenticated": broken's is for another resource, which its diagnosis explains).
    pane.wait_for(
        f"{name} logged in and checked",
        lambda t: f"Log in to {name}" not in t and "checking" not in row_of(t, name),
    )


def test_a_new_user_at_80x24_reads_logs_in_and_fixes_without_mouse_or_browser(
    pane: Pane,
) -> None:
    text = pane.wait_for("every server checked", _all_checked)
    words = [f"{glyph} {word}" for glyph, word, _ in STATUS_LOOK.values()]
    for name in NAMES:
        row = row_of(text, name)
        assert any(word in row for word in words), f"no auth state on the {name} row: {row!r}"
    lines = text.splitlines()
    assert "Auth" in lines[2] and "Expires" in lines[2]
    footer = lines[-1]
    assert "q Quit" in footer and "? Help" in footer

    _log_in_without_a_browser(pane, "linear")
    pane.wait_for("linear authenticated", lambda t: "● authenticated" in row_of(t, "linear"))

    pane.keys("j", "j", "j")  # down to broken
    pane.wait_for("broken selected", lambda t: "│ broken" in t)
    _log_in_without_a_browser(pane, "broken")
    pane.keys("v")
    pane.wait_for("the diagnosis", lambda t: "diagnosis of broken" in t and "Findings" in t)
    pane.keys("8")
    pane.wait_for("the fix", lambda t: "Enter applies the config change" in t)
    pane.keys("Enter")
    pane.wait_for("the confirmation", lambda t: "Apply this fix?" in t)
    pane.keys("y")
    pane.wait_for("the fix applied", lambda t: "Applied:" in t)
