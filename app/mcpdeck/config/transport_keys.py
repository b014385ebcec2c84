"""The transport keys of a server table: stdio (``command``, ``args``, ``env``…) and streamable
HTTP (``url``, headers, ``oauth``…), each read into its ServerConfig field.

``APPLY`` maps each key to its reader; ``validate.build_server`` has already refused a key of
the other transport.
"""

from __future__ import annotations

from collections.abc import Callable

from mcpdeck.config.model import OAuthOverrides, ServerConfig
from mcpdeck.config.problem_report import (
    ProblemReporter,
    choice,
    str_list,
    str_map,
    toml_type_name,
    unknown,
)
from mcpdeck.config.server_keys import (
    CODEX_OAUTH_KEYS,
    ENV_VAR_SOURCES,
    OAUTH_KEYS,
    TOKEN_AUTH_METHODS,
)

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any


def _set_str(attr: str) -> Callable[[ServerConfig, ProblemReporter, str, Any], None]:
    def apply(server: ServerConfig, report: ProblemReporter, key: str, value: Any) -> None:
        if isinstance(value, str):
            setattr(server, attr, value)
        else:
            report.wrong_type(key, "a string", value)

    return apply


def _set_str_list(attr: str) -> Callable[[ServerConfig, ProblemReporter, str, Any], None]:
    def apply(server: ServerConfig, report: ProblemReporter, key: str, value: Any) -> None:
        items = str_list(value)
        if items is None:
            report.wrong_type(key, "an array of strings", value)
        else:
            setattr(server, attr, items)

    return apply


def _set_str_map(attr: str) -> Callable[[ServerConfig, ProblemReporter, str, Any], None]:
    def apply(server: ServerConfig, report: ProblemReporter, key: str, value: Any) -> None:
        mapping = str_map(value)
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


def _apply_env_vars(server: ServerConfig, report: ProblemReporter, key: str, value: Any) -> None:
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


def _apply_oauth(server: ServerConfig, report: ProblemReporter, key: str, value: Any) -> None:
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
            if choice(report, dotted, item, TOKEN_AUTH_METHODS):
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
            report.add(unknown(item_key, OAUTH_KEYS), dotted, "warning")
    server.oauth = oauth


APPLY: dict[str, Callable[[ServerConfig, ProblemReporter, str, Any], None]] = {
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
