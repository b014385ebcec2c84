"""A real terminal for the TUI: tmux, with the clipboard and window title observable.

tmux turns an application's OSC 52 into a paste buffer (``set-clipboard on``) and its OSC 2 into
the pane title, so both attacks are visible from outside; ``capture-pane`` shows the screen.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.peers import require


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        return out.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "deck")

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")
            time.sleep(0.3)

    def wait_gone(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text in self.screen():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} stayed on screen:\n{self.screen()}")
            time.sleep(0.3)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "deck", *keys)

    def buffers(self) -> str:
        return self("list-buffers", "-F", "#{buffer_sample}")

    def title(self) -> str:
        return self("display-message", "-p", "-t", "deck", "#{pane_title}").strip()

    def alternate_screen(self) -> bool:
        return self("display-message", "-p", "-t", "deck", "#{alternate_on}").strip() == "1"


@contextmanager
def tmux_running(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, exit_file: Path
) -> Iterator[Tmux]:
    """``argv`` in a 160×45 tmux pane; its exit status goes to ``exit_file`` and the pane stays."""
    found = shutil.which("tmux")
    require(Path(found) if found else None, "tmux")
    tmux = Tmux(f"mcpdeck-adv-{uuid.uuid4().hex[:8]}")
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.isidentifier())
    command = (
        f"cd {shlex.quote(str(cwd))} && env {exports} {shlex.join(argv)}; "
        f"echo $? > {shlex.quote(str(exit_file))}; sleep 600"
    )
    # The options are set in the same tmux call, before the program can print anything.
    tmux(
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "deck",
        "-x",
        "160",
        "-y",
        "45",
        command,
        ";",
        "set-option",
        "-g",
        "set-clipboard",
        "on",
    )
    try:
        yield tmux
    finally:
        tmux("kill-server")


def wait_exit(exit_file: Path, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while not exit_file.exists() or not exit_file.read_text().strip():
        if time.monotonic() > deadline:
            raise AssertionError("the program did not exit")
        time.sleep(0.2)
    return int(exit_file.read_text().strip())
