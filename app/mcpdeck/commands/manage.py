"""``mcpdeck add | remove | enable | disable``: edit the user (or project) config file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mcpdeck.config import edit
from mcpdeck.config.loader import load_from_args
from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.config.paths import check_codex_home
from mcpdeck.config.validate import is_valid_server_name
from mcpdeck.errors import ConfigError, UsageError


def run(args: argparse.Namespace) -> int:
    if args.command == "add":
        return add(args)
    if args.command == "remove":
        return remove(args)
    if args.command in ("enable", "disable"):
        return toggle(args, enabled=args.command == "enable")
    raise UsageError(f"unknown command {args.command!r}", hint="see `mcpdeck --help`")


# --- add ------------------------------------------------------------------------------------


def build_table(args: argparse.Namespace) -> dict[str, Any]:
    """The ``[mcp_servers.NAME]`` table for ``add``'s options, in the order Codex writes it."""
    command = list(getattr(args, "server_command", None) or [])
    if command and command[0] == "--":
        command = command[1:]
    url = getattr(args, "url", None)
    http_options = {
        "--bearer-token-env-var": getattr(args, "bearer_token_env_var", None),
        "--scopes": getattr(args, "scopes", None),
        "--oauth-resource": getattr(args, "oauth_resource", None),
        "--oauth-client-id": getattr(args, "oauth_client_id", None),
    }
    env_options: list[str] = list(getattr(args, "env", None) or [])
    if url and command:
        raise UsageError(
            "give either --url URL or -- COMMAND [ARG...], not both",
            hint="see `mcpdeck add --help`",
        )
    if not url and not command:
        raise UsageError(
            "missing server: give --url URL (HTTP) or -- COMMAND [ARG...] (stdio)",
            hint="see `mcpdeck add --help`",
        )
    table: dict[str, Any] = {}
    if url:
        if env_options:
            raise UsageError("--env is only valid with stdio servers (-- COMMAND)")
        table["url"] = url
        if http_options["--bearer-token-env-var"]:
            table["bearer_token_env_var"] = http_options["--bearer-token-env-var"]
        if http_options["--scopes"]:
            table["scopes"] = list(http_options["--scopes"])
        if http_options["--oauth-resource"]:
            table["oauth_resource"] = http_options["--oauth-resource"]
        if http_options["--oauth-client-id"]:
            table["oauth"] = {"client_id": http_options["--oauth-client-id"]}
        return table
    given = [flag for flag, value in http_options.items() if value]
    if given:
        raise UsageError(f"{given[0]} is only valid with HTTP servers (--url)")
    table["command"] = command[0]
    if command[1:]:
        table["args"] = command[1:]
    env: dict[str, str] = {}
    for item in env_options:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env {item!r} must look like KEY=VALUE")
        env[key] = value
    if env:
        table["env"] = env
    return table


def add(args: argparse.Namespace) -> int:
    name: str = args.name
    if not is_valid_server_name(name):
        raise UsageError(
            f"invalid server name {name!r}", hint="use only letters, digits, '-' and '_'"
        )
    table = build_table(args)
    check_codex_home(args.codex_home, create_default=True)
    loaded = load_from_args(args)
    existing = loaded.find(name)
    if existing is not None:
        where = existing.defined_at or (existing.source.file if existing.source else "config")
        raise ConfigError(
            f"a server named '{name}' already exists in {where}",
            hint=f"choose another name, or remove it first with `mcpdeck remove {name}`",
        )
    target = _target_file(args, loaded)
    edit.add_server(target, name, table)
    if args.project:
        print(f"Added project MCP server '{name}' to {target}.")
        _warn_if_untrusted(args, target)
    else:
        print(f"Added global MCP server '{name}'.")
    if "url" not in table or args.no_login:
        return 0
    reloaded = load_from_args(args)
    server = reloaded.find(name)
    if server is None or not server.is_active:
        return 0
    try:
        from mcpdeck.commands.login import login_after_add
    except (ImportError, AttributeError):
        return 0
    sys.stdout.flush()
    code: int = login_after_add(args, reloaded, server)
    return code


