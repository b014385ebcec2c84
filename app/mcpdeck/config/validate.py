"""Turn one merged ``[mcp_servers.NAME]`` table into a ServerConfig, reporting what is wrong.

Nothing here raises for bad content: every problem becomes a ConfigProblem on the server, with
the file and line of the offending key taken from the provenance built while merging.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from mcpdeck.config.model import (
    ConfigProblem,
    CredentialsStoreMode,
    Location,
    OAuthOverrides,
    ServerConfig,
    Settings,
    Source,
    Transport,
)

# What `mcpdeck add` accepts (the same rule as `codex mcp add`). Codex itself reads any name from
# a config file, dots and spaces included, so the loader accepts every name.
SERVER_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")

# Every key of Codex 0.171.0's server table (its RawMcpServerConfig), checked against the binary.
COMMON_KEYS = frozenset(
    {
        "enabled",
        "required",
        "startup_timeout_sec",
        "startup_timeout_ms",
        "tool_timeout_sec",
        "enabled_tools",
        "disabled_tools",
        # Codex accepts scopes on stdio servers too (they are simply unused there).
        "scopes",
    }
)
# Accepted by Codex on both transports; shown by `get` and explained by the doctor.
EXTRA_KEYS = frozenset(
    {
        "default_tools_approval_mode",
        "supports_parallel_tool_calls",
        "tools",
        "environment_id",
        "auth",
        "omit_tools_from",
        "name",
        "startup_readiness",
        "experimental_environment",
    }
)
STDIO_KEYS = frozenset({"command", "args", "env", "env_vars", "cwd"})
HTTP_KEYS = frozenset(
    {
        "url",
        "bearer_token_env_var",
        "http_headers",
        "env_http_headers",
        "http_headers_helper",
        "oauth_resource",
        "oauth",
    }
)
KNOWN_KEYS = COMMON_KEYS | EXTRA_KEYS | STDIO_KEYS | HTTP_KEYS | {"bearer_token"}
# Codex's [mcp_servers.X.oauth] keys, plus mcpdeck's own two (Codex ignores those).
CODEX_OAUTH_KEYS = frozenset(
    {
        "client_id",
        "client_secret",
        "callback_url",
        "callback_port",
        "token_endpoint_auth_method",
        "authorization_server_issuer",
    }
)
MCPDECK_OAUTH_KEYS = frozenset({"client_secret_env_var", "client_metadata_url"})
OAUTH_KEYS = CODEX_OAUTH_KEYS | MCPDECK_OAUTH_KEYS
APPROVAL_MODES = ("auto", "prompt", "writes", "approve")
AUTH_MODES = ("oauth", "chatgpt", "ema_auth")
READINESS = ("connection", "catalog")
OMIT_TOOLS_FROM = ("code_mode", "deferred", "direct")
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
ENV_VAR_SOURCES = ("local", "remote")
CREDENTIALS_STORES: tuple[CredentialsStoreMode, ...] = ("auto", "keyring", "file")

Severity = Literal["error", "warning"]


def is_valid_server_name(name: str) -> bool:
    return bool(SERVER_NAME_RE.match(name))


def toml_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date-time"
    return type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _str_map(value: Any) -> dict[str, str] | None:
    if isinstance(value, dict) and all(isinstance(item, str) for item in value.values()):
        return dict(value)
    return None


class _Reporter:
    """Collects problems for one server, placing each at its key's file and line."""

    def __init__(
        self, name: str, provenance: Mapping[str, Location], fallback: Location | None
    ) -> None:
        self.name = name
        self.provenance = provenance
        self.fallback = fallback
        self.problems: list[ConfigProblem] = []

    def location(self, key: str | None) -> Location | None:
        if key is not None:
            found = self.provenance.get(key)
            if found is not None:
                return found
        return self.fallback

    def add(self, message: str, key: str | None = None, severity: Severity = "error") -> None:
        where = self.location(key)
        self.problems.append(
            ConfigProblem(
                message=message,
                file=where.file if where else Path("<unknown>"),
                line=where.line if where else None,
                server=self.name,
                key=key,
                severity=severity,
            )
        )

    def wrong_type(self, key: str, expected: str, value: Any) -> None:
        self.add(f"must be {expected}, not {toml_type_name(value)}", key)


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
    report = _Reporter(name, provenance, defined_at)
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
            _APPLY[key](server, report, key, value)
        else:
            report.add(_unknown(key, KNOWN_KEYS), key, "warning")

    _apply_timeouts(server, report, table)
    _check_combinations(server, report)
    server.problems = report.problems
    return server


