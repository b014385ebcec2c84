"""The data model of a loaded Codex configuration. Plain records (:mod:`mcpdeck.records`); no I/O.

Every other layer (status, OAuth, sessions, doctor, TUI, CLI) consumes these types.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from mcpdeck.records import field, record

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any, Literal

    Transport = Literal["stdio", "streamable_http"]
    # system: /etc/codex/config.toml; profile: $CODEX_HOME/NAME.config.toml (`-p NAME`);
    # override: `-c key=value`; managed: /etc/codex/managed_config.toml (on top of everything).
    LayerName = Literal["system", "user", "profile", "project", "override", "managed"]
    CredentialsStoreMode = Literal["auto", "keyring", "file"]

DEFAULT_STARTUP_TIMEOUT_SEC = 10.0
DEFAULT_TOOL_TIMEOUT_SEC = 60.0


@record(frozen=True)
class Location:
    """Where a value was written: file, 1-based line (None when unknown) and layer."""

    file: Path
    line: int | None
    layer: LayerName

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@record(frozen=True)
class ConfigProblem:
    """One thing wrong with the configuration, reported and never raised past the loader."""

    message: str
    file: Path
    line: int | None = None
    column: int | None = None
    server: str | None = None
    key: str | None = None
    severity: Literal["error", "warning"] = "error"
    # Codex 0.171.0 refuses the whole configuration over this problem (every command fails).
    refuses: bool = False

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
        tail = "; Codex refuses this file too" if self.refuses else ""
        return f"{self.where()}: {subject}{self.message}{tail}"


@record(frozen=True)
class Source:
    """Which layer defined the server (the closest layer that mentions it)."""

    layer: LayerName
    file: Path
    trusted: bool = True


@record
class OAuthOverrides:
    """``[mcp_servers.NAME.oauth]``: per-server OAuth client settings."""

    client_id: str | None = None
    # Name of an environment variable holding the client secret (never the secret itself).
    client_secret_env_var: str | None = None
    callback_url: str | None = None
    callback_port: int | None = None
    # An https URL of a Client ID Metadata Document (CIMD) to use as client_id when supported.
    client_metadata_url: str | None = None
    # Codex's own keys: `codex mcp add --oauth-client-secret` writes the secret inline.
    client_secret: str | None = field(default=None, repr=False)
    token_endpoint_auth_method: str | None = None
    authorization_server_issuer: str | None = None


@record
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
    # Keys Codex accepts that mcpdeck only shows: default_tools_approval_mode, tools, auth, …
    extras: dict[str, Any] = field(default_factory=dict)
    # Set on rows Codex does not load at all (an untrusted project, a file it cannot parse).
    ignored_reason: str | None = None
    # Codex's disabled_reason when managed requirements do not allow this server.
    requirement_reason: str | None = None
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
    def codex_enabled(self) -> bool:
        """``enabled`` as Codex prints it: requirements and ``auth = "ema_auth"`` turn it off."""
        return (
            self.enabled
            and self.requirement_reason is None
            and self.extras.get("auth") != "ema_auth"
            and self.ignored_reason is None
        )

    @property
    def disabled_reason(self) -> str | None:
        """Codex's ``disabled_reason`` (null for ``enabled = false``), or why Codex ignores the row."""
        if self.ignored_reason is not None:
            return self.ignored_reason
        if not self.valid:
            # Codex prints no row at all (it refuses the whole file); say why in ours.
            return self.inactive_reason
        return self.requirement_reason

    @property
    def inactive_reason(self) -> str | None:
        """Why the server will not start, in words; None when Codex would start it."""
        if self.ignored_reason is not None:
            return self.ignored_reason
        if not self.valid:
            first = (
                next(p for p in self.problems if p.severity == "error") if self.problems else None
            )
            return f"invalid: {first.message}" if first else "invalid transport"
        if self.requirement_reason is not None:
            return f"disabled by {self.requirement_reason}"
        if not self.enabled:
            return "disabled in config"
        if self.extras.get("auth") == "ema_auth":
            return 'disabled by Codex (auth = "ema_auth")'
        return None

    @property
    def is_active(self) -> bool:
        return self.inactive_reason is None

    def has_authorization_header(self, environ: Mapping[str, str] | None = None) -> bool:
        """An Authorization header Codex would send: static, or from a variable that is set
        (Codex drops a header whose variable is unset)."""
        env = os.environ if environ is None else environ
        return any(k.lower() == "authorization" for k in self.http_headers) or any(
            k.lower() == "authorization" and env.get(var)
            for k, var in self.env_http_headers.items()
        )


@record
class Settings:
    """Top-level keys that matter to mcpdeck."""

    credentials_store: CredentialsStoreMode = "auto"
    # `[features] secret_auth_storage = true`: Codex keeps MCP tokens in its encrypted secrets
    # store (secrets/mcp_oauth.age) instead of one keyring entry per server.
    secrets_storage: bool = False
    callback_port: int | None = None
    callback_url: str | None = None


@record(frozen=True)
class LayerInfo:
    """One config file that was considered."""

    layer: LayerName
    file: Path
    exists: bool
    trusted: bool
    loaded: bool  # False when the file could not be parsed at all


@record
class LoadedConfig:
    codex_home: Path
    cwd: Path
    project_root: Path | None
    layers: list[LayerInfo] = field(default_factory=list)
    servers: dict[str, ServerConfig] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    # Problems not tied to one server (syntax errors, bad top-level keys).
    problems: list[ConfigProblem] = field(default_factory=list)
    # Rows Codex does not load: servers of untrusted projects and of files it cannot parse.
    ignored: list[ServerConfig] = field(default_factory=list)
    profile: str | None = None
    requirements_file: Path | None = None

    @property
    def codex_refuses(self) -> bool:
        """True when Codex 0.171.0 would refuse this configuration (and every command fail)."""
        return any(p.refuses for p in self.all_problems())

    def rows(self) -> list[ServerConfig]:
        """Every row to show, sorted by name as Codex sorts: loaded servers, then ignored ones."""
        return sorted(
            [*self.servers.values(), *self.ignored],
            key=lambda s: (s.name, s.ignored_reason is not None),
        )

    def visible(self) -> dict[str, ServerConfig]:
        """Name -> row for screens keyed by name: Codex's servers, plus ignored rows whose name
        Codex does not load (an ignored override of a loaded server stays out of sight)."""
        out = dict(self.servers)
        for row in self.ignored:
            out.setdefault(row.name, row)
        return out

    def find(self, name: str) -> ServerConfig | None:
        """The server Codex loads under ``name``, else the first ignored row of that name."""
        found = self.servers.get(name)
        if found is not None:
            return found
        return next((s for s in self.ignored if s.name == name), None)

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
        for server in self.ignored:
            out.extend(server.problems)
        return out
