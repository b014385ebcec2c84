from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcpdeck.config.model import LoadedConfig, OAuthOverrides, ServerConfig
from mcpdeck.credentials.record import CredentialKey
from tests.oauth.memstore import MemoryStore


def http_server(name: str, url: str, **fields: Any) -> ServerConfig:
    oauth = fields.pop("oauth", None) or OAuthOverrides()
    return ServerConfig(name=name, transport="streamable_http", url=url, oauth=oauth, **fields)


def loaded_with(home: Path, *servers: ServerConfig) -> LoadedConfig:
    return LoadedConfig(
        codex_home=home, cwd=home, project_root=None, servers={s.name: s for s in servers}
    )


def key_for(loaded: LoadedConfig, server: ServerConfig) -> CredentialKey:
    assert server.url
    return CredentialKey.for_server(loaded.codex_home, server.name, server.url)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()