def _unknown(key: str, known: frozenset[str]) -> str:
    import difflib

    message = f"unknown key {key!r}: Codex ignores it"
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    if close:
        message += f"; did you mean {close[0]!r}?"
    return message


def _apply_common(server: ServerConfig, report: _Reporter, key: str, value: Any) -> None:
    if key in ("enabled", "required"):
        if isinstance(value, bool):
            setattr(server, key, value)
        else:
            report.wrong_type(key, "true or false", value)
    elif key in ("enabled_tools", "disabled_tools", "scopes"):
        items = _str_list(value)
        if items is None:
            report.wrong_type(key, "an array of strings", value)
        else:
            setattr(server, key, items)
    # timeouts are handled together in _apply_timeouts (sec wins over the legacy ms)


def _choice(report: _Reporter, key: str, value: Any, choices: tuple[str, ...]) -> bool:
    if not isinstance(value, str):
        report.wrong_type(key, "a string", value)
        return False
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        report.add(f"unknown value {value!r}; expected one of {listed}", key)
        return False
    return True


def _apply_extra(server: ServerConfig, report: _Reporter, key: str, value: Any) -> None:
    """Keys Codex accepts that mcpdeck only shows (and the doctor explains)."""
    ok = True
    if key == "default_tools_approval_mode":
        ok = _choice(report, key, value, APPROVAL_MODES)
    elif key == "auth":
        ok = _choice(report, key, value, AUTH_MODES)
    elif key == "startup_readiness":
        ok = _choice(report, key, value, READINESS)
    elif key == "supports_parallel_tool_calls":
        if not isinstance(value, bool):
            report.wrong_type(key, "true or false", value)
            ok = False
    elif key in ("environment_id", "name"):
        if not isinstance(value, str):
            report.wrong_type(key, "a string", value)
            ok = False
    elif key == "omit_tools_from":
        items = _str_list(value)
        if items is None:
            report.wrong_type(key, "an array of strings", value)
            ok = False
        else:
            for item in items:
                ok = _choice(report, key, item, OMIT_TOOLS_FROM) and ok
    elif key == "tools":
        ok = _check_tools(report, value)
    if ok:
        server.extras[key] = value


def _check_tools(report: _Reporter, value: Any) -> bool:
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
                ok = _choice(report, f"{dotted}.approval_mode", item, APPROVAL_MODES) and ok
            else:
                report.add(
                    _unknown(item_key, frozenset({"approval_mode"})),
                    f"{dotted}.{item_key}",
                    "warning",
                )
    return ok


def _check_combinations(server: ServerConfig, report: _Reporter) -> None:
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


def _apply_timeouts(server: ServerConfig, report: _Reporter, table: dict[str, Any]) -> None:
    def seconds(key: str, scale: float, integer: bool) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if not _is_number(value) or (integer and not isinstance(value, int)):
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


def _set_str(attr: str) -> Callable[[ServerConfig, _Reporter, str, Any], None]:
    def apply(server: ServerConfig, report: _Reporter, key: str, value: Any) -> None:
        if isinstance(value, str):
            setattr(server, attr, value)
        else:
            report.wrong_type(key, "a string", value)

    return apply


def _set_str_list(attr: str) -> Callable[[ServerConfig, _Reporter, str, Any], None]:
    def apply(server: ServerConfig, report: _Reporter, key: str, value: Any) -> None:
        items = _str_list(value)
        if items is None:
            report.wrong_type(key, "an array of strings", value)
        else:
            setattr(server, attr, items)

    return apply


def _set_str_map(attr: str) -> Callable[[ServerConfig, _Reporter, str, Any], None]:
    def apply(server: ServerConfig, report: _Reporter, key: str, value: Any) -> None:
        mapping = _str_map(value)
        if mapping is not None:
            setattr(server, attr, mapping)
            return
        if not isinstance(value, dict):
            report.wrong_type(key, "a table of strings", value)
            return
        good: dict[str, str] = {}
        for item_key, item in value.items():
            if isinstance(item, str):
                good[item_key] = item
            else:
                report.wrong_type(f"{key}.{item_key}", "a string", item)
        setattr(server, attr, good)

    return apply


