"""Run a command on a real pseudo-terminal and judge the bytes that reached it."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MCPDECK = [sys.executable, "-m", "mcpdeck.cli"]

# Rich colours its own words with SGR (ESC [ … m); nothing else may reach the terminal.
_SGR = re.compile(rb"\x1b\[[0-9;]*m")


@dataclass
class Run:
    code: int
    output: bytes  # everything written to the terminal (stdout and stderr share it)

    @property
    def text(self) -> str:
        return _SGR.sub(b"", self.output).decode("utf-8", "replace")


class PtySession:
    """A process on a pty read as it runs (``read_until``), then to its end (``finish``)."""

    def __init__(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, columns: int = 200
    ) -> None:
        import fcntl
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        full_env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns)}
        full_env.pop("NO_COLOR", None)
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()
        self._eof = False

    def _read(self, wait: float) -> None:
        if self._eof:
            time.sleep(wait)
            return
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if data:
            self.output += data
        else:
            self._eof = True

    def read_until(self, pattern: bytes, timeout: float = 30.0) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            found = regex.search(bytes(self.output))
            if found:
                return found
            if time.monotonic() > deadline or (self._eof and self.proc.poll() is not None):
                raise AssertionError(
                    f"{pattern!r} never appeared; output so far:\n{bytes(self.output)!r}"
                )
            self._read(0.2)

    def finish(self, timeout: float = 60.0) -> Run:
        deadline = time.monotonic() + timeout
        try:
            while not self._eof:
                if time.monotonic() > deadline:
                    raise TimeoutError("the process did not finish")
                self._read(0.2)
                if (
                    self.proc.poll() is not None
                    and not select.select([self.master], [], [], 0.1)[0]
                ):
                    break
            code = self.proc.wait(timeout=max(deadline - time.monotonic(), 1))
        finally:
            self.close()
        return Run(code, bytes(self.output))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


def run_on_pty(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float = 60.0,
    columns: int = 200,
) -> Run:
    """``argv`` with stdin, stdout and stderr on one pty; the whole output and the exit status."""
    return PtySession(argv, env=env, cwd=cwd, columns=columns).finish(timeout)


def forbidden_sequences(output: bytes) -> list[bytes]:
    """Every control sequence in ``output`` other than Rich's SGR colouring (should be none)."""
    rest = _SGR.sub(b"", output)
    found = [m.group() for m in re.finditer(rb"\x1b.{0,12}", rest, re.S)]
    found += [bytes([b]) for b in rest if b in (0x07, 0x08)]
    found += re.findall(rb"\xc2[\x80-\x9f]", rest)  # C1 controls, UTF-8 encoded
    found += re.findall(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]", rest)  # bidi controls
    return found
