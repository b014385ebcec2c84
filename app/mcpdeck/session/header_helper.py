"""Run an ``http_headers_helper`` the way Codex 0.171.0 runs it, for the headers it prints.

``sh -c COMMAND`` in the project directory, in its own process group, with stdin and stderr
closed and only the basic environment (Codex does not pass ambient variables to it); at most
10 seconds and 64 KiB of output, which must be one JSON object of strings. Every value is a
secret: it is registered with the redactor and never appears in an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
from collections.abc import Mapping
from pathlib import Path

from mcpdeck.redact import register_secret

HELPER_TIMEOUT_SEC = 10.0
MAX_OUTPUT_BYTES = 64 * 1024
# Variables a helper gets (the same basic set Codex gives local MCP processes).
HELPER_ENV_VARS = (
    "HOME",
    "LOGNAME",
    "PATH",
    "SHELL",
    "USER",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "TZ",
)
# Headers a helper may not set: they belong to the transport (Codex's list).
RESERVED = frozenset(
    {
        "accept",
        "connection",
        "content-encoding",
        "content-length",
        "content-type",
        "host",
        "keep-alive",
        "last-event-id",
        "mcp-protocol-version",
        "mcp-session-id",
        "origin",
        "proxy-connection",
        "referer",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_TOKEN_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_BAD_VALUE_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class HeaderHelperError(Exception):
    """The helper failed; the message never contains its output."""


async def run_headers_helper(
    command: str,
    cwd: Path,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = HELPER_TIMEOUT_SEC,
) -> dict[str, str]:
    env_source = os.environ if environ is None else environ
    env = {name: env_source[name] for name in HELPER_ENV_VARS if name in env_source}
    try:
        process = await asyncio.create_subprocess_exec(
            "sh",
            "-c",
            command,
            cwd=str(cwd) if Path(cwd).is_dir() else None,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise HeaderHelperError(f"http_headers_helper failed to start: {exc.strerror}") from None
    try:
        async with asyncio.timeout(timeout):
            assert process.stdout is not None
            output = bytearray()
            while chunk := await process.stdout.read(MAX_OUTPUT_BYTES + 1 - len(output)):
                output.extend(chunk)
                if len(output) > MAX_OUTPUT_BYTES:
                    raise HeaderHelperError("http_headers_helper output exceeds 64 KiB")
            status = await process.wait()
    except TimeoutError:
        raise HeaderHelperError(
            f"http_headers_helper timed out after {timeout:g} seconds"
        ) from None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await process.wait()
    if status != 0:
        raise HeaderHelperError(f"http_headers_helper exited with status {status}")
    return parse_helper_output(bytes(output))


def parse_helper_output(output: bytes) -> dict[str, str]:
    try:
        text = output.decode("utf-8")
    except UnicodeDecodeError:
        raise HeaderHelperError("http_headers_helper wrote non-UTF-8 data") from None

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for name, value in items:
            if name in seen:
                raise HeaderHelperError("http_headers_helper returned duplicate header names")
            seen[name] = value
        return seen

    try:
        data = json.loads(text.strip(), object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        raise HeaderHelperError(
            "http_headers_helper must output a JSON object of strings"
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise HeaderHelperError("http_headers_helper must output a JSON object of strings")
    headers: dict[str, str] = {}
    lowered: set[str] = set()
    for name, value in data.items():
        assert isinstance(value, str)
        register_secret(value)
        if not _TOKEN_RE.match(name):
            raise HeaderHelperError("http_headers_helper returned an invalid header name")
        if name.lower() in RESERVED:
            raise HeaderHelperError(f"http_headers_helper returned a reserved header ({name})")
        if name.lower() in lowered:
            raise HeaderHelperError("http_headers_helper returned duplicate header names")
        if _BAD_VALUE_RE.search(value):
            raise HeaderHelperError(f"http_headers_helper returned an invalid value for {name}")
        lowered.add(name.lower())
        headers[name] = value
    return headers
