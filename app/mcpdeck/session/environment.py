"""What a server needs from the environment: the stdio process env and the HTTP headers.

Pure functions over a config entry and an environment mapping, so the doctor can report
present and missing variables (by name only) without starting anything.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mcpdeck.config.model import ServerConfig
from mcpdeck.redact import register_secret

# The variables a stdio server inherits even when the config names none (the same set the
# MCP SDK and Codex pass on POSIX): enough to find programs and a home directory.
MINIMAL_ENV_VARS = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")


@dataclass
class EnvCheck:
    """Names only: which variables a server reads and whether they are set."""

    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # variable name -> the config key that asks for it ("bearer_token_env_var", "env_vars", …)
    wanted_by: dict[str, str] = field(default_factory=dict)


def check_env(server: ServerConfig, env: Mapping[str, str]) -> EnvCheck:
    out = EnvCheck()

    def want(name: str, key: str) -> None:
        if name in out.wanted_by:
            return
        out.wanted_by[name] = key
        (out.present if env.get(name) else out.missing).append(name)

    if server.transport == "stdio":
        for name in server.env_vars:
            want(name, "env_vars")
    else:
        if server.bearer_token_env_var:
            want(server.bearer_token_env_var, "bearer_token_env_var")
        for header, var in server.env_http_headers.items():
            want(var, f"env_http_headers.{header}")
    return out


def stdio_environment(server: ServerConfig, env: Mapping[str, str]) -> dict[str, str]:
    """The minimal inherited set, then ``env_vars`` passed through, then the config's ``env``."""
    out = {name: env[name] for name in MINIMAL_ENV_VARS if name in env}
    for name in server.env_vars:
        if name in env:
            out[name] = env[name]
    out.update(server.env)
    for value in server.env.values():
        # Config env values are often API keys: never echo them in traces or errors.
        register_secret(value)
    return out


def resolve_command(command: str, env: Mapping[str, str], cwd: str | None) -> str | None:
    """The executable the process would run, or None when there is none (PATH from ``env``)."""
    if os.sep in command or (os.altsep and os.altsep in command):
        path = Path(command)
        if not path.is_absolute() and cwd:
            path = Path(cwd) / path
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(command, path=env.get("PATH", os.defpath))


def http_headers(server: ServerConfig, env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Static headers, then env_http_headers, then the bearer token; and the variables missing.

    Every value is registered as a secret: header values never appear in any output.
    """
    headers: dict[str, str] = dict(server.http_headers)
    missing: list[str] = []
    for header, var in server.env_http_headers.items():
        value = env.get(var)
        if value:
            headers[header] = value
        else:
            missing.append(var)
    if server.bearer_token_env_var:
        token = env.get(server.bearer_token_env_var)
        if token:
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            headers["Authorization"] = f"Bearer {token}"
        else:
            missing.append(server.bearer_token_env_var)
    for value in headers.values():
        register_secret(value)
        if value.lower().startswith("bearer "):
            register_secret(value[7:].strip())
    return headers, missing
