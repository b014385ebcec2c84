"""One line for people from any exception a service raised (redacted, no traceback)."""

from __future__ import annotations

from mcpdeck.errors import McpdeckError
from mcpdeck.redact import redact


def one_line(exc: BaseException) -> str:
    if isinstance(exc, McpdeckError):
        text = exc.one_line()
    else:
        text = str(exc) or type(exc).__name__
        text = (
            f"{type(exc).__name__}: {text}" if not isinstance(exc, OSError | ValueError) else text
        )
    return redact(" ".join(text.split()))
