"""Turn one merged ``[mcp_servers.NAME]`` table into a ServerConfig, reporting what is wrong.

Nothing here raises for bad content: every problem becomes a ConfigProblem on the server, with
the file and line of the offending key taken from the provenance built while merging. The keys
and their families are ``server_keys``; the transport keys are read by ``transport_keys``.
"""

from __future__ import annotations

import math
import re

from mcpdeck.config.model import Location, ServerConfig, Source
from mcpdeck.config.problem_report import (
    ProblemReporter,
    choice,
    is_number,
    str_list,
    toml_type_name,
    unknown,
)
from mcpdeck.config.server_keys import (
    APPROVAL_MODES,
    AUTH_MODES,
    COMMON_KEYS,
    EXTRA_KEYS,
    HTTP_KEYS,
    KNOWN_KEYS,
    OMIT_TOOLS_FROM,
    READINESS,
    STDIO_KEYS,
)
from mcpdeck.config.transport_keys import APPLY

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any

    from mcpdeck.config.model import Transport

# What `mcpdeck add` accepts (the same rule as `codex mcp add`). Codex itself reads any name from
# a config file, dots and spaces included, so the loader accepts every name.
SERVER_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def is_valid_server_name(name: str) -> bool:
    return bool(SERVER_NAME_RE.match(name))


def build_server(
    name: str,
    table: Any,
    *,
    source: Source | None,
    provenance: dict[str, Location],
    defined_at: Location | None,
) -> ServerConfig:
    """Validate a merged server table; the result is always a ServerConfig (maybe invalid).

    Errors are what makes Codex 0.171.0 refuse the whole configuration (a value of the wrong
    type, no transport, a key of the other transport); warnings are what it silently ignores.
    """
    report = ProblemReporter(name, provenance, defined_at)
    server = ServerConfig(
        name=name,
        transport=None,
        source=source,
        provenance=provenance,
        defined_at=defined_at,
    )
    if not isinstance(table, dict):
        report.add(f"must be a table, not {toml_type_name(table)}")
        server.problems = report.problems
        return server

    has_command = "command" in table
    has_url = "url" in table
    transport: Transport | None = None
    if has_command:
        transport = "stdio"
    elif has_url:
        transport = "streamable_http"
    else:
        report.add("invalid transport: set command (stdio) or url (streamable HTTP)")
    server.transport = transport

    for key, value in table.items():
        if key == "bearer_token":
            report.add(
                f"bearer_token is not supported for {transport or 'any transport'}: secrets "
                "never go in config; put the token in an environment variable and set "
                "bearer_token_env_var",
                key,
            )
            continue
        if key in COMMON_KEYS:
            _apply_common(server, report, key, value)
        elif key in EXTRA_KEYS:
            _apply_extra(server, report, key, value)
        elif key in STDIO_KEYS or key in HTTP_KEYS:
            if transport == "stdio" and key in HTTP_KEYS:
                report.add(f"{key} is not supported for stdio", key)
                continue
            if transport == "streamable_http" and key in STDIO_KEYS:
                report.add(f"{key} is not supported for streamable_http", key)
                continue
            APPLY[key](server, report, key, value)
        else:
            report.add(unknown(key, KNOWN_KEYS), key, "warning")

    _apply_timeouts(server, report, table)
    _check_combinations(server, report)
    server.problems = report.problems
    return server


def _apply_common(server: ServerConfig, report: ProblemReporter, key: str, value: Any) -> None:
    if key in ("enabled", "required"):
        if isinstance(value, bool):
            setattr(server, key, value)
        else:
            report.wrong_type(key, "true or false", value)
    elif key in ("enabled_tools", "disabled_tools", "scopes"):
        items = str_list(value)
        if items is None:
            report.wrong_type(key, "an array of strings", value)
        else:
            setattr(server, key, items)
    # timeouts are handled together in _apply_timeouts (sec wins over the legacy ms)


