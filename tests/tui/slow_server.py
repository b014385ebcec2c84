"""A slow HTTP server in its own process, so its CPU never competes with the app under test."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

_PROGRAM = """
import sys, uvicorn
from tests.status.servers import slow_app
uvicorn.run(slow_app(float(sys.argv[2])), host="127.0.0.1", port=int(sys.argv[1]), log_level="error")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def slow_server(delay: float) -> Iterator[str]:
    """Yield ``http://127.0.0.1:PORT`` of a server answering every request after ``delay`` s."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", _PROGRAM, str(port), str(delay)])
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("slow test server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
