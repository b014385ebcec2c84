"""Records and keys for the credential tests."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from mcpdeck.credentials.record import CredentialKey, CredentialRecord

DOCS_URL = "https://docs.example.com/mcp"


def make_record(name: str = "docs", url: str = DOCS_URL) -> CredentialRecord:
    """A record whose tokens are unique random strings (so leak checks can search for them)."""
    return CredentialRecord(
        server_name=name,
        server_url=url,
        client_id="client-123",
        issuer="https://auth.example.com",
        access_token="at-" + secrets.token_urlsafe(24),
        refresh_token="rt-" + secrets.token_urlsafe(24),
        # Whole seconds: Codex stores milliseconds, so the record survives a round trip exactly.
        expires_at=float(int(time.time()) + 3600),
        requested_scopes=["read", "write"],
        granted_scopes=["read"],
        resource=url,
    )


def key_for(home: Path, name: str = "docs", url: str = DOCS_URL) -> CredentialKey:
    return CredentialKey.for_server(home, name, url)
