"""The demo's config files: a user config.toml in CODEX_HOME and a project .codex/config.toml.

Written as text (not through tomlkit) so the comments read like a person wrote them; every value
goes through :func:`_toml` so paths with quotes or backslashes stay valid TOML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


def _toml(value: str | list[str]) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX included).
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return json.dumps(value)


@dataclass(frozen=True)
class DemoConfigInputs:
    linear_url: str
    docs_url: str
    staging_url: str
    broken_url: str
    python: str
    project_dir: str
    trusted: bool
    docs_token_env_var: str = "DEMO_DOCS_TOKEN"


def user_config(c: DemoConfigInputs) -> str:
    trust = "trusted" if c.trusted else "untrusted"
    return f"""\
# mcpdeck demo world: a temporary CODEX_HOME written by `mcpdeck demo`.
# Every server below runs on 127.0.0.1 inside the demo process and disappears with it.

# Demo logins keep their tokens in this temporary directory (encrypted file store),
# never in your OS keyring.
mcp_oauth_credentials_store = "file"

# OAuth 2.1: `mcpdeck login linear` discovers the demo authorization server (RFC 9728),
# registers a client and opens the consent page. create_issue needs the issues:write scope.
[mcp_servers.linear]
url = {_toml(c.linear_url)}
startup_timeout_sec = 10
tool_timeout_sec = 60

# A static bearer token read from the environment; the demo exports it.
[mcp_servers.docs]
url = {_toml(c.docs_url)}
bearer_token_env_var = {_toml(c.docs_token_env_var)}

# A stdio server: a module of mcpdeck started with the same Python.
[mcp_servers.local]
command = {_toml(c.python)}
args = {_toml(["-m", "mcpdeck.demo.stdio_server"])}

[mcp_servers.local.env]
DEMO_GREETING = "Hello from the demo"

# Misconfigured on purpose: `mcpdeck doctor broken` explains what is wrong and how to fix it.
[mcp_servers.broken]
url = {_toml(c.broken_url)}
# Wrong: this is the linear server's resource, so the tokens obtained here are
# bound to linear and the broken server rejects them (audience mismatch).
oauth_resource = {_toml(c.linear_url)}
# "restart_service" is not a tool of this server.
enabled_tools = {_toml(["status", "restart_service"])}

# The demo project; its .codex/config.toml defines `staging` (loaded only when trusted).
[projects.{_toml(c.project_dir)}]
trust_level = "{trust}"
"""


def project_config(c: DemoConfigInputs) -> str:
    return f"""\
# Project layer of the mcpdeck demo: Codex loads it only when the user config trusts
# this project ([projects."<path>"] trust_level = "trusted").

# Staging deploys, no authentication; defined only in this project.
[mcp_servers.staging]
url = {_toml(c.staging_url)}

# Layers merge key by key: the project overrides one field of the user's docs server.
[mcp_servers.docs]
tool_timeout_sec = 30
"""