# --- remove ---------------------------------------------------------------------------------


def remove(args: argparse.Namespace) -> int:
    name: str = args.name
    check_codex_home(args.codex_home)
    loaded = load_from_args(args)
    server = loaded.find(name)
    target = _file_for_existing(args, loaded, server, name, verb="remove")
    edit.remove_server(target, name)
    if args.project:
        print(f"Removed project MCP server '{name}' from {target}.")
    else:
        print(f"Removed global MCP server '{name}'.")
    still = load_from_args(args).servers.get(name)
    if still is not None and still.defined_at is not None:
        print(f"note: '{name}' is still defined in {still.defined_at}")
    return 0


# --- enable / disable -----------------------------------------------------------------------


def toggle(args: argparse.Namespace, *, enabled: bool) -> int:
    name: str = args.name
    verb = "enable" if enabled else "disable"
    check_codex_home(args.codex_home)
    loaded = load_from_args(args)
    server = loaded.find(name)
    target = _file_for_existing(args, loaded, server, name, verb=verb)
    changed = edit.set_enabled(target, name, enabled)
    scope = "global" if target == loaded.user_file else "project"
    state = "enabled" if enabled else "disabled"
    in_file = "" if scope == "global" else f" in {target}"
    if changed:
        print(f"{state.capitalize()} {scope} MCP server '{name}'{in_file}.")
    else:
        print(f"MCP server '{name}' is already {state} in {target}.")
    after = load_from_args(args).servers.get(name)
    if after is not None and after.enabled != enabled:
        where = after.provenance.get("enabled")
        print(
            f"note: '{name}' is still {'disabled' if enabled else 'enabled'}: "
            f"enabled = {str(after.enabled).lower()} in {where}"
            + ("" if args.project else " (use --project to edit the project file)")
        )
    return 0


# --- which file -----------------------------------------------------------------------------


def _target_file(args: argparse.Namespace, loaded: LoadedConfig) -> Path:
    if not args.project:
        return loaded.user_file
    target = loaded.project_file()
    if _same(target, loaded.user_file):
        raise ConfigError(
            f"the project's config file {target} is the user config (CODEX_HOME)",
            hint="run from the project directory or drop --project",
        )
    return target


def _files_mentioning(server: ServerConfig) -> list[Path]:
    files: list[Path] = []
    if server.defined_at is not None:
        files.append(server.defined_at.file)
    for location in server.provenance.values():
        if location.file not in files:
            files.append(location.file)
    return files


def _file_for_existing(
    args: argparse.Namespace,
    loaded: LoadedConfig,
    server: ServerConfig | None,
    name: str,
    *,
    verb: str,
) -> Path:
    """The file to edit for a server that must already exist there."""
    if server is None:
        raise ConfigError(f"no server named {name}; run `mcpdeck list`")
    files = _files_mentioning(server)
    user_file = loaded.user_file
    if not args.project:
        if any(_same(f, user_file) for f in files) or (
            server.source is not None and server.source.layer == "user"
        ):
            return user_file
        where = server.defined_at or files[0]
        raise ConfigError(
            f"'{name}' is not in the user config {user_file}; it is defined in the project "
            f"config {where}",
            hint=f"add --project to {verb} it there",
        )
    project_files = [f for f in files if not _same(f, user_file)]
    if project_files:
        # the closest project layer that mentions it (layers run farthest to closest)
        order = [layer.file for layer in loaded.layers]
        project_files.sort(key=lambda f: order.index(f) if f in order else -1)
        return project_files[-1]
    where = server.defined_at or user_file
    raise ConfigError(
        f"'{name}' is not in any project config; it is defined in the user config {where}",
        hint=f"drop --project to {verb} it there",
    )


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _warn_if_untrusted(args: argparse.Namespace, target: Path) -> None:
    loaded = load_from_args(args)
    for layer in loaded.layers:
        if _same(layer.file, target) and not layer.trusted:
            directory = loaded.project_root or target.parent.parent
            print(
                f"note: Codex loads {target} only when the project is trusted: add "
                f'[projects."{directory}"] trust_level = "trusted" to {loaded.user_file}'
            )
            return
