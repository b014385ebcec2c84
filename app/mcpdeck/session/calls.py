"""Call a tool, read a resource or get a prompt on one configured server, through the SDK.

One service for both faces (the TUI's call screen and ``mcpdeck call/read/prompt``):
- the session is opened with the server's stored OAuth token (never an interactive login);
- progress notifications reach ``on_progress`` as they arrive;
- cancelling the awaiting task makes the SDK send ``notifications/cancelled`` for the request;
- a timeout is a result (``outcome="timeout"``), not an exception;
- a 403 ``insufficient_scope`` — which the SDK surfaces only as a generic error — is read at
  the HTTP layer and returned as a typed :class:`~mcpdeck.session.results.StepUp` (scopes held
  vs required); :func:`step_up_login` then logs in with their union, and the caller retries once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from mcpdeck import records
from mcpdeck.errors import McpdeckError
from mcpdeck.redact import redact, redact_obj
from mcpdeck.session.challenges import parse_challenge, refuses_scope
from mcpdeck.session.models import SessionError
from mcpdeck.session.results import (
    CallKind,
    CallResult,
    Progress,
    StepUp,
    prompt_result,
    resource_result,
    tool_result,
)

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig, ServerConfig
    from mcpdeck.credentials.record import CredentialRecord
    from mcpdeck.oauth.trace import FlowTrace
    from mcpdeck.session.connect import McpSession
    from mcpdeck.session.http import HttpLog

ProgressSink = Callable[[Progress], None]
# Given the tool's inputSchema (None for resources and prompts), the arguments to send; may
# raise an McpdeckError (a usage error) that propagates to the caller.
ArgumentBuilder = Callable[[dict[str, Any] | None], Mapping[str, Any]]
BrowserOpener = Callable[[str], Coroutine[Any, Any, Any]]

_METHODS: dict[CallKind, str] = {
    "tool": "tools/call",
    "resource": "resources/read",
    "prompt": "prompts/get",
}
_MAX_TOOL_PAGES = 200


def uses_oauth(server: ServerConfig) -> bool:
    """An HTTP server whose credentials come from an OAuth login (not a static token or header)."""
    return bool(
        server.transport == "streamable_http"
        and server.url
        and not server.bearer_token_env_var
        and not server.has_authorization_header()
    )


def _request(kind: CallKind, target: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any]
    if kind == "resource":
        params = {"uri": target}
    else:
        params = {"name": target, "arguments": dict(arguments)}
    out: dict[str, Any] = redact_obj({"jsonrpc": "2.0", "method": _METHODS[kind], "params": params})
    return out


def _sdk_request(kind: CallKind, target: str, args: dict[str, Any]) -> Any:
    import mcp_types

    if kind == "tool":
        return mcp_types.CallToolRequest(
            params=mcp_types.CallToolRequestParams(name=target, arguments=args)
        )
    if kind == "resource":
        return mcp_types.ReadResourceRequest(params=mcp_types.ReadResourceRequestParams(uri=target))
    # Prompt arguments are strings by the protocol.
    strings = {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}
    return mcp_types.GetPromptRequest(
        params=mcp_types.GetPromptRequestParams(name=target, arguments=strings)
    )


async def find_tool(session: McpSession, name: str) -> dict[str, Any] | None:
    """The tool's definition as the server lists it (JSON), following every page."""
    from mcp_types import PaginatedRequestParams

    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(_MAX_TOOL_PAGES):
        params = PaginatedRequestParams(cursor=cursor) if cursor is not None else None
        page = await session.raw.list_tools(params=params)
        for tool in page.tools:
            if tool.name == name:
                found: dict[str, Any] = tool.model_dump(
                    mode="json", by_alias=True, exclude_none=True
                )
                return found
        cursor = page.next_cursor
        if not cursor or cursor in seen:
            return None
        seen.add(cursor)
    return None


async def list_tool_names(session: McpSession) -> list[str]:
    page = await session.raw.list_tools()
    return [t.name for t in page.tools]


def _held_scopes(record: CredentialRecord | None) -> list[str]:
    if record is None:
        return []
    return list(record.granted_scopes or record.requested_scopes or [])