def _apply_env_vars(server: ServerConfig, report: _Reporter, key: str, value: Any) -> None:
    if not isinstance(value, list):
        report.wrong_type(key, "an array of names or {name, source} tables", value)
        return
    names: list[str] = []
    sources: dict[str, str] = {}
    for index, item in enumerate(value):
        if isinstance(item, str):
            names.append(item)
            continue
        if not isinstance(item, dict):
            report.add(
                f"entry {index + 1} must be a name or a {{name, source}} table, "
                f"not {toml_type_name(item)}",
                key,
            )
            continue
        entry_name = item.get("name")
        entry_source = item.get("source", "local")
        extra = sorted(k for k in item if k not in ("name", "source"))
        if not isinstance(entry_name, str):
            report.add(f"entry {index + 1} needs a string name", key)
        elif entry_source not in ENV_VAR_SOURCES:
            report.add(
                f"entry {index + 1}: unsupported source {entry_source!r}; "
                "expected 'local' or 'remote'",
                key,
            )
        elif extra:
            report.add(f"entry {index + 1}: unknown key {extra[0]!r}", key)
        else:
            names.append(entry_name)
            if "source" in item:
                sources[entry_name] = str(entry_source)
    server.env_vars = names
    server.env_var_sources = sources


def _apply_oauth(server: ServerConfig, report: _Reporter, key: str, value: Any) -> None:
    if not isinstance(value, dict):
        report.wrong_type(key, "a table", value)
        return
    oauth = OAuthOverrides()
    for item_key, item in value.items():
        dotted = f"{key}.{item_key}"
        if item_key == "callback_port":
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 65535:
                oauth.callback_port = item
            else:
                report.add("must be a port number from 0 to 65535", dotted)
        elif item_key == "token_endpoint_auth_method":
            if _choice(report, dotted, item, TOKEN_AUTH_METHODS):
                oauth.token_endpoint_auth_method = item
        elif item_key in OAUTH_KEYS:
            if isinstance(item, str):
                setattr(oauth, item_key, item)
            elif item_key in CODEX_OAUTH_KEYS:
                report.wrong_type(dotted, "a string", item)
            else:
                # mcpdeck's own key: Codex ignores it, so a bad value only matters to mcpdeck.
                report.add(f"must be a string, not {toml_type_name(item)}", dotted, "warning")
        else:
            report.add(_unknown(item_key, OAUTH_KEYS), dotted, "warning")
    server.oauth = oauth


_APPLY: dict[str, Callable[[ServerConfig, _Reporter, str, Any], None]] = {
    "command": _set_str("command"),
    "args": _set_str_list("args"),
    "env": _set_str_map("env"),
    "env_vars": _apply_env_vars,
    "cwd": _set_str("cwd"),
    "url": _set_str("url"),
    "bearer_token_env_var": _set_str("bearer_token_env_var"),
    "http_headers": _set_str_map("http_headers"),
    "env_http_headers": _set_str_map("env_http_headers"),
    "http_headers_helper": _set_str("http_headers_helper"),
    "oauth_resource": _set_str("oauth_resource"),
    "oauth": _apply_oauth,
}


def apply_settings(
    settings: Settings,
    document: Mapping[str, Any],
    where: Callable[[str], int | None],
    file: Path,
) -> list[ConfigProblem]:
    """Read the top-level ``mcp_oauth_*`` keys of one layer into ``settings`` (closer wins)."""
    problems: list[ConfigProblem] = []

    def bad(key: str, message: str) -> None:
        problems.append(
            ConfigProblem(message=f"{key} {message}", file=file, line=where(key), key=key)
        )

    if "mcp_oauth_credentials_store" in document:
        value = document["mcp_oauth_credentials_store"]
        if value == "auto" or value == "keyring" or value == "file":
            settings.credentials_store = value
        else:
            bad("mcp_oauth_credentials_store", 'must be "auto", "keyring" or "file"')
    features = document.get("features")
    if isinstance(features, Mapping) and isinstance(features.get("secret_auth_storage"), bool):
        settings.secrets_storage = features["secret_auth_storage"]
    if "mcp_oauth_callback_port" in document:
        value = document["mcp_oauth_callback_port"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
            settings.callback_port = value
        else:
            bad("mcp_oauth_callback_port", "must be a port number from 1 to 65535")
    if "mcp_oauth_callback_url" in document:
        value = document["mcp_oauth_callback_url"]
        if isinstance(value, str):
            settings.callback_url = value
        else:
            bad("mcp_oauth_callback_url", f"must be a string, not {toml_type_name(value)}")
    return problems
