"""ServerConfig -> the JSON shapes of ``codex mcp list --json`` / ``codex mcp get --json``.

Same field names and order as Codex, with one deliberate difference: values of ``env`` and
``http_headers`` are masked (Codex prints them in clear; they are often secrets).
"""

from __future__ import annotations

from mcpdeck.config.model import (
    DEFAULT_STARTUP_TIMEOUT_SEC,
    DEFAULT_TOOL_TIMEOUT_SEC,
    ServerConfig,
)
from mcpdeck.redact import MASK, redact

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any, Literal

    # Codex's auth_status words in `codex mcp list --json`.
    CodexAuthStatus = Literal["unsupported", "not_logged_in", "bearer_token", "o_auth", "unknown"]

REDACTED_HELPER = "<redacted>"


def masked(mapping: dict[str, str]) -> dict[str, str]:
    """Keys kept, every value masked (env values and static header values may be secrets)."""
    return dict.fromkeys(sorted(mapping), MASK)


def env_vars_json(server: ServerConfig) -> list[Any]:
    out: list[Any] = []
    for name in server.env_vars:
        source = server.env_var_sources.get(name)
        out.append({"name": name, "source": source} if source else name)
    return out


def _present(server: ServerConfig, key: str) -> bool:
    """Codex prints an absent table as null and an empty one as {}."""
    return bool(getattr(server, key)) or key in server.provenance


def transport_json(server: ServerConfig) -> dict[str, Any] | None:
    if server.transport == "stdio":
        return {
            "type": "stdio",
            "command": server.command,
            "args": list(server.args),
            "env": masked(server.env) if _present(server, "env") else None,
            "env_vars": env_vars_json(server),
            "cwd": server.cwd,
        }
    if server.transport == "streamable_http":
        return {
            "type": "streamable_http",
            "url": server.url,
            "bearer_token_env_var": server.bearer_token_env_var,
            "http_headers": masked(server.http_headers)
            if _present(server, "http_headers")
            else None,
            "env_http_headers": dict(sorted(server.env_http_headers.items()))
            if _present(server, "env_http_headers")
            else None,
            # Codex prints this placeholder, never the command (it may carry a secret).
            "http_headers_helper": REDACTED_HELPER
            if server.http_headers_helper is not None
            else None,
        }
    return None


def _timeout(
    server: ServerConfig, attr: str, keys: tuple[str, ...], default: float
) -> float | None:
    """The configured value, or None when unset (as Codex prints it)."""
    value: float = getattr(server, attr)
    if any(key in server.provenance for key in keys) or value != default:
        return value
    return None


def startup_timeout_json(server: ServerConfig) -> float | None:
    return _timeout(
        server,
        "startup_timeout_sec",
        ("startup_timeout_sec", "startup_timeout_ms"),
        DEFAULT_STARTUP_TIMEOUT_SEC,
    )


def tool_timeout_json(server: ServerConfig) -> float | None:
    return _timeout(server, "tool_timeout_sec", ("tool_timeout_sec",), DEFAULT_TOOL_TIMEOUT_SEC)


def server_to_codex_json(server: ServerConfig) -> dict[str, Any]:
    """Codex's ``mcp list --json`` object (without ``auth_status``), secrets masked: its
    ``mcp get --json`` object without the tool lists."""
    return _codex_json(server, tools=False)


def server_to_codex_get_json(server: ServerConfig) -> dict[str, Any]:
    """Exactly Codex's ``mcp get --json`` object (env and header values masked)."""
    return _codex_json(server, tools=True)


def _codex_json(server: ServerConfig, *, tools: bool) -> dict[str, Any]:
    out = {
        "name": server.name,
        "enabled": server.codex_enabled,
        "disabled_reason": server.disabled_reason,
        "transport": transport_json(server),
    }
    if tools:
        out["enabled_tools"] = server.enabled_tools
        out["disabled_tools"] = server.disabled_tools
    out["startup_timeout_sec"] = startup_timeout_json(server)
    out["tool_timeout_sec"] = tool_timeout_json(server)
    return out


def server_to_get_json(server: ServerConfig) -> dict[str, Any]:
    """Codex's ``mcp get --json`` object, plus scopes, oauth_resource, required, oauth, source."""
    return {
        **server_to_codex_get_json(server),
        "required": server.required,
        "scopes": server.scopes,
        "oauth_resource": server.oauth_resource,
        "oauth": oauth_json(server),
        "extras": server.extras or None,
        "source": source_json(server),
        "problems": problems_json(server),
    }


def oauth_json(server: ServerConfig) -> dict[str, Any] | None:
    o = server.oauth
    fields = {
        "client_id": o.client_id,
        "client_secret_env_var": o.client_secret_env_var,
        "callback_url": o.callback_url,
        "callback_port": o.callback_port,
        "client_metadata_url": o.client_metadata_url,
        # Never the secret itself: only whether one is written inline.
        "client_secret_inline": True if o.client_secret else None,
        "token_endpoint_auth_method": o.token_endpoint_auth_method,
        "authorization_server_issuer": o.authorization_server_issuer,
    }
    return fields if any(v is not None for v in fields.values()) else None


def source_json(server: ServerConfig) -> dict[str, Any] | None:
    """``{layer, file, trusted}`` (plus ``line`` when known) of the closest defining layer."""
    if server.source is None:
        return None
    out: dict[str, Any] = {
        "layer": server.source.layer,
        "file": str(server.source.file),
        "trusted": server.source.trusted,
    }
    if server.defined_at is not None and server.defined_at.file == server.source.file:
        out["line"] = server.defined_at.line
    if server.ignored_reason is not None:
        out["ignored_by_codex"] = server.ignored_reason
    return out


def problems_json(server: ServerConfig) -> list[dict[str, Any]]:
    return [
        {
            "severity": p.severity,
            "message": redact(p.message),
            "file": str(p.file),
            "line": p.line,
            "key": p.key,
        }
        for p in server.problems
    ]
