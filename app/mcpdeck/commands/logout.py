"""`mcpdeck logout NAME [--local-only]`: revoke the tokens at the authorization server when it
advertises a revocation endpoint (RFC 7009), then delete the stored OAuth credentials from
every backend, whatever the revocation reported.

The configuration is only read, never written. Messages follow Codex's `codex mcp logout`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mcpdeck.errors import EXIT_OK, McpdeckError, UsageError


def run(args: argparse.Namespace) -> int:
    from mcpdeck.config.loader import load_from_args
    from mcpdeck.credentials.record import CredentialKey, CredentialStoreError
    from mcpdeck.credentials.select import open_store

    name: str = args.name
    from mcpdeck.config.paths import check_codex_home

    check_codex_home(args.codex_home)
    loaded = load_from_args(args)
    server = loaded.find(name)
    if server is None:
        broken = [p for p in loaded.problems if p.severity == "error"]
        raise UsageError(
            f"no MCP server named '{name}' in {loaded.user_file} or the project's "
            ".codex/config.toml",
            hint=f"fix first: {broken[0].one_line()}"
            if broken
            else "run `mcpdeck list` to see the configured servers",
        )
    if server.transport == "stdio" or (server.transport is None and not server.url):
        raise UsageError(
            f"'{name}' is a stdio server: OAuth login and logout apply only to streamable "
            "HTTP servers (those with a url)"
        )
    assert server.url is not None

    credentials = open_store(
        loaded.settings.credentials_store,
        loaded.codex_home,
        secrets_storage=loaded.settings.secrets_storage,
    )
    key = CredentialKey.for_server(loaded.codex_home, name, server.url)
    revocation: list[str] = []
    if not getattr(args, "local_only", False):
        revocation = _revoke_first(credentials, key)
    # Before the delete: when that fails too, its error ends the command and these lines
    # (why nothing was revoked) would be lost.
    for line in revocation:
        print(line)
    try:
        removed = credentials.delete_everywhere(key)
    except CredentialStoreError as exc:
        raise McpdeckError(str(exc)) from None

    for note in credentials.notes:
        # An absent keyring is normal in auto and file modes; say so only when it was chosen.
        if note.startswith("keyring skipped") and credentials.mode != "keyring":
            continue
        print(f"note: {note}", file=sys.stderr)
    if removed:
        print(f"Removed OAuth credentials for '{name}' ({', '.join(removed)}).")
    else:
        print(f"No OAuth credentials stored for '{name}'.")
    return EXIT_OK


def _revoke_first(credentials: Any, key: Any) -> list[str]:
    """Revocation is a step of its own before the stores delete; it never stops the logout."""
    import asyncio

    from mcpdeck.credentials.record import CredentialStoreError
    from mcpdeck.oauth.flow import new_http_client
    from mcpdeck.oauth.revoke import revoke_record

    try:
        record = credentials.load(key)
    except CredentialStoreError as exc:
        from mcpdeck.redact import for_display

        return [for_display(f"Not revoked: the stored credentials could not be read ({exc}).")]
    if record is None or record.server_url != key.server_url:
        return []

    async def run() -> list[str]:
        async with new_http_client() as http:
            return (await revoke_record(http, record)).lines()

    return asyncio.run(run())
