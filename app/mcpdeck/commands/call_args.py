"""The options of ``mcpdeck call``, ``read`` and ``prompt`` (argparse only: the CLI builds its
parser from this on every start, ``list --json`` included)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def add_call_commands(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Register call, read and prompt; ``add(name, help)`` makes one subcommand's parser."""
    p = add("call", "call one tool of a server and print its result")
    p.add_argument("name")
    p.add_argument("tool")
    _common(p, arguments=True)
    p.add_argument(
        "--args-json", metavar="JSON", help="the arguments as one JSON object (--arg adds to it)"
    )
    p = add("read", "read one resource of a server")
    p.add_argument("name")
    p.add_argument("uri")
    _common(p, arguments=False)
    p = add("prompt", "get one prompt of a server with its arguments")
    p.add_argument("name")
    p.add_argument("prompt")
    _common(p, arguments=True)


def _common(p: argparse.ArgumentParser, *, arguments: bool) -> None:
    if arguments:
        p.add_argument(
            "--arg",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="one argument; typed by the schema (a.b=v sets a nested field)",
        )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--timeout", type=float, default=None, metavar="SEC", help="time limit of the call"
    )
    p.add_argument(
        "--step-up",
        action="store_true",
        default=None,
        help="when the server asks for more scopes, log in again with them and retry",
    )
    p.add_argument(
        "--no-step-up", dest="step_up", action="store_false", help="never log in; exit 3 instead"
    )
    p.add_argument(
        "--no-browser", action="store_true", help="step-up: show the URL, open no browser"
    )
    p.add_argument(
        "--save-dir", type=Path, metavar="DIR", help="save images, audio and blobs into DIR"
    )
