"""The top-level ``mcp_oauth_*`` settings of one layer (and ``[features] secret_auth_storage``).

Read layer by layer into one :class:`Settings`, the closer layer winning, each bad value a
problem at its line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from mcpdeck.config.model import ConfigProblem, Settings
from mcpdeck.config.problem_report import toml_type_name

TYPE_CHECKING = False  # typing costs 3-4 ms of start-up: see mcpdeck/records.py
if TYPE_CHECKING:
    from typing import Any


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
