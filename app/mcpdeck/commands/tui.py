"""`mcpdeck` / `mcpdeck tui`: the full-screen manager."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from mcpdeck.tui.app import run_tui

    return run_tui(
        args.codex_home,
        args.cd,
        profile=getattr(args, "profile", None),
        overrides=getattr(args, "config_overrides", None),
    )