def scope_refusal(log: HttpLog | None) -> str | None:
    """The challenge of the last 403 ``insufficient_scope`` answer on the wire, if any."""
    for exchange in reversed(log.exchanges if log is not None else []):
        if exchange.status == 403 and refuses_scope(exchange.www_authenticate):
            return exchange.www_authenticate
    return None


def step_up_from(challenge_text: str | None, record: CredentialRecord | None) -> StepUp | None:
    """A StepUp when ``challenge_text`` is an ``insufficient_scope`` Bearer challenge.

    The session layer keeps challenges in display form ("Bearer: k=v"; see
    ``session.http.challenge_text``), which the WWW-Authenticate parser reads once the colon
    after the scheme is dropped.
    """
    challenge = parse_challenge(challenge_text)
    if challenge_text is None or challenge is None or challenge.error != "insufficient_scope":
        return None
    return StepUp(
        held=_held_scopes(record),
        required=challenge.scopes,
        challenge=challenge_text,
        description=challenge.params.get("error_description") or None,
    )


async def _stored(
    server: ServerConfig, loaded: LoadedConfig, store: Any
) -> CredentialRecord | None:
    if store is None or not server.url:
        return None
    from mcpdeck.credentials.record import CredentialKey

    key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
    try:
        record: CredentialRecord | None = await asyncio.to_thread(store.load, key)
    except Exception:  # an unreadable store: the call goes out without a token and says 401
        return None
    return record


async def run_call(
    server: ServerConfig,
    loaded: LoadedConfig,
    store: Any,
    kind: CallKind,
    target: str,
    arguments: Mapping[str, Any] | ArgumentBuilder | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    on_progress: ProgressSink | None = None,
    trace: FlowTrace | None = None,
) -> CallResult:
    """Open a session, make one call, close it. Every failure is a result with one line of
    words; only cancellation propagates (after the SDK told the server)."""
    from mcp.shared.exceptions import MCPError
    from pydantic import TypeAdapter

    from mcpdeck.session.connect import open_session

    args = dict(arguments) if isinstance(arguments, Mapping) else {}
    result = CallResult(kind, server.name, target, redact_obj(args))
    result.request = _request(kind, target, args)
    limit = timeout if timeout is not None else server.tool_timeout_sec
    # The HTTP read timeout follows the call's limit, so a longer --timeout is honoured.
    server = records.replace(server, tool_timeout_sec=limit)
    provider = None
    if uses_oauth(server) and store is not None:
        from mcpdeck.oauth.token_provider import TokenProvider

        provider = TokenProvider(server, loaded, store, trace=trace, interactive=False)

    async def report(progress: float, total: float | None, message: str | None) -> None:
        item = Progress(progress, total, redact(message) if message else None)
        result.progress.append(item)
        if on_progress is not None:
            on_progress(item)

    started = time.perf_counter()
    session_log: HttpLog | None = None
    try:
        async with open_session(server, token_provider=provider, env=env, trace=trace) as session:
            session_log = session.http
            output_schema: dict[str, Any] | None = None
            input_schema: dict[str, Any] | None = None
            if kind == "tool":
                definition = await find_tool(session, target)
                if definition is None:
                    names = await list_tool_names(session)
                    result.outcome = "failed"
                    result.error = f"'{server.name}' has no tool named '{target}'"
                    result.fix = "its tools: " + (", ".join(names) or "none")
                    return result
                given = definition.get("outputSchema")
                output_schema = given if isinstance(given, dict) else None
                given = definition.get("inputSchema")
                input_schema = given if isinstance(given, dict) else None
            if callable(arguments):
                args = dict(arguments(input_schema))
            request = _sdk_request(kind, target, args)
            result.arguments = redact_obj(args)
            result.request = _request(kind, target, args)
            started = time.perf_counter()
            try:
                # A dict, not the SDK's model: what the server sent is shown as sent (the SDK's
                # call_tool would refuse a result that breaks the outputSchema instead).
                raw: dict[str, Any] = await session.raw.send_request(
                    request,
                    TypeAdapter(dict[str, Any]),  # type: ignore[type-var]
                    request_read_timeout_seconds=limit,
                    progress_callback=report,
                )
            except MCPError as exc:
                result.elapsed_ms = (time.perf_counter() - started) * 1000
                result.response = redact_obj(
                    {
                        "jsonrpc": "2.0",
                        "error": exc.error.model_dump(mode="json", exclude_none=True),
                    }
                )
                await _explain_failure(result, exc, session.http, server, loaded, store, limit)
                return result
            result.elapsed_ms = (time.perf_counter() - started) * 1000
            result.response = redact_obj({"jsonrpc": "2.0", "result": raw})
            if kind == "tool":
                tool_result(result, raw, output_schema)
            elif kind == "resource":
                resource_result(result, raw)
            else:
                prompt_result(result, raw)
    except SessionError as err:
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        result.exchanges = [e.to_json() for e in err.exchanges]
        await _explain_session_error(result, err, server, loaded, store)
        return result
    except McpdeckError:
        raise  # the caller's argument builder refused the arguments
    except Exception as exc:  # the SDK refused the result (validation) or a bug: still words
        if isinstance(exc, asyncio.CancelledError):
            raise
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        result.outcome = "failed"
        result.error = redact(f"{type(exc).__name__}: {exc}".splitlines()[0])
    if session_log is not None:
        result.exchanges = [e.to_json() for e in session_log.exchanges]
    return result


