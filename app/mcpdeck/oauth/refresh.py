"""Refreshing an access token: single-flight within the process and across processes.

The lock is held around "re-read the store → refresh if still needed → store at once", so a
rotated refresh token is never used twice and never lost.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Protocol

import httpx2

from mcpdeck import records
from mcpdeck.credentials.lock import refresh_lock
from mcpdeck.credentials.record import CredentialKey, CredentialRecord
from mcpdeck.errors import AuthRequired
from mcpdeck.oauth.errors import OAuthError, TokenEndpointError
from mcpdeck.oauth.tokens import ClientAuth, token_request
from mcpdeck.oauth.trace import FlowTrace

UNUSABLE_REASON = "refresh token rejected; log in again"


class RefreshRejected(AuthRequired):
    """The authorization server rejected the refresh token (``invalid_grant``)."""

    error = "invalid_grant"


class RefreshStore(Protocol):
    def load(self, key: CredentialKey) -> CredentialRecord | None: ...

    def save(self, key: CredentialKey, record: CredentialRecord) -> str: ...


async def refresh_credentials(
    http: httpx2.AsyncClient,
    store: RefreshStore,
    codex_home: Path,
    key: CredentialKey,
    *,
    stale_access_token: str | None = None,
    force: bool = False,
    trace: FlowTrace | None = None,
) -> CredentialRecord | None:
    """Return a usable record, refreshed when it needs it (or when ``force``).

    ``stale_access_token`` is the token the caller saw rejected: when the store already holds
    another one (a concurrent refresh won), that one is returned without a new request.
    Returns None when there is nothing to refresh; raises AuthRequired when the refresh token
    is rejected (the record is then marked unusable) and OAuthError for other failures.
    """
    async with refresh_lock(codex_home, key):
        record = await asyncio.to_thread(store.load, key)
        if record is None or record.unusable_reason is not None:
            return None
        if record.server_url != key.server_url:
            return None
        replaced = stale_access_token is not None and record.access_token != stale_access_token
        # Someone refreshed while we waited for the lock: use their token, never refresh twice
        # (a short-lived token may be inside the margin already).
        if replaced and not record.is_expired():
            if trace:
                trace.emit("refresh", "skip", "another process already refreshed the token")
            return record
        if not force and not record.needs_refresh():
            return record
        if record.refresh_token and not record.token_endpoint and record.issuer:
            record = await _complete_codex_record(http, record, trace)
        if not record.refresh_token or not record.token_endpoint:
            if trace:
                trace.emit("refresh", "skip", "no refresh token stored; a new login is needed")
            return None
        return await _refresh(http, store, key, record, trace)


async def _complete_codex_record(
    http: httpx2.AsyncClient, record: CredentialRecord, trace: FlowTrace | None
) -> CredentialRecord:
    """A record Codex wrote has no token endpoint and no resource: find them as Codex does
    (the issuer's metadata; the server URL as the resource indicator)."""
    from mcpdeck.oauth.discovery import token_endpoint_of
    from mcpdeck.oauth.errors import DiscoveryError

    assert record.issuer
    try:
        endpoint = await token_endpoint_of(http, record.issuer, trace)
    except DiscoveryError:
        return record
    return records.replace(
        record, token_endpoint=endpoint, resource=record.resource or record.server_url
    )


async def _refresh(
    http: httpx2.AsyncClient,
    store: RefreshStore,
    key: CredentialKey,
    record: CredentialRecord,
    trace: FlowTrace | None,
) -> CredentialRecord:
    assert record.refresh_token and record.token_endpoint
    form = {"grant_type": "refresh_token", "refresh_token": record.refresh_token}
    if record.resource:
        form["resource"] = record.resource
    client = ClientAuth(record.client_id, record.client_secret, record.token_endpoint_auth_method)
    try:
        tokens = await token_request(
            http, record.token_endpoint, form, client, trace=trace, step="refresh"
        )
    except TokenEndpointError as exc:
        if exc.error == "invalid_grant":
            # Never retried: the record is marked and the user is asked to log in again.
            marked = records.replace(record, unusable_reason=UNUSABLE_REASON)
            await asyncio.to_thread(store.save, key, marked)
            if trace:
                trace.emit(
                    "refresh",
                    "fail",
                    f"refresh token rejected for '{key.server_name}'",
                    error=exc.error,
                )
            raise RefreshRejected(
                f"the refresh token of '{key.server_name}' was rejected",
                hint=f"log in again: mcpdeck login {key.server_name}",
            ) from None
        raise
    except OAuthError:
        raise
    now = time.time()
    updated = records.replace(
        record,
        access_token=tokens.access_token,
        # Keep the old refresh token when the server does not rotate it.
        refresh_token=tokens.refresh_token or record.refresh_token,
        expires_at=tokens.expires_at,
        granted_scopes=tokens.scopes if tokens.scopes is not None else record.granted_scopes,
        last_refresh_at=now,
        unusable_reason=None,
    )
    backend = await asyncio.to_thread(store.save, key, updated)
    if trace:
        rotated = "rotated refresh token stored" if tokens.refresh_token else "refresh token kept"
        trace.emit("stored", "ok", f"refreshed credentials stored in {backend} ({rotated})")
    return updated
