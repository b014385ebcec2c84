"""The server's stored credentials: find the record, and what is wrong with the store itself
(unreadable, legacy, readable by others, a keyring entry shared between CODEX_HOMEs)."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from mcpdeck.config.model import LoadedConfig, ServerConfig
from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.diagnostics.report import (
    Finding,
)
from mcpdeck.redact import redact


class CredentialLookup(Protocol):
    def locate(self, key: CredentialKey) -> tuple[CredentialRecord, str] | None: ...


async def locate(
    store: CredentialLookup | None, server: ServerConfig, loaded: LoadedConfig
) -> tuple[CredentialRecord, str] | None:
    if store is None or not server.url:
        return None
    key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
    try:
        found = await asyncio.to_thread(store.locate, key)
    except Exception:  # an unreadable store is reported by login/list; the doctor goes on
        return None
    if found is None:
        return None
    record, backend = found
    # A record stored for another URL under the same name is never used for this server.
    return (record, backend) if record.server_url == server.url else None


def _split_fix(text: str) -> tuple[str, str | None]:
    """Store errors end with "; <what to do>": the finding's message and its fix."""
    message, sep, fix = redact(text).rpartition("; ")
    return (message, fix) if sep else (fix, None)


def _store_findings_sync(store: Any, server: ServerConfig, loaded: LoadedConfig) -> list[Finding]:
    from mcpdeck.credentials.record import CredentialStoreError

    assert server.url is not None
    key = CredentialKey.for_server(loaded.codex_home, server.name, server.url)
    out: list[Finding] = []
    try:
        found = store.locate(key)
    except CredentialStoreError as exc:
        message, fix = _split_fix(str(exc))
        kind = {
            "SecretsStoreError": ("credentials_secrets_store", "error"),
            "PassphraseRequired": ("credentials_passphrase_missing", "error"),
            "InvalidRecord": ("credentials_invalid", "error"),
            "StoreUnavailable": ("credentials_store_unavailable", "error"),
        }.get(type(exc).__name__, ("credentials_unreadable", "error"))
        out.append(Finding(kind[0], kind[1], message, fix=fix))  # type: ignore[arg-type]
        found = None
    except Exception as exc:  # a broken store must not stop the report
        out.append(Finding("credentials_unreadable", "error", redact(str(exc))))
        found = None
    if found is not None and found[1] == "legacy":
        out.append(
            Finding(
                "credentials_legacy",
                "info",
                f"the credentials of {server.name} were stored by an older mcpdeck, where Codex "
                "does not read them",
                fix=f"they move into Codex's store on first use (`mcpdeck doctor {server.name}` "
                "runs a session) or the next login",
            )
        )
    codex_file = getattr(store, "codex_file", None)
    if codex_file is not None and codex_file.readable_by_others():
        out.append(
            Finding(
                "credentials_file_readable",
                "warning",
                f"{codex_file.path} (Codex's unencrypted token file) is readable by other users",
                fix=f"chmod 600 {codex_file.path}",
            )
        )
    other_homes = getattr(store, "other_homes", None)
    shared = other_homes(key) if found is not None and found[1] == "keyring" and other_homes else []
    if shared:
        out.append(
            Finding(
                "keyring_entry_shared",
                "warning",
                f"the keyring entry of {server.name} ({key.store_key()}) is shared with "
                f"CODEX_HOME {', '.join(shared)}: Codex's keyring account does not include "
                "CODEX_HOME, so a login or logout in one is one in the other",
                fix="give the server a different name in one of them, or use "
                'mcp_oauth_credentials_store = "file" there',
            )
        )
    return out


async def store_findings(store: Any, server: ServerConfig, loaded: LoadedConfig) -> list[Finding]:
    if store is None or not server.url:
        return []
    return await asyncio.to_thread(_store_findings_sync, store, server, loaded)
