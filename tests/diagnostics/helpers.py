"""Config files, JWT-shaped tokens and stored credentials for doctor tests."""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

from mcpdeck.config.loader import load_config
from mcpdeck.config.model import LoadedConfig
from mcpdeck.credentials.record import CredentialKey, CredentialRecord

SCRIPT = str(Path(__file__).resolve().parents[1] / "servers" / "stdio_server.py")
PY = sys.executable


def write_config(home: Path, text: str) -> LoadedConfig:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)
    return load_config(home, home)


def stdio_table(name: str, *args: str, extra: str = "") -> str:
    argv = json.dumps([SCRIPT, *args])
    return f'[mcp_servers.{name}]\ncommand = "{PY}"\nargs = {argv}\n{extra}\n'


def jwt(claims: dict[str, Any]) -> str:
    """A JWT-shaped token (unsigned): what the doctor decodes without verification."""

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


def store_record(
    store: Any,
    loaded: LoadedConfig,
    name: str,
    url: str,
    access_token: str,
    **fields: Any,
) -> CredentialRecord:
    record = CredentialRecord(
        server_name=name,
        server_url=url,
        client_id=fields.pop("client_id", "client-test"),
        issuer=fields.pop("issuer", None),
        access_token=access_token,
        expires_at=fields.pop("expires_at", time.time() + 3600),
        **fields,
    )
    store.save(CredentialKey.for_server(loaded.codex_home, name, url), record)
    return record