async def _explain_failure(
    result: CallResult,
    exc: Any,
    log: HttpLog | None,
    server: ServerConfig,
    loaded: LoadedConfig,
    store: Any,
    limit: float,
) -> None:
    from mcp_types import REQUEST_TIMEOUT

    if log is not None:
        result.exchanges = [e.to_json() for e in log.exchanges]
    refusal = scope_refusal(log)
    step = step_up_from(refusal, await _stored(server, loaded, store)) if refusal else None
    if step is not None:
        result.outcome = "step_up"
        result.step_up = step
        result.error = (
            f"'{server.name}' needs more scopes for this call: "
            f"{' '.join(step.missing or step.required) or 'unspecified'}"
        )
        result.fix = f"step up: log in again with {' '.join(step.union)}"
        return
    if log is not None and log.last_status == 401:
        result.outcome = "auth_required"
        result.error = f"'{server.name}' answered 401 Unauthorized"
        result.fix = f"log in: mcpdeck login {server.name}"
        return
    if exc.code == REQUEST_TIMEOUT:
        result.outcome = "timeout"
        result.error = f"no answer within {limit:g} s (the request was cancelled)"
        result.fix = "raise the timeout (--timeout, or tool_timeout_sec in config)"
        return
    result.outcome = "failed"
    result.error = redact(f"{server.name}: {exc.message} (JSON-RPC error {exc.code})")


async def _explain_session_error(
    result: CallResult,
    err: SessionError,
    server: ServerConfig,
    loaded: LoadedConfig,
    store: Any,
) -> None:
    result.error = err.message
    result.fix = err.fix
    if err.insufficient_scope:
        step = step_up_from(err.www_authenticate, await _stored(server, loaded, store))
        if step is not None:
            result.outcome = "step_up"
            result.step_up = step
            return
    if err.kind in ("unauthorized", "env_missing"):
        result.outcome = "auth_required"
        return
    result.outcome = "timeout" if err.kind == "timeout" else "failed"


async def step_up_login(
    server: ServerConfig,
    loaded: LoadedConfig,
    store: Any,
    step: StepUp,
    trace: FlowTrace,
    *,
    open_browser: bool = True,
    browser: BrowserOpener | None = None,
    timeout: float = 300.0,
) -> CredentialRecord:
    """Log in again asking for the scopes held plus those the server required (the live login
    flow, its events on ``trace``); the new record is stored for Codex and mcpdeck alike."""
    from mcpdeck.oauth.flow import login

    trace.emit(
        "step_up",
        "info",
        f"'{server.name}' needs {' '.join(step.missing or step.required)}; "
        f"requesting {' '.join(step.union)}",
        held=step.held,
        wanted=step.required,
    )
    record: CredentialRecord = await login(
        server,
        loaded,
        store,
        scopes=step.union or None,
        open_browser=open_browser,
        trace=trace,
        timeout=timeout,
        browser=browser,
    )
    return record
