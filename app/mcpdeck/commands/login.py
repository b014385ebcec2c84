"""`mcpdeck login NAME`: OAuth login with every step printed as it happens.

Also ``login_after_add``, used by ``mcpdeck add --url`` to log in at once when the new server
advertises OAuth.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TYPE_CHECKING, Any

from mcpdeck.errors import EXIT_FAILURE, EXIT_OK, McpdeckError, UsageError

if TYPE_CHECKING:
    from mcpdeck.config.model import LoadedConfig, ServerConfig
    from mcpdeck.credentials.record import CredentialRecord
    from mcpdeck.oauth.trace import FlowEvent

_MARKS = {
    "ok": ("✓", "green"),
    "fail": ("✗", "red"),
    "start": ("…", "cyan"),
    "info": ("·", "blue"),
    "skip": ("-", "dim"),
}
PROBE_TIMEOUT_SEC = 10.0


def _console() -> Any:
    """rich on a terminal, where the marks get their colours; None (plain ``print``) when the
    output goes to a pipe or a file, where rich would write the same characters.

    Importing rich.console cost about 13 ms of every scripted login (and ``add --url``), a
    sixth of the command's start-up. FORCE_COLOR asks for rich's colours even in a pipe.
    """
    if not (sys.stdout.isatty() or os.environ.get("FORCE_COLOR")):
        return None
    from rich.console import Console

    return Console(highlight=False)


def _say(console: Any, parts: list[tuple[str, str]], *, soft_wrap: bool = False) -> None:
    """One line of (text, rich style) parts; Text, never markup: names and URLs print as written."""
    if console is None:
        # What rich writes to a file: the text, tabs expanded to its 8 columns, no styles.
        print("".join(text for text, _ in parts).expandtabs(8), flush=True)
        return
    from rich.text import Text

    console.print(Text.assemble(*parts), soft_wrap=soft_wrap, highlight=False)


def _printer(console: Any) -> Any:
    from mcpdeck.oauth.trace import AuthorizationUrl
    from mcpdeck.redact import for_display, sanitize

    def show(event: FlowEvent) -> None:
        mark, style = _MARKS.get(event.status, ("·", ""))
        if isinstance(event, AuthorizationUrl) and event.url:
            _say(
                console,
                [
                    (f" {mark} ", style),
                    (f"{'authorize':<13}", "bold"),
                    ("open this URL to log in:", ""),
                ],
            )
            # Plain print: the URL must stay one unbroken, copyable line. Sanitized, not
            # redacted: a masked parameter would make the URL useless, and it carries no token.
            print(sanitize(event.url), flush=True)
            return
        if event.step == "error":
            return  # the command's one-line error says it once, on stderr
        _say(
            console,
            [(f" {mark} ", style), (f"{event.step:<13}", "bold"), (for_display(event.summary), "")],
            soft_wrap=True,
        )

    return show


def _server(loaded: LoadedConfig, name: str) -> ServerConfig:
    from mcpdeck.config.trust import require_loaded_by_codex

    server = loaded.servers.get(name)
    if server is None and loaded.find(name) is not None:
        require_loaded_by_codex(loaded.find(name))  # type: ignore[arg-type]
    if server is None:
        raise UsageError(
            f"no MCP server named '{name}' in {loaded.user_file} or the project's .codex/config.toml",
            hint="run `mcpdeck list` to see the configured servers",
        )
    from mcpdeck.oauth.applies import login_refusal

    refusal = login_refusal(server)
    if refusal is not None:
        raise UsageError(refusal)  # explained, not attempted
    if server.transport != "streamable_http" or not server.url:
        raise UsageError(
            f"'{name}' is not a streamable HTTP server: OAuth login applies only to servers with a url"
        )
    errors = [p for p in server.problems if p.severity == "error"]
    if errors:
        from mcpdeck.errors import ConfigError

        raise ConfigError(errors[0].message, file=str(errors[0].file), line=errors[0].line)
    return server


def _describe_expiry(record: CredentialRecord) -> str:
    left = record.expires_in()
    if left is None:
        return "no expiry given"
    if left < 120:
        return f"expires in {max(0, int(left))} s"
    if left < 5400:
        return f"expires in {int(left // 60)} min"
    if left < 172800:
        return f"expires in {round(left / 3600)} h"
    return f"expires in {round(left / 86400)} days"


async def _stdin_paste(auth_url: str) -> str:
    """``--no-browser``, as in Codex: the URL the browser was redirected to may be pasted here
    (for machines whose browser cannot reach the listener). Read in a daemon thread so an
    unanswered prompt never holds the process open; end of input just keeps waiting."""
    import threading

    del auth_url  # already printed by the trace
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(line: str) -> None:
        if not answer.done():
            answer.set_result(line)

    def read() -> None:
        line = sys.stdin.readline()
        if line.strip():
            loop.call_soon_threadsafe(settle, line)

    print(
        "If your browser cannot reach this machine, paste the URL it was redirected to "
        "and press Enter.",
        file=sys.stderr,
        flush=True,
    )
    threading.Thread(target=read, name="mcpdeck-paste", daemon=True).start()
    return await answer


def _run_login(
    server: ServerConfig,
    loaded: LoadedConfig,
    *,
    scopes: list[str] | None,
    open_browser: bool,
    timeout: float,
) -> int:
    from mcpdeck.credentials.select import open_store
    from mcpdeck.oauth.flow import login
    from mcpdeck.oauth.trace import CredentialsStored, FlowTrace
    from mcpdeck.redact import for_display

    console = _console()
    store = open_store(
        loaded.settings.credentials_store,
        loaded.codex_home,
        secrets_storage=loaded.settings.secrets_storage,
    )
    trace = FlowTrace(_printer(console))
    # Text, not markup: a URL holding "[/oops]" or "[link=…]" prints as written.
    _say(console, [(for_display(f"Logging in to '{server.name}' ({server.url})"), "")])
    try:
        record = asyncio.run(
            login(
                server,
                loaded,
                store,
                scopes=scopes,
                open_browser=open_browser,
                trace=trace,
                timeout=timeout,
                paste=None if open_browser else _stdin_paste,
            )
        )
    except McpdeckError:
        raise
    except KeyboardInterrupt:
        print(
            for_display(f"mcpdeck: login to '{server.name}' cancelled; nothing was stored"),
            file=sys.stderr,
        )
        return 130
    stored = next(
        (e.store for e in reversed(trace.events) if isinstance(e, CredentialsStored)), "the store"
    )
    scopes_text = " ".join(record.granted_scopes) or "none requested"
    refresh = "" if record.refresh_token else ", no refresh token"
    print(
        for_display(
            f"Logged in to '{server.name}' (scopes: {scopes_text}, "
            f"{_describe_expiry(record)}{refresh}, stored in {stored})."
        )
    )
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from mcpdeck.config.loader import load_from_args
    from mcpdeck.config.paths import check_codex_home

    check_codex_home(args.codex_home)
    loaded = load_from_args(args)
    server = _server(loaded, args.name)
    return _run_login(
        server,
        loaded,
        scopes=args.scopes,
        open_browser=not args.no_browser,
        timeout=float(getattr(args, "timeout", 300.0) or 300.0),
    )


def login_after_add(args: argparse.Namespace, loaded: LoadedConfig, server: ServerConfig) -> int:
    """After ``mcpdeck add --url``: log in when the server advertises OAuth, else say why not."""
    if getattr(args, "no_login", False) or not server.url:
        return EXIT_OK
    if server.bearer_token_env_var or server.has_authorization_header():
        return EXIT_OK
    from mcpdeck.oauth.flow import new_http_client
    from mcpdeck.oauth.probe import probe_server

    async def probe() -> Any:
        async with new_http_client() as http:
            return await asyncio.wait_for(probe_server(http, server.url or ""), PROBE_TIMEOUT_SEC)

    try:
        result = asyncio.run(probe())
    except TimeoutError:
        print(
            f"note: '{server.name}' did not answer within {PROBE_TIMEOUT_SEC:g} s; added without login "
            f"(run `mcpdeck login {server.name}` later)"
        )
        return EXIT_OK
    if not result.oauth:
        from mcpdeck.redact import for_display

        print(
            for_display(
                f"note: '{server.name}' does not advertise OAuth; added without login ({result.detail})."
            )
        )
        return EXIT_OK
    try:
        return _run_login(
            server,
            loaded,
            scopes=getattr(args, "scopes", None) or None,
            open_browser=not getattr(args, "no_browser", False),
            timeout=float(getattr(args, "timeout", 300.0) or 300.0),
        )
    except McpdeckError as exc:
        from mcpdeck.redact import for_display

        print(f"mcpdeck: {for_display(exc.one_line())}", file=sys.stderr)
        print(
            f"The server was added; run `mcpdeck login {server.name}` to try again.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
