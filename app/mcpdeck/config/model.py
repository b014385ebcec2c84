"""The data model of a loaded Codex configuration. Plain dataclasses; no I/O.

Every other layer (status, OAuth, sessions, doctor, TUI, CLI) consumes these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Transport = Literal["stdio", "streamable_http"]
LayerName = Literal["user", "project"]
CredentialsStoreMode = Literal["auto", "keyring", "file"]

DEFAULT_STARTUP_TIMEOUT_SEC = 10.0
DEFAULT_TOOL_TIMEOUT_SEC = 60.0


@dataclass(frozen=True)
class Location:
    """Where a value was written: file, 1-based line (None when unknown) and layer."""

    file: Path
    line: int | None
    layer: LayerName

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with the configuration, reported and never raised past the loader."""

    message: str
    file: Path
    line: int | None = None
    column: int | None = None
    server: str | None = None
    key: str | None = None
    severity: Literal["error", "warning"] = "error"

    def where(self) -> str:
        out = str(self.file)
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out

    def one_line(self) -> str:
        subject = ""
        if self.server:
            subject = f"mcp_servers.{self.server}"
            if self.key:
                subject += f".{self.key}"
            subject += ": "
        return f"{self.where()}: {subject}{self.message}"


@dataclass(frozen=True)
class Source:
    """Which layer defined the server (the closest layer that mentions it)."""

    layer: LayerName
    file: Path
    trusted: bool = True


@dataclass
class OAuthOverrides:
    """``[mcp_servers.NAME.oauth]``: per-server OAuth client settings."""

    client_id: str | None = None
    # Name of an environment variable holding the client secret (never the secret itself).
    client_secret_env_var: str | None = None
    callback_url: str | None = None
    callback_port: int | None = None
    # An https URL of a Client ID Metadata Document (CIMD) to use as client_id when supported.
    client_metadata_url: str | None = None


@dataclass
class ServerConfig:
    """One ``[mcp_servers.NAME]`` entry after merging all layers."""

    name: str
    transport: Transport | None  # None when the entry is invalid (neither/both command and url)
    # stdio
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    env_vars: list[str] = field(default_factory=list)
    # env_vars entries written as ``{name, source}``: name -> source ("local" or "remote")
    env_var_sources: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    # streamable HTTP
    url: str | None = None
    bearer_token_env_var: str | None = None
    http_headers: dict[str, str] = field(default_factory=dict)
    env_http_headers: dict[str, str] = field(default_factory=dict)
    http_headers_helper: str | None = None
    # both
    enabled: bool = True
    required: bool = False
    startup_timeout_sec: float = DEFAULT_STARTUP_TIMEOUT_SEC
    tool_timeout_sec: float = DEFAULT_TOOL_TIMEOUT_SEC
    enabled_tools: list[str] | None = None
    disabled_tools: list[str] | None = None
    scopes: list[str] | None = None
    oauth_resource: str | None = None
    oauth: OAuthOverrides = field(default_factory=OAuthOverrides)
    # where it came from
    source: Source | None = None
    # the header (or first key) of this server in the closest layer that mentions it
    defined_at: Location | None = None
    # dotted key ("url", "env.FOO", "oauth.client_id") -> where that value was written
    provenance: dict[str, Location] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.transport is not None and not any(p.severity == "error" for p in self.problems)

    @property
    def trusted(self) -> bool:
        return self.source is None or self.source.trusted

    @property
    def disabled_reason(self) -> str | None:
        """Why the server will not start, or None when it is enabled, valid and trusted."""
        if not self.valid:
            first = (
                next(p for p in self.problems if p.severity == "error") if self.problems else None
            )
            return f"invalid: {first.message}" if first else "invalid transport"
        if not self.enabled:
            return "disabled in config"
        if not self.trusted:
            return "project not trusted"
        return None

    @property
    def is_active(self) -> bool:
        return self.disabled_reason is None

    def has_authorization_header(self) -> bool:
        return any(k.lower() == "authorization" for k in self.http_headers) or any(
            k.lower() == "authorization" for k in self.env_http_headers
        )


@dataclass
class Settings:
    """Top-level keys that matter to mcpdeck."""

    credentials_store: CredentialsStoreMode = "auto"
    # `[features] secret_auth_storage = true`: Codex keeps MCP tokens in its encrypted secrets
    # store (secrets/mcp_oauth.age) instead of one keyring entry per server.
    secrets_storage: bool = False
    callback_port: int | None = None
    callback_url: str | None = None


@dataclass(frozen=True)
class LayerInfo:
    """One config file that was considered."""

    layer: LayerName
    file: Path
    exists: bool
    trusted: bool
    loaded: bool  # False when the file could not be parsed at all


@dataclass
class LoadedConfig:
    codex_home: Path
    cwd: Path
    project_root: Path | None
    layers: list[LayerInfo] = field(default_factory=list)
    servers: dict[str, ServerConfig] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    # Problems not tied to one server (syntax errors, bad top-level keys).
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def user_file(self) -> Path:
        return self.codex_home / "config.toml"

    def project_file(self) -> Path:
        """The project layer file that edits with ``--project`` go to.

        The existing project layer closest to cwd; else the project root's (nearest ancestor
        with ``.git``); else cwd's ``.codex/config.toml``.
        """
        for layer in reversed(self.layers):
            if layer.layer == "project" and layer.exists:
                return layer.file
        base = self.project_root if self.project_root is not None else self.cwd
        return base / ".codex" / "config.toml"

    def all_problems(self) -> list[ConfigProblem]:
        out = list(self.problems)
        for server in self.servers.values():
            out.extend(server.problems)
        return out