def _apply_extra(server: ServerConfig, report: ProblemReporter, key: str, value: Any) -> None:
    """Keys Codex accepts that mcpdeck only shows (and the doctor explains)."""
    ok = True
    if key == "default_tools_approval_mode":
        ok = choice(report, key, value, APPROVAL_MODES)
    elif key == "auth":
        ok = choice(report, key, value, AUTH_MODES)
    elif key == "startup_readiness":
        ok = choice(report, key, value, READINESS)
    elif key == "supports_parallel_tool_calls":
        if not isinstance(value, bool):
            report.wrong_type(key, "true or false", value)
            ok = False
    elif key in ("environment_id", "name"):
        if not isinstance(value, str):
            report.wrong_type(key, "a string", value)
            ok = False
    elif key == "omit_tools_from":
        items = str_list(value)
        if items is None:
            report.wrong_type(key, "an array of strings", value)
            ok = False
        else:
            for item in items:
                ok = choice(report, key, item, OMIT_TOOLS_FROM) and ok
    elif key == "tools":
        ok = _check_tools(report, value)
    if ok:
        server.extras[key] = value


def _check_tools(report: ProblemReporter, value: Any) -> bool:
    if not isinstance(value, dict):
        report.wrong_type("tools", "a table of tools", value)
        return False
    ok = True
    for tool, config in value.items():
        dotted = f"tools.{tool}"
        if not isinstance(config, dict):
            report.wrong_type(dotted, "a table", config)
            ok = False
            continue
        for item_key, item in config.items():
            if item_key == "approval_mode":
                ok = choice(report, f"{dotted}.approval_mode", item, APPROVAL_MODES) and ok
            else:
                report.add(
                    unknown(item_key, frozenset({"approval_mode"})),
                    f"{dotted}.{item_key}",
                    "warning",
                )
    return ok


def _check_combinations(server: ServerConfig, report: ProblemReporter) -> None:
    """Codex's checks across keys, with its words."""
    oauth = server.oauth
    if oauth.client_secret is not None:
        if oauth.client_id is None:
            report.add("oauth.client_secret requires oauth.client_id", "oauth.client_secret")
        elif oauth.client_secret == "":
            report.add("oauth.client_secret must not be empty", "oauth.client_secret")
        else:
            report.add(
                "an inline client secret is stored in plain text in this file; Codex has no "
                "other place for it (it ignores client_secret_env_var), so keep the file "
                "private (chmod 600) and out of shared repositories",
                "oauth.client_secret",
                "warning",
            )
    auth = server.extras.get("auth")
    if oauth.token_endpoint_auth_method is not None:
        if auth != "ema_auth":
            report.add(
                'oauth.token_endpoint_auth_method requires auth = "ema_auth"',
                "oauth.token_endpoint_auth_method",
            )
        elif oauth.client_secret is None:
            report.add(
                "oauth.token_endpoint_auth_method requires oauth.client_secret",
                "oauth.token_endpoint_auth_method",
            )
    if oauth.authorization_server_issuer is not None and auth != "ema_auth":
        report.add(
            'oauth.authorization_server_issuer requires auth = "ema_auth"',
            "oauth.authorization_server_issuer",
        )
    if server.http_headers_helper is not None:
        if server.http_headers_helper == "":
            report.add("http_headers_helper must not be empty", "http_headers_helper")
        elif "environment_id" in server.extras:
            report.add(
                "http_headers_helper is only supported for local MCP servers "
                "(remove environment_id or the helper)",
                "http_headers_helper",
            )


def _apply_timeouts(server: ServerConfig, report: ProblemReporter, table: dict[str, Any]) -> None:
    def seconds(key: str, scale: float, integer: bool) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if not is_number(value) or (integer and not isinstance(value, int)):
            report.wrong_type(key, "an integer" if integer else "a number", value)
            return None
        if value < 0:
            report.add("must not be negative", key)
            return None
        result = float(value) / scale
        # Codex turns seconds into a Duration: anything from ~1.8e19 s on is refused.
        if not math.isfinite(result) or result >= 1.8e19:
            report.add("is too big (or not a number)", key)
            return None
        return result

    startup_sec = seconds("startup_timeout_sec", 1.0, False)
    startup_ms = seconds("startup_timeout_ms", 1000.0, True)
    tool = seconds("tool_timeout_sec", 1.0, False)
    if startup_sec is not None:
        server.startup_timeout_sec = startup_sec
    elif startup_ms is not None:
        server.startup_timeout_sec = startup_ms
    if tool is not None:
        server.tool_timeout_sec = tool
