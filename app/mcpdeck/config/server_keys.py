"""The keys of Codex 0.171.0's ``[mcp_servers.NAME]`` table, by family, and their allowed values.

Checked against the Codex binary: a key in none of these families is unknown (Codex ignores it,
the loader warns); a key of the other transport's family makes Codex refuse the configuration.
"""

from __future__ import annotations

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
