"""`mcpdeck list [--json] [--offline]`: every server with its auth status.

Start-up matters here (docs/architecture.md, "Start-up budget"): this module and what it
imports must not pull in textual, mcp or authlib, and rich only for the human table.
"""

from __future__ import annotations

import argparse
import sys

from mcpdeck.config.loader import load_from_args
from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.config.serialize import server_to_codex_json, source_json
from mcpdeck.errors import EXIT_OK, EXIT_USAGE
from mcpdeck.json_text import dumps_indented
from mcpdeck.status import ServerStatus, offline_statuses

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

_GLYPH = {
    "authenticated": ("✓", "green", "authenticated"),
    "oauth_available": ("○", "yellow", "OAuth available"),
    "bearer_token": ("●", "cyan", "bearer token"),
    "none": ("·", "dim", "none"),
}


def _open_credentials(loaded: LoadedConfig) -> Any:
    """The credential facade, or None when the config alone decides every status.

    Stdio, disabled and bearer-token servers never need the store: not opening it spares its
    imports (start-up budget).
    """
    from mcpdeck.status import config_decision

    if all(config_decision(s) is not None for s in loaded.servers.values()):
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
    loaded = load_from_args(args)
    credentials = _open_credentials(loaded)
    if args.offline:
        return loaded, offline_statuses(loaded, credentials)
    from mcpdeck.status import in_config_order
    from mcpdeck.status_probe import plan_and_settle

    plan = plan_and_settle(loaded, credentials)
    if not plan.to_probe:  # no HTTP exchange needed: no event loop, no HTTP client
        return loaded, in_config_order(loaded, plan.decided)
    from mcpdeck import event_loop
    from mcpdeck.status_probe import compute_statuses

    statuses = event_loop.run(
        compute_statuses(loaded, credentials, timeout=args.timeout, plan=plan),
        probes=len(plan.to_probe),
    )
    return loaded, statuses


def report_problems(loaded: LoadedConfig) -> int:
    """Every problem on stderr; exit 2 when any is an error (Codex refuses those files)."""
    from mcpdeck.redact import for_display

    errors = 0
    for problem in loaded.all_problems():
        print(f"mcpdeck: {problem.severity}: {for_display(problem.one_line())}", file=sys.stderr)
        errors += problem.severity == "error"
    return EXIT_USAGE if errors else EXIT_OK


def codex_rows(loaded: LoadedConfig, statuses: dict[str, ServerStatus]) -> list[dict[str, Any]]:
    """`codex mcp list --json`: the servers Codex loads, in its order, with its words."""
    from mcpdeck.status import codex_auth_status

    rows = []
    for server in _by_name(loaded):
        if server.ignored_reason is not None:
            continue
        row = server_to_codex_json(server)
        row["auth_status"] = codex_auth_status(server, statuses.get(server.name))
        rows.append(row)
    return rows


def run(args: argparse.Namespace) -> int:
    if getattr(args, "codex", False) and not args.json:
        from mcpdeck.errors import UsageError

        raise UsageError("--codex needs --json", hint="run `mcpdeck list --json --codex`")
    loaded, statuses = collect(args)
    if args.json and getattr(args, "codex", False):
        # Codex prints nothing when it refuses the configuration; neither do we.
        if not loaded.codex_refuses:
            sys.stdout.write(dumps_indented(codex_rows(loaded, statuses)) + "\n")
    elif args.json:
        rows = [server_json(s, _status_of(s, statuses)) for s in _by_name(loaded)]
        sys.stdout.write(dumps_indented(rows) + "\n")
    else:
        _print_tables(loaded, statuses)
    return report_problems(loaded)


def _status_of(server: ServerConfig, statuses: dict[str, ServerStatus]) -> ServerStatus:
    from mcpdeck.status import AuthInfo

    if server.ignored_reason is not None or server.name not in statuses:
        return ServerStatus(server.name, "none", AuthInfo(detail=server.ignored_reason or ""))
    return statuses[server.name]


def _by_name(loaded: LoadedConfig) -> list[ServerConfig]:
    """Sorted by name, as Codex lists them, so the two tools' outputs line up."""
    return loaded.rows()


def _source_badge(server: ServerConfig) -> str:
    if server.source is None:
        return "?"
    if server.ignored_reason is not None and server.source.trusted:
        return f"{server.source.layer} (broken file)"
    if server.source.layer != "project":
        return server.source.layer
    return "project" if server.source.trusted else "project (untrusted)"


def _status_cell(server: ServerConfig) -> str:
    reason = server.inactive_reason
    if reason is None:
        return "enabled"
    if server.ignored_reason is not None:
        # Short: the table must leave room for the values; stderr says why in full.
        return "ignored by Codex"
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
    if not loaded.servers and not loaded.ignored:
        console.print(
            f"No MCP servers configured in {escape(for_display(loaded.user_file))} "
            "or the project's .codex/config.toml.\n"
            "Add one with `mcpdeck add NAME --url URL` or `mcpdeck add NAME -- COMMAND`, "
            "or try `mcpdeck demo`."
        )
        return

    def auth_cell(server: ServerConfig) -> Text:
        st = _status_of(server, statuses)
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
                auth_cell(s),
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
                auth_cell(s),
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
