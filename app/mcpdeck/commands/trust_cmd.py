"""``mcpdeck trust [DIR]`` / ``mcpdeck untrust [DIR]``: the trust entry Codex reads."""

from __future__ import annotations

import argparse

from mcpdeck.config.paths import check_codex_home


def run(args: argparse.Namespace) -> int:
    from mcpdeck.config.trust import set_trust

    check_codex_home(args.codex_home, create_default=True)
    directory = args.dir if args.dir is not None else args.cd
    if not directory.is_dir():
        from mcpdeck.errors import UsageError

        raise UsageError(f"{directory} is not a directory")
    trusted = args.command == "trust"
    user_file = args.codex_home / "config.toml"
    root = set_trust(user_file, directory, trusted)
    if trusted:
        print(f"Trusted {root}: Codex now loads its .codex/config.toml files ({user_file}).")
    else:
        print(f"Marked {root} untrusted: Codex ignores its .codex/config.toml files ({user_file}).")
    return 0
