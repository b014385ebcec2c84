"""``mcpdeck get NAME [--json]``: one server's configuration, like ``codex mcp get``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mcpdeck.config.loader import load_from_args
from mcpdeck.config.model import LoadedConfig, Location, ServerConfig
from mcpdeck.config.paths import check_codex_home
from mcpdeck.config.serialize import (
    REDACTED_HELPER,
    server_to_codex_get_json,
    server_to_get_json,
    startup_timeout_json,
    tool_timeout_json,
)
from mcpdeck.errors import ConfigError
from mcpdeck.redact import for_display

HIDDEN = "*****"


def find_server(loaded: LoadedConfig, name: str) -> ServerConfig:
    server = loaded.find(name)
    if server is None:
        raise ConfigError(f"no server named {name}; run `mcpdeck list`")
    return server


def run(args: argparse.Namespace) -> int:
    from mcpdeck.commands.list_cmd import report_problems

    codex = getattr(args, "codex", False)
    if codex and not args.json:
        from mcpdeck.errors import UsageError

        raise UsageError(
            "--codex needs --json", hint=f"run `mcpdeck get {args.name} --json --codex`"
        )
    check_codex_home(args.codex_home)
    loaded = load_from_args(args)
    if codex:
        # Codex knows only the servers it loads, and nothing at all when it refuses the files.
        server = loaded.servers.get(args.name)
        if loaded.codex_refuses:
            return report_problems(loaded)
        if server is None:
            raise ConfigError(f"no server named {args.name} that Codex loads; run `mcpdeck list`")
        print(json.dumps(server_to_codex_get_json(server), indent=2))
        return report_problems(loaded)
    server = find_server(loaded, args.name)
    if args.json:
        print(json.dumps(server_to_get_json(server), indent=2))
    else:
        sys.stdout.write(for_display(render(server)))
    status = report_problems(loaded)
    return status


def _pairs(mapping: dict[str, str], *, hide: bool) -> str:
    if not mapping:
        return "-"
    return ", ".join(f"{k}={HIDDEN if hide else v}" for k, v in mapping.items())


def _list(items: list[str] | None) -> str | None:
    return None if items is None else (", ".join(items) if items else "-")


def render(server: ServerConfig) -> str:
    """Readable key: value lines; a key set in another file than the source says where."""
    rows: list[tuple[str, str, str | None]] = []  # label, value, provenance key

    def row(label: str, value: Any, key: str | None = None) -> None:
        rows.append((label, "-" if value is None or value == "" else str(value), key))

    row("enabled", "true" if server.enabled else "false", "enabled")
    if server.inactive_reason and server.enabled:
        row("status", server.inactive_reason)
    row("transport", server.transport or "invalid")
    if server.transport == "stdio" or (server.transport is None and server.command is not None):
        row("command", server.command, "command")
        row("args", " ".join(server.args) if server.args else None, "args")
        row("cwd", server.cwd, "cwd")
        env = _pairs(server.env, hide=True)
        if server.env_vars:
            extra = ", ".join(f"{name}={HIDDEN}" for name in server.env_vars)
            env = extra if env == "-" else f"{env}, {extra}"
        row("env", env, "env")
    if server.transport == "streamable_http" or (
        server.transport is None and server.url is not None
    ):
        row("url", server.url, "url")
        row("bearer_token_env_var", server.bearer_token_env_var, "bearer_token_env_var")
        row("http_headers", _pairs(server.http_headers, hide=True), "http_headers")
        row("env_http_headers", _pairs(server.env_http_headers, hide=False), "env_http_headers")
        row(
            "http_headers_helper",
            REDACTED_HELPER if server.http_headers_helper is not None else None,
            "http_headers_helper",
        )
        if server.scopes is not None:
            row("scopes", _list(server.scopes), "scopes")
        if server.oauth_resource is not None:
            row("oauth_resource", server.oauth_resource, "oauth_resource")
        for attr in ("client_id", "client_secret_env_var", "callback_url", "callback_port"):
            value = getattr(server.oauth, attr)
            if value is not None:
                row(f"oauth.{attr}", value, f"oauth.{attr}")
        if server.oauth.client_metadata_url is not None:
            row("oauth.client_metadata_url", server.oauth.client_metadata_url)
        if server.oauth.client_secret is not None:
            row("oauth.client_secret", HIDDEN, "oauth.client_secret")
        for attr in ("token_endpoint_auth_method", "authorization_server_issuer"):
            value = getattr(server.oauth, attr)
            if value is not None:
                row(f"oauth.{attr}", value, f"oauth.{attr}")
    if server.enabled_tools is not None:
        row("enabled_tools", _list(server.enabled_tools), "enabled_tools")
    if server.disabled_tools is not None:
        row("disabled_tools", _list(server.disabled_tools), "disabled_tools")
    startup = startup_timeout_json(server)
    if startup is not None:
        startup_key = (
            "startup_timeout_sec"
            if "startup_timeout_sec" in server.provenance
            else "startup_timeout_ms"
        )
        row("startup_timeout_sec", startup, startup_key)
    tool = tool_timeout_json(server)
    if tool is not None:
        row("tool_timeout_sec", tool, "tool_timeout_sec")
    if server.required:
        row("required", "true", "required")
    for extra, setting in server.extras.items():
        if extra == "tools" and isinstance(setting, dict):
            for tool, config in setting.items():
                mode = config.get("approval_mode") if isinstance(config, dict) else None
                row(f"tools.{tool}.approval_mode", mode, f"tools.{tool}")
        else:
            row(extra, setting if isinstance(setting, str) else json.dumps(setting), extra)

    lines = [server.name]
    source_file = server.source.file if server.source else None
    for label, value, key in rows:
        text = f"  {label}: {value}"
        where = _provenance(server, key)
        if where is not None and where.file != source_file:
            text += f"  (from {where})"
        lines.append(text)
    if server.source is not None:
        defined = str(server.defined_at or server.source.file)
        trust = "" if server.source.trusted else ", project not trusted"
        lines.append(f"  source: {server.source.layer} {defined}{trust}")
    if server.ignored_reason is not None:
        lines.append(f"  {server.ignored_reason}")
    for problem in server.problems:
        lines.append(f"  {problem.severity}: {problem.one_line()}")
    project = " --project" if server.source is not None and server.source.layer == "project" else ""
    lines.append(f"  remove: mcpdeck remove {server.name}{project}")
    return "\n".join(lines) + "\n"


def _provenance(server: ServerConfig, key: str | None) -> Location | None:
    if key is None:
        return None
    return server.provenance.get(key)
