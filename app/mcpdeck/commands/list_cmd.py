"""`mcpdeck list [--json] [--offline]`: every server with its auth status.

Start-up matters here (DESIGN.md budget): this module and what it imports must not pull in
textual, mcp or authlib, and rich only for the human table.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mcpdeck.config.loader import load_config
from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.config.serialize import server_to_codex_json, source_json
from mcpdeck.errors import EXIT_OK, EXIT_USAGE
from mcpdeck.status import ServerStatus, offline_statuses

_GLYPH = {
    "authenticated": ("✓", "green", "authenticated"),
    "oauth_available": ("○", "yellow", "OAuth available"),
    "bearer_token": ("●", "cyan", "bearer token"),
    "none": ("·", "dim", "none"),
}


def _open_credentials(loaded: LoadedConfig) -> Any:
    """The credential facade, or None when no server could have stored credentials."""
    if not any(s.transport == "streamable_http" and s.is_active for s in loaded.servers.values()):
        return None
    from mcpdeck.credentials.select import open_store

    return open_store(
        loaded.settings.credentials_store,
        loaded.codex_home,
        secrets_storage=loaded.settings.secrets_storage,
    )


def server_json(server: ServerConfig, status: ServerStatus) -> dict[str, Any]:
    out = server_to_codex_json(server)
    out["auth_status"] = status.auth_status
    out["auth"] = status.auth_json()
    out["source"] = source_json(server)
    if server.problems:
        out["problems"] = [p.one_line() for p in server.problems]
    return out


def collect(args: argparse.Namespace) -> tuple[LoadedConfig, dict[str, ServerStatus]]:
    from mcpdeck.config.paths import check_codex_home

    check_codex_home(args.codex_home)
    loaded = load_config(args.codex_home, args.cd)
    credentials = _open_credentials(loaded)
    if args.offline:
        return loaded, offline_statuses(loaded, credentials)
    from mcpdeck.status import in_config_order, plan_and_settle

    plan = plan_and_settle(loaded, credentials)
    if not plan.to_probe:  # no HTTP exchange needed: no event loop, no HTTP client
        return loaded, in_config_order(loaded, plan.decided)
    import asyncio

    from mcpdeck.status import compute_statuses

    statuses = asyncio.run(compute_statuses(loaded, credentials, timeout=args.timeout, plan=plan))
    return loaded, statuses


def _report_problems(loaded: LoadedConfig) -> int:
    from mcpdeck.redact import for_display

    errors = 0
    for problem in loaded.all_problems():
        print(f"mcpdeck: {problem.severity}: {for_display(problem.one_line())}", file=sys.stderr)
        errors += problem.severity == "error"
    return EXIT_USAGE if errors else EXIT_OK


def run(args: argparse.Namespace) -> int:
    loaded, statuses = collect(args)
    if args.json:
        rows = [server_json(s, statuses[s.name]) for s in _by_name(loaded)]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        _print_tables(loaded, statuses)
    return _report_problems(loaded)


def _by_name(loaded: LoadedConfig) -> list[ServerConfig]:
    """Sorted by name, as Codex lists them, so the two tools' outputs line up."""
    return sorted(loaded.servers.values(), key=lambda s: s.name)


def _source_badge(server: ServerConfig) -> str:
    if server.source is None:
        return "?"
    if server.source.layer == "user":
        return "user"
    return "project" if server.source.trusted else "project (untrusted)"


def _status_cell(server: ServerConfig) -> str:
    reason = server.disabled_reason
    if reason is None:
        return "enabled"
    return "invalid" if not server.valid else reason.replace(" in config", "")


def _print_tables(loaded: LoadedConfig, statuses: dict[str, ServerStatus]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from mcpdeck.redact import for_display

    def cell(text: str) -> Text:
        # Text, never markup: names and URLs from other people's files print as written.
        return Text(for_display(text))

    console = Console()
    if not loaded.servers:
        console.print(
            f"No MCP servers configured in {escape(for_display(loaded.user_file))} "
            "or the project's .codex/config.toml.\n"
            "Add one with `mcpdeck add NAME --url URL` or `mcpdeck add NAME -- COMMAND`, "
            "or try `mcpdeck demo`."
        )
        return

    def auth_cell(name: str) -> Text:
        st = statuses[name]
        glyph, colour, word = _GLYPH[st.auth_status]
        return Text.assemble(
            (f"{glyph} {word}", colour), "\n", (for_display(st.auth.detail), "dim")
        )

    ordered = _by_name(loaded)
    stdio = [s for s in ordered if s.transport == "stdio"]
    http = [s for s in ordered if s.transport == "streamable_http"]
    broken = [s for s in ordered if s.transport is None]
    if stdio:
        table = Table(title="stdio servers", title_justify="left", expand=False)
        for col in ("Name", "Command", "Args", "Env", "Cwd", "Status", "Auth", "Source"):
            table.add_column(col, overflow="fold")
        for s in stdio:
            env = ", ".join(f"{k}=*****" for k in s.env) or "-"
            table.add_row(
                cell(s.name),
                cell(s.command or ""),
                cell(" ".join(s.args)) or "-",
                cell(env),
                cell(s.cwd or "-"),
                cell(_status_cell(s)),
                auth_cell(s.name),
                _source_badge(s),
            )
        console.print(table)
    if http:
        table = Table(title="streamable HTTP servers", title_justify="left", expand=False)
        for col in ("Name", "Url", "Bearer Token Env Var", "Status", "Auth", "Source"):
            table.add_column(col, overflow="fold")
        for s in http:
            table.add_row(
                cell(s.name),
                cell(s.url or ""),
                cell(s.bearer_token_env_var or "-"),
                cell(_status_cell(s)),
                auth_cell(s.name),
                _source_badge(s),
            )
        console.print(table)
    if broken:
        table = Table(title="invalid entries", title_justify="left", expand=False)
        for col in ("Name", "Problem", "Source"):
            table.add_column(col, overflow="fold")
        for s in broken:
            first = s.problems[0].one_line() if s.problems else "invalid transport"
            table.add_row(cell(s.name), cell(first), _source_badge(s))
        console.print(table)
