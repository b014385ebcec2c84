"""``mcpdeck demo [--serve] [--auto-approve] [--token-lifetime SEC] [--untrusted]``."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcpdeck.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from mcpdeck.demo.world import DemoWorld


def describe(world: DemoWorld) -> list[str]:
    """What runs where, one line per server (no secrets)."""
    from mcpdeck.demo.servers import LINEAR_REQUIRED, LINEAR_TOOL_SCOPES

    trust = "trusted" if world.trusted else "NOT trusted: its servers are shown disabled"
    consent = "approves at once" if world.auto_approve else "shows a consent page"
    return [
        f"  CODEX_HOME            {world.codex_home}",
        f"  project               {world.project_dir} ({trust})",
        f"  authorization server  {world.as_url} ({consent}; tokens last {world.token_lifetime:g} s)",
        f"  linear   {world.urls['linear']}  OAuth: login asks for {' '.join(LINEAR_REQUIRED)},",
        "           the scope its 401 challenge names (create_issue needs "
        f"{' '.join(LINEAR_TOOL_SCOPES['create_issue'])}: add it to scopes)",
        f"  docs     {world.urls['docs']}  bearer token from $DEMO_DOCS_TOKEN",
        "  local    stdio: python -m mcpdeck.demo.stdio_server",
        f"  staging  {world.urls['staging']}  project layer, no authentication",
        f"  broken   {world.urls['broken']}  misconfigured on purpose",
    ]


def own_command() -> str:
    """This mcpdeck as another shell can run it: the bare name only when PATH finds this very
    program; else its absolute path (after the quick start it is not on PATH, and the banner's
    `cd` would break a relative one)."""
    beside = Path(sys.executable).parent / "mcpdeck"
    on_path = shutil.which("mcpdeck")
    if beside.is_file():
        if on_path and Path(on_path).resolve() == beside.resolve():
            return "mcpdeck"
        return shlex.quote(str(beside.absolute()))
    return f"{shlex.quote(sys.executable)} -m mcpdeck"


def _print_serve_banner(world: DemoWorld) -> None:
    lines = [
        "mcpdeck demo world is running on 127.0.0.1 (Ctrl-C stops it and deletes its files).",
        "",
        *describe(world),
        "",
        "In another shell:",
        *(f"  {line}" for line in world.shell_lines()),
        *(f"  {own_command()} {what}" for what in ("list", "login linear", "doctor broken")),
        "",
    ]
    print("\n".join(lines), flush=True)


def _wait_for_interrupt() -> None:
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _open_tui(world: DemoWorld) -> int:
    try:
        from mcpdeck.tui.app import run_tui
    except ImportError:
        return _show_list(world)
    code: int = run_tui(world.codex_home, world.project_dir, env=world.env, demo=world)
    return code


def _show_list(world: DemoWorld) -> int:
    """Until the TUI exists: what `mcpdeck list` says about the demo."""
    print("The full-screen manager is not available; showing `mcpdeck list` instead.\n")
    print("\n".join(describe(world)) + "\n", flush=True)
    if importlib.util.find_spec("mcpdeck.commands.list_cmd") is None:
        return EXIT_OK
    from mcpdeck.cli import main

    return main(["--codex-home", str(world.codex_home), "-C", str(world.project_dir), "list"])


def run(args: argparse.Namespace) -> int:
    if getattr(args, "codex_home_given", False):
        raise UsageError(
            "demo makes its own temporary CODEX_HOME; --codex-home is not used with demo",
            hint="run `mcpdeck demo` without it",
        )
    if args.token_lifetime <= 0:
        raise UsageError(
            f"--token-lifetime must be a positive number of seconds, not {args.token_lifetime}",
            hint="for example --token-lifetime 30",
        )
    from mcpdeck.demo.world import DOCS_TOKEN_ENV_VAR, run_demo_in_thread

    with run_demo_in_thread(
        auto_approve=args.auto_approve,
        token_lifetime=float(args.token_lifetime),
        trusted=not args.untrusted,
    ) as world:
        # The docs server's bearer_token_env_var must resolve in this process (TUI, list).
        previous = os.environ.get(DOCS_TOKEN_ENV_VAR)
        os.environ[DOCS_TOKEN_ENV_VAR] = world.docs_token
        try:
            if args.serve:
                _print_serve_banner(world)
                _wait_for_interrupt()
                print("Stopping the demo world…", file=sys.stderr, flush=True)
                return EXIT_OK
            return _open_tui(world)
        finally:
            if previous is None:
                os.environ.pop(DOCS_TOKEN_ENV_VAR, None)
            else:
                os.environ[DOCS_TOKEN_ENV_VAR] = previous
