"""Open an MCP session to one configured server: stdio or streamable HTTP, through the SDK.

``open_session`` is an async context manager. Everything that can go wrong before the
session is usable becomes a :class:`SessionError` with a kind and one line of words; the
stdio process is always ended on the way out (the SDK's shutdown runs shielded from
cancellation: close stdin, wait, SIGTERM the process group, SIGKILL).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mcpdeck.config.model import ServerConfig
from mcpdeck.oauth.trace import FlowTrace
from mcpdeck.redact import redact
from mcpdeck.session.challenges import refuses_scope
from mcpdeck.session.environment import (
    http_headers,
    resolve_command,
    stdio_environment,
)
from mcpdeck.session.models import (
    HttpExchange,
    InitializeInfo,
    SessionError,
    SessionErrorKind,
    Timings,
    TokenSource,
)

if TYPE_CHECKING:
    from mcp.client.session import ClientSession

    from mcpdeck.session.http import HttpLog

_STDERR_TAIL_LINES = 12
_CLIENT_NAME = "mcpdeck"


def preload_sdk() -> None:
    """Import the MCP SDK before an event loop runs sessions concurrently.

    The first import takes most of a second; done lazily inside the first session it would
    stall every other server's session on the same loop (doctor over many servers).
    """
    import httpx2  # noqa: F401
    import mcp_types  # noqa: F401
    from mcp.client.session import ClientSession  # noqa: F401
    from mcp.client.stdio import stdio_client  # noqa: F401
    from mcp.client.streamable_http import streamable_http_client  # noqa: F401

    from mcpdeck.session import http  # noqa: F401


@dataclass
class McpSession:
    """An initialized session. ``raw`` is the SDK's ClientSession for anything not wrapped."""

    server: ServerConfig
    raw: ClientSession
    info: InitializeInfo
    timings: Timings
    http: HttpLog | None = None
    _stderr: TextIO | None = field(default=None, repr=False)

    @property
    def exchanges(self) -> list[HttpExchange]:
        return list(self.http.exchanges) if self.http else []

    def stderr_tail(self) -> list[str]:
        return _tail(self._stderr)

    async def call_tool(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """Call a tool with the server's ``tool_timeout_sec``."""
        return await self.raw.call_tool(
            name, arguments or {}, read_timeout_seconds=self.server.tool_timeout_sec
        )


def _tail(stream: TextIO | None) -> list[str]:
    if stream is None:
        return []
    try:
        stream.flush()
        stream.seek(0)
        lines = [line.rstrip() for line in stream.read().splitlines() if line.strip()]
    except (OSError, ValueError):
        return []
    return [redact(line) for line in lines[-_STDERR_TAIL_LINES:]]


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        out: list[BaseException] = []
        for inner in exc.exceptions:
            out.extend(_leaves(inner))
        return out
    return [exc]


def _words(exc: BaseException) -> str:
    text = str(exc).strip()
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def _check_startable(server: ServerConfig, env: Mapping[str, str]) -> None:
    """Refuse early, with the reason, what the SDK would only fail at obscurely."""
    if server.ignored_reason is not None:
        raise SessionError(
            "invalid_config",
            f"{server.name}: {server.ignored_reason}",
            fix="fix the syntax error first"
            if "syntax error" in server.ignored_reason
            else "trust the project with `mcpdeck trust DIR`, or move the server to your user config",
        )
    if server.transport is None or not server.valid:
        raise SessionError(
            "invalid_config",
            f"{server.name}: {server.disabled_reason or 'invalid configuration'}",
            fix="fix the entry in config.toml (see `mcpdeck get NAME`)",
        )
    if server.transport == "stdio":
        assert server.command is not None
        if server.cwd and not Path(server.cwd).is_dir():
            raise SessionError(
                "cwd_missing",
                f"working directory {server.cwd} does not exist",
                fix="create it or correct `cwd`",
            )
        if resolve_command(server.command, stdio_environment(server, env), server.cwd) is None:
            raise SessionError(
                "command_not_found",
                f"command {server.command!r} not found on PATH",
                fix="install it or give its full path in `command`",
            )
    else:
        # A missing env_http_headers variable only drops its header (as in Codex); a missing
        # bearer token would send the request unauthenticated, which is never what was meant.
        var = server.bearer_token_env_var
        if var and not env.get(var):
            raise SessionError(
                "env_missing",
                f"environment variable {var} (bearer_token_env_var) is not set",
                fix=f"export {var} before starting, or change the config",
            )


def _explain(
    server: ServerConfig,
    exc: BaseException,
    log: HttpLog | None,
    stderr: TextIO | None,
    timeout: float,
) -> SessionError:
    """Turn whatever the SDK raised into one SessionError, using what the wire showed."""
    from mcp.shared.exceptions import MCPError

    from mcpdeck.session.http import challenge_text

    leaves = _leaves(exc)
    tail = _tail(stderr)
    exchanges = list(log.exchanges) if log else []
    common: dict[str, Any] = {"stderr_tail": tail, "exchanges": exchanges}
    if log is not None:
        common["auth_error"] = log.auth_error
    if any(isinstance(leaf, SessionError) for leaf in leaves):
        return next(leaf for leaf in leaves if isinstance(leaf, SessionError))
    where = server.url if server.transport == "streamable_http" else server.command
    if log is not None and log.last_status is not None and log.last_status >= 400:
        status = log.last_status
        challenge = challenge_text(log.last_www_authenticate)
        if status == 401:
            return SessionError(
                "unauthorized",
                f"{where} answered 401 Unauthorized"
                + (f" ({log.auth_error})" if log.auth_error else ""),
                status=status,
                www_authenticate=challenge,
                fix=f"log in: mcpdeck login {server.name}",
                **common,
            )
        if status == 403:
            scope = refuses_scope(challenge)
            return SessionError(
                "forbidden",
                f"{where} answered 403 Forbidden"
                + (" (insufficient_scope)" if scope else "")
                + (f" ({log.auth_error})" if log.auth_error else ""),
                status=status,
                www_authenticate=challenge,
                fix="grant the missing scopes (config `scopes`) and log in again"
                if scope
                else "check the account's permissions on the server",
                **common,
            )
        return SessionError(
            "http_error",
            f"{where} answered HTTP {status}",
            status=status,
            www_authenticate=challenge,
            fix="check the url",
            **common,
        )
    if log is not None and log.transport_error is not None:
        err = log.transport_error
        kind: SessionErrorKind = "timeout" if "Timeout" in type(err).__name__ else "unreachable"
        return SessionError(
            kind,
            f"cannot reach {where}: {_words(err)}",
            fix="check the url and that the server is running",
            **common,
        )
    if any(isinstance(leaf, TimeoutError) for leaf in leaves) or any(
        isinstance(leaf, MCPError) and "timed out" in leaf.message.lower() for leaf in leaves
    ):
        return SessionError(
            "timeout",
            f"no answer to initialize within {timeout:g} s",
            fix="raise startup_timeout_sec if the server is just slow to start",
            **common,
        )
    for leaf in leaves:
        if isinstance(leaf, FileNotFoundError | PermissionError | NotADirectoryError):
            return SessionError("spawn_failed", f"cannot start {where}: {_words(leaf)}", **common)
        if isinstance(leaf, MCPError):
            closed = "closed" in leaf.message.lower()
            if closed and server.transport == "stdio":
                last = f": {tail[-1]}" if tail else ""
                return SessionError(
                    "closed",
                    f"the server process exited before answering{last}",
                    fix="run the command by hand to see why it stops",
                    **common,
                )
            return SessionError(
                "closed" if closed else "protocol",
                f"{where}: {redact(leaf.message)}",
                **common,
            )
    return SessionError("protocol", f"{where}: {_words(leaves[0])}", **common)


def _initialize_info(result: Any) -> InitializeInfo:
    server_info = result.server_info
    caps = result.capabilities.model_dump(mode="json", exclude_none=True, by_alias=True)
    return InitializeInfo(
        protocol_version=str(result.protocol_version),
        server_name=server_info.name,
        server_version=server_info.version,
        server_title=server_info.title,
        capabilities=caps,
        instructions=result.instructions,
    )


@contextlib.asynccontextmanager
async def open_session(
    server: ServerConfig,
    *,
    token_provider: TokenSource | None = None,
    env: Mapping[str, str] | None = None,
    trace: FlowTrace | None = None,
    startup_timeout: float | None = None,
) -> AsyncIterator[McpSession]:
    """Connect and initialize; yield the session; always close it (and end its process).

    ``env`` is the environment variables are read from (default ``os.environ``);
    ``startup_timeout`` overrides the server's ``startup_timeout_sec``.
    """
    import anyio
    import mcp_types
    from mcp.client.session import ClientSession

    source: Mapping[str, str] = os.environ if env is None else env
    timeout = startup_timeout if startup_timeout is not None else server.startup_timeout_sec
    _check_startable(server, source)
    client_info = mcp_types.Implementation(name=_CLIENT_NAME, version=_version())

    stack = contextlib.AsyncExitStack()
    log: HttpLog | None = None
    stderr: TextIO | None = None
    started = time.perf_counter()
    try:
        if server.transport == "stdio":
            from mcp.client.stdio import StdioServerParameters, stdio_client

            assert server.command is not None
            # Kept past the stack's close: its tail explains a server that died.
            stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115
            params = StdioServerParameters(
                command=server.command,
                args=list(server.args),
                env=stdio_environment(server, source),
                cwd=server.cwd,
            )
            if trace is not None:
                trace.emit("probe", "start", f"starting {server.command}", command=server.command)
            streams = await stack.enter_async_context(stdio_client(params, errlog=stderr))
        else:
            from mcp.client.streamable_http import streamable_http_client

            from mcpdeck.net import new_client
            from mcpdeck.session.http import HttpLog, RecordingTransport, SessionAuth

            assert server.url is not None
            log = recorded = HttpLog()
            headers, _missing = http_headers(server, source)
            if server.http_headers_helper is not None:
                from mcpdeck.session.header_helper import HeaderHelperError, run_headers_helper

                try:
                    helped = await run_headers_helper(
                        server.http_headers_helper, Path.cwd(), environ=source
                    )
                except HeaderHelperError as exc:
                    raise SessionError(
                        "invalid_config",
                        f"{server.name}: {exc}",
                        fix="run the helper by hand to see what it prints (a JSON object of headers)",
                    ) from None
                # As in Codex: helper values replace configured ones, except an explicit
                # Authorization from the config.
                explicit = any(k.lower() == "authorization" for k in headers)
                for name, value in helped.items():
                    if name.lower() == "authorization" and explicit:
                        continue
                    headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
                    headers[name] = value
            client = new_client(
                timeout=timeout,
                read_timeout=max(timeout, server.tool_timeout_sec),
                auth=SessionAuth(headers, token_provider, recorded),
                wrap=lambda inner: RecordingTransport(inner, recorded, trace),
                environ=source,
            )
            await stack.enter_async_context(client)
            streams = await stack.enter_async_context(
                streamable_http_client(server.url, http_client=client)
            )
        read_stream, write_stream = streams
        session = await stack.enter_async_context(
            ClientSession(
                read_stream,
                write_stream,
                read_timeout_seconds=timeout,
                client_info=client_info,
            )
        )
        with anyio.fail_after(timeout):
            result = await session.initialize()
    except BaseException as exc:
        # Close first: that ends the process (shielded from cancellation) and settles the log.
        closing = await _close(stack, exc)
        cause: BaseException = exc
        if _cancelled(exc):
            # The SDK's own task group cancels us when one of its tasks fails (a refused
            # connection); that failure comes out of the close. Anything else is the caller
            # cancelling us, which must propagate.
            failures = (
                [leaf for leaf in _leaves(closing) if isinstance(leaf, Exception)]
                if closing
                else []
            )
            if not failures:
                raise
            cause = failures[0]
        elif not isinstance(exc, Exception):
            raise
        error = _explain(server, cause, log, stderr, timeout)
        if stderr is not None:
            stderr.close()
        raise error from None
    timings = Timings(initialize_ms=(time.perf_counter() - started) * 1000)
    info = _initialize_info(result)
    if trace is not None:
        trace.emit(
            "done",
            "ok",
            f"initialized {info.server_name} {info.server_version} "
            f"(protocol {info.protocol_version}) in {timings.initialize_ms:.0f} ms",
            elapsed_ms=timings.initialize_ms,
        )
    try:
        yield McpSession(server, session, info, timings, log, stderr)
    except BaseException as exc:
        await _close(stack, exc)
        raise
    else:
        await _close(stack, None)
    finally:
        if stderr is not None:
            stderr.close()


def _cancelled(exc: BaseException) -> bool:
    import asyncio

    return any(isinstance(leaf, asyncio.CancelledError) for leaf in _leaves(exc))


async def _close(
    stack: contextlib.AsyncExitStack, exc: BaseException | None
) -> BaseException | None:
    """Unwind the transport (ending a stdio process) without masking what happened.

    The SDK's task groups wrap whatever passes through them in exception groups, and its
    tasks can fail while closing: with an exception already on its way (the caller's, or
    the one being explained) what the close raised is returned, not raised; only a
    cancellation of a clean close propagates.
    """
    try:
        if exc is None:
            await stack.aclose()
        else:
            await stack.__aexit__(type(exc), exc, exc.__traceback__)
    except BaseException as raised:
        if exc is None and not isinstance(raised, Exception):
            raise
        return raised
    return None


def _version() -> str:
    from mcpdeck import __version__

    return __version__
