"""Command-line entry point: ``mcpdeck [COMMAND]``.

Only argparse and the standard library are imported at start-up; each command's module is
imported when that command runs (``mcpdeck list --json`` must not import textual, mcp or authlib).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mcpdeck import __version__
from mcpdeck.errors import EXIT_FAILURE, EXIT_USAGE, McpdeckError

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

# command name -> module under mcpdeck.commands exposing ``run(args) -> int``
_COMMANDS = {
    "tui": "tui",
    "demo": "demo",
    "list": "list_cmd",
    "get": "get_cmd",
    "add": "manage",
    "remove": "manage",
    "enable": "manage",
    "disable": "manage",
    "login": "login",
    "logout": "logout",
    "doctor": "doctor",
    "call": "call",
    "read": "call",
    "prompt": "call",
    "trust": "trust_cmd",
    "untrust": "trust_cmd",
}

_DESCRIPTION = """\
Manage the MCP servers of your Codex configuration and their authentication.

With no command, opens the full-screen manager on your user config
($CODEX_HOME/config.toml, default ~/.codex) and the project's .codex/config.toml files.
Try `mcpdeck demo` to explore every feature against a local demo world.
"""

_EPILOG = """\
exit status: 0 success, 1 failure, 2 usage or config error, 3 authentication required.
examples:
  mcpdeck list                      servers with their auth status
  mcpdeck list --json --offline     the same as JSON, without network probes
  mcpdeck add docs --url https://docs.example.com/mcp
  mcpdeck login docs                OAuth login in your browser
  mcpdeck doctor docs               what is wrong with a server, and how to fix it
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter imports shutil (and with it bz2, lzma, zlib) for the terminal width
    each time an argument is added; os.get_terminal_size answers without that start-up cost."""

    def __init__(self, prog: str, width: int | None = None, **kwargs: Any) -> None:
        if width is None:
            try:
                width = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size().columns
            except (ValueError, OSError):
                width = 80
            width -= 2
        super().__init__(prog, width=width, **kwargs)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _profile(value: str) -> str:
    from mcpdeck.config.overrides import check_profile

    try:
        return check_profile(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _global_options(where: str) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command name.

    ``-c`` collects into a separate list on each side (argparse would let the command's empty
    list replace the one given before it); ``_apply_globals`` joins them.
    """
    common = argparse.ArgumentParser(add_help=False, formatter_class=_Formatter, allow_abbrev=False)
    common.add_argument(
        "--codex-home",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="Codex home directory (default: $CODEX_HOME, else ~/.codex)",
    )
    common.add_argument(
        "-C",
        "--cd",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="project directory to read .codex/config.toml layers from (default: current)",
    )
    common.add_argument(
        "-p",
        "--profile",
        metavar="NAME",
        type=_profile,
        default=argparse.SUPPRESS,
        help="also read $CODEX_HOME/NAME.config.toml, as `codex -p NAME` does",
    )
    common.add_argument(
        "-c",
        "--config",
        metavar="KEY=VALUE",
        action="append",
        dest=f"config_{where}",
        default=argparse.SUPPRESS,
        help="override a config value, as `codex -c` does (the value is TOML, else a string)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks on errors",
    )
    return common


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``command``, only that command's sub-parser (enough to parse a
    command line that names it: see :func:`_command_named`). Building all of them cost every
    start-up about 3 ms (an ArgumentParser each, and their help strings through gettext)."""

    def want(*names: str) -> bool:
        return command is None or command in names

    common = _global_options("after")

    parser = argparse.ArgumentParser(
        prog="mcpdeck",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=_Formatter,
        parents=[_global_options("before")],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"mcpdeck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            parents=[common],
            formatter_class=_Formatter,
            allow_abbrev=False,
        )

    if want("tui"):
        add("tui", "open the full-screen manager (the default)")

    if want("demo"):
        p = add("demo", "open the manager on the embedded demo world (local servers, no account)")
        p.add_argument(
            "--serve",
            action="store_true",
            help="only run the demo servers and print how to point other commands at them",
        )
        p.add_argument(
            "--auto-approve",
            action="store_true",
            help="the demo authorization server approves logins without a consent page",
        )
        p.add_argument(
            "--token-lifetime",
            type=int,
            default=120,
            metavar="SEC",
            help="lifetime of demo access tokens in seconds (default 120)",
        )
        p.add_argument("--untrusted", action="store_true", help="leave the demo project untrusted")

    if want("list"):
        p = add("list", "list every server with its auth status")
        p.add_argument("--json", action="store_true", help="print JSON (an array of servers)")
        p.add_argument(
            "--offline", action="store_true", help="do not probe servers over the network"
        )
        p.add_argument(
            "--timeout",
            type=float,
            default=5.0,
            metavar="SEC",
            help="per-server probe timeout in seconds (default 5)",
        )

        p.add_argument(
            "--codex",
            action="store_true",
            help="with --json: exactly what `codex mcp list --json` prints (env/header values masked)",
        )

    if want("get"):
        p = add("get", "show one server's configuration")
        p.add_argument("name")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument(
            "--codex",
            action="store_true",
            help="with --json: exactly what `codex mcp get --json` prints (env/header values masked)",
        )

    if want("add"):
        p = add("add", "add a server to the user config (or the project's with --project)")
        p.add_argument("name")
        p.add_argument("--url", help="streamable HTTP server URL")
        p.add_argument(
            "--bearer-token-env-var", metavar="VAR", help="env var holding a bearer token"
        )
        p.add_argument("--scopes", type=_csv, metavar="A,B", help="OAuth scopes to request")
        p.add_argument("--oauth-resource", metavar="URI", help="RFC 8707 resource indicator")
        p.add_argument("--oauth-client-id", metavar="ID", help="pre-registered OAuth client id")
        p.add_argument(
            "--env",
            action="append",
            default=[],
            metavar="K=V",
            help="environment for a stdio server",
        )
        p.add_argument(
            "--project", action="store_true", help="write the project's .codex/config.toml"
        )
        p.add_argument("--no-login", action="store_true", help="do not log in after adding")
        p.add_argument(
            "--no-browser", action="store_true", help="show the login URL, open no browser"
        )
        # The stdio command comes after a literal `--` (split off in _parse, see there): an argparse
        # REMAINDER positional here would swallow every option written after NAME.
        p.set_defaults(server_command=[])
        p.usage = (
            "mcpdeck add NAME --url URL [options]\n"
            "       mcpdeck add NAME [--env K=V]... [--project] -- COMMAND [ARG...]"
        )

    for name, text in (
        ("remove", "remove a server from the config"),
        ("enable", "enable a server"),
        ("disable", "disable a server (keeps its configuration)"),
    ):
        if not want(name):
            continue
        p = add(name, text)
        p.add_argument("name")
        p.add_argument("--project", action="store_true", help="edit the project's config file")

    if want("login"):
        p = add("login", "log in to an OAuth-protected server")
        p.add_argument("name")
        p.add_argument(
            "--scopes", type=_csv, metavar="A,B", help="scopes to request (overrides config)"
        )
        p.add_argument("--no-browser", action="store_true", help="show the URL, open no browser")
        p.add_argument(
            "--timeout",
            type=float,
            default=300.0,
            metavar="SEC",
            help="callback wait (default 300)",
        )

    for name, text in (
        ("trust", "mark a project trusted, so Codex loads its .codex/config.toml"),
        ("untrust", "mark a project untrusted, so Codex ignores its .codex/config.toml"),
    ):
        if not want(name):
            continue
        p = add(name, text)
        p.add_argument(
            "dir",
            nargs="?",
            type=Path,
            help="the project directory (default: the project root of -C/the current directory)",
        )

    if want("logout"):
        p = add("logout", "delete a server's stored OAuth credentials (config is untouched)")
        p.add_argument("name")
        p.add_argument(
            "--local-only",
            action="store_true",
            help="only delete locally; do not revoke the tokens at the authorization server",
        )

    if want("doctor"):
        p = add("doctor", "verbose diagnostic report of one server or all")
        p.add_argument("name", nargs="?")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument(
            "--timeout", type=float, default=None, metavar="SEC", help="per-server time limit"
        )

    # call / read / prompt: their options live with the command (one small import, no SDK).
    if want("call", "read", "prompt"):
        from mcpdeck.commands.call_args import add_call_commands

        add_call_commands(add)
    return parser


def _apply_globals(args: argparse.Namespace) -> None:
    """Normalise the global options so every command reads the same attributes."""
    home = getattr(args, "codex_home", None)
    args.codex_home_given = home is not None  # `demo` refuses it rather than ignore it
    if home is None:
        env_home = os.environ.get("CODEX_HOME")
        home = Path(env_home) if env_home else Path.home() / ".codex"
    args.codex_home = Path(home).expanduser()
    args.cd = Path(getattr(args, "cd", None) or Path.cwd()).expanduser().resolve()
    args.debug = bool(getattr(args, "debug", False))
    args.profile = getattr(args, "profile", None)
    raw = [*getattr(args, "config_before", []), *getattr(args, "config_after", [])]
    from mcpdeck.config.overrides import parse_override

    overrides = []
    for item in raw:
        try:
            overrides.append(parse_override(item))
        except ValueError as exc:
            from mcpdeck.errors import UsageError

            raise UsageError(
                str(exc), hint="write -c key=value, e.g. -c mcp_servers.docs.enabled=false"
            ) from None
    args.config_overrides = overrides


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; for ``add``, everything after the first ``--`` is the server command."""
    if "--" in argv:
        cut = argv.index("--")
        head, tail = argv[:cut], argv[cut + 1 :]
        args: argparse.Namespace | None
        try:
            # A trial parse: stay silent, the full parse below reports any error.
            with (
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                args = parser.parse_args(head)
        except SystemExit:
            args = None
        if args is not None and args.command == "add":
            args.server_command = tail
            return args
    return parser.parse_args(argv)


# Global options that take a value as the next word (``--codex-home DIR``), see _global_options.
_VALUE_OPTIONS = frozenset({"--codex-home", "-C", "--cd", "-p", "--profile", "-c", "--config"})


def _command_named(argv: list[str]) -> str | None:
    """The command ``argv`` names, when argparse will certainly parse it as that command;
    None (build every sub-parser) for no command, an unknown word, or help before it."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--" or word in ("-h", "--help", "--version"):
            return None
        elif word.startswith("-"):
            skip = word in _VALUE_OPTIONS
        else:
            return word if word in _COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None, *, started: Callable[[], None] | None = None) -> int:
    """Run one command; ``started`` is called once its module is imported, before it runs."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_named(words))
    args = _parse(parser, words)
    try:
        _apply_globals(args)
    except McpdeckError as exc:
        from mcpdeck.redact import for_display

        print(f"mcpdeck: {for_display(exc.one_line())}", file=sys.stderr)
        return exc.exit_code
    command = args.command or "tui"
    args.command = command
    module = importlib.import_module(f"mcpdeck.commands.{_COMMANDS[command]}")
    if started is not None:
        started()
    try:
        code: int = module.run(args)
        return code
    except McpdeckError as exc:
        if args.debug:
            raise
        from mcpdeck.redact import for_display

        print(f"mcpdeck: {for_display(exc.one_line())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mcpdeck: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line unless --debug
        if args.debug:
            raise
        from mcpdeck.redact import for_display

        print(
            f"mcpdeck: unexpected error: {for_display(f'{type(exc).__name__}: {exc}')}"
            " (run again with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["EXIT_USAGE", "build_parser", "main"]
