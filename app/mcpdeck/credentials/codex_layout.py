"""Codex 0.171.0's MCP OAuth record layouts, and the checks every stored record passes.

Observed with the real binary (``codex mcp login`` against a loopback authorization server):

- keyring (service ``Codex MCP Credentials``, account ``CredentialKey.store_key()``), the secret
  is JSON ``{server_name, url, issuer, client_id, token_response: {access_token, token_type,
  expires_in, refresh_token, scope}, expires_at}`` with ``expires_at`` in epoch milliseconds;
- ``$CODEX_HOME/.credentials.json`` (0600): ``{store_key: {server_name, server_url, issuer,
  client_id, access_token, expires_at, refresh_token, scopes}}``.

What Codex does not keep (requested scopes, a client secret, the token endpoint, a rejected
refresh token) travels separately as mcpdeck's own "extras" (see ``own_records``). No I/O here.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from mcpdeck.credentials.digest import sha256_hex
from mcpdeck.credentials.record import (
    CredentialKey,
    CredentialRecord,
    InvalidRecord,
    clamp_expires_at,
    token_problem,
)

LOCK_DIR = "mcp-oauth-locks"
FILE_STORE_NAME = ".credentials.json"
FILE_STORE_LOCK = "file-store.lock"
SECRETS_STORE_LOCK = "secrets-store.lock"
SECRETS_FILE = Path("secrets") / "mcp_oauth.age"

# Extras that describe one particular token are applied only to that token: Codex may have
# refreshed or logged in again since mcpdeck wrote them.
_TOKEN_BOUND = ("unusable_reason", "obtained_at", "last_refresh_at")
EXTRA_FIELDS = (
    "requested_scopes",
    "client_secret",
    "token_endpoint_auth_method",
    "resource",
    "token_endpoint",
    *_TOKEN_BOUND,
)


def credential_lock_path(codex_home: Path, key: CredentialKey) -> Path:
    """Codex's per-credential lock, held around a refresh: ``<sha256 of the store key>.lock``."""
    digest = sha256_hex(key.store_key())
    return Path(codex_home).expanduser() / LOCK_DIR / f"{digest}.lock"


def file_store_lock_path(codex_home: Path) -> Path:
    return Path(codex_home).expanduser() / LOCK_DIR / FILE_STORE_LOCK


def token_fingerprint(access_token: str) -> str:
    return sha256_hex(access_token)[:16]


# ----- reading (every field checked: a tampered entry is a finding, never a crash)


def _fix(key: CredentialKey) -> str:
    return f"run `mcpdeck logout {key.server_name}` then `mcpdeck login {key.server_name}`"


def _bad(where: str, key: CredentialKey, why: str) -> InvalidRecord:
    return InvalidRecord(
        f"{where}: the stored credentials of '{key.server_name}' are invalid ({why}); {_fix(key)}"
    )


def _text(data: dict[str, Any], name: str, where: str, key: CredentialKey) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise _bad(where, key, f"{name} is missing or not a string")
    return value


def _optional_token(data: dict[str, Any], name: str, where: str, key: CredentialKey) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    problem = token_problem(value, name)
    if problem:
        raise _bad(where, key, problem)
    return str(value)


def _expires_at_ms(value: Any, where: str, key: CredentialKey) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(where, key, "expires_at is not a number of milliseconds")
    try:
        seconds = float(value) / 1000.0
    except OverflowError:
        seconds = math.inf
    if math.isnan(seconds) or seconds < 0:
        raise _bad(where, key, "expires_at is not a valid time")
    return clamp_expires_at(seconds)


def _scopes(value: Any, where: str, key: CredentialKey) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return list(value)
    raise _bad(where, key, "scopes is not a list of strings")


def from_keyring_json(data: Any, key: CredentialKey, where: str) -> CredentialRecord:
    """A keyring secret (already JSON-decoded) as a record; InvalidRecord when it is not one."""
    return _parse(data, key, where, url_field="url", tokens_in="token_response", scopes="scope")


def from_file_entry(data: Any, key: CredentialKey, where: str) -> CredentialRecord:
    """One ``.credentials.json`` entry as a record; InvalidRecord when it is not one."""
    return _parse(data, key, where, url_field="server_url", tokens_in=None, scopes="scopes")


def _parse(
    data: Any, key: CredentialKey, where: str, *, url_field: str, tokens_in: str | None, scopes: str
) -> CredentialRecord:
    """Both layouts: the same fields, except the URL's name, where the tokens sit (a nested
    ``token_response`` in the keyring, the entry itself in the file) and the scopes' name."""
    if not isinstance(data, dict):
        raise _bad(where, key, "not a JSON object")
    tokens = data if tokens_in is None else data.get(tokens_in)
    if not isinstance(tokens, dict):
        raise _bad(where, key, f"{tokens_in} is missing")
    url = _text(data, url_field, where, key)
    client_id = _text(data, "client_id", where, key)
    issuer = data.get("issuer")
    access_token: Any = tokens.get("access_token")  # checked by token_problem below
    refresh_token = _optional_token(tokens, "refresh_token", where, key)
    expires_at = _expires_at_ms(data.get("expires_at"), where, key)
    granted = _scopes(tokens.get(scopes), where, key)
    problem = token_problem(access_token, "access_token")
    if problem:
        raise _bad(where, key, problem)
    if issuer is not None and not isinstance(issuer, str):
        raise _bad(where, key, "issuer is not a string")
    return CredentialRecord(
        server_name=key.server_name,
        server_url=url,
        client_id=client_id,
        issuer=issuer or None,
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=expires_at,
        granted_scopes=granted,
        obtained_at=None,
    )


# ----- writing


def check_writable(record: CredentialRecord) -> None:
    """Refuse to store a record Codex (or mcpdeck) could not use; the message quotes no token."""
    for value, what in ((record.access_token, "access token"), (record.client_id, "client_id")):
        problem = token_problem(value, what)
        if problem:
            raise InvalidRecord(
                f"refusing to store the credentials of '{record.server_name}': the {problem}"
            )
    if record.refresh_token is not None:
        problem = token_problem(record.refresh_token, "refresh token")
        if problem:
            raise InvalidRecord(
                f"refusing to store the credentials of '{record.server_name}': the {problem}"
            )


def _expires_at_millis(record: CredentialRecord) -> int | None:
    expires_at = clamp_expires_at(record.expires_at)
    if expires_at is None or not math.isfinite(expires_at):
        return None
    return max(0, int(expires_at * 1000))


def to_keyring_json(record: CredentialRecord, now: float | None = None) -> dict[str, Any]:
    check_writable(record)
    now = time.time() if now is None else now
    response: dict[str, Any] = {"access_token": record.access_token, "token_type": "bearer"}
    millis = _expires_at_millis(record)
    if millis is not None:
        response["expires_in"] = max(0, int(millis / 1000 - now))
    if record.refresh_token:
        response["refresh_token"] = record.refresh_token
    if record.granted_scopes:
        response["scope"] = " ".join(record.granted_scopes)
    out: dict[str, Any] = {"server_name": record.server_name, "url": record.server_url}
    if record.issuer:
        out["issuer"] = record.issuer
    out["client_id"] = record.client_id
    out["token_response"] = response
    if millis is not None:
        out["expires_at"] = millis
    return out


def to_file_entry(record: CredentialRecord) -> dict[str, Any]:
    check_writable(record)
    out: dict[str, Any] = {"server_name": record.server_name, "server_url": record.server_url}
    if record.issuer:
        out["issuer"] = record.issuer
    out["client_id"] = record.client_id
    out["access_token"] = record.access_token
    millis = _expires_at_millis(record)
    if millis is not None:
        out["expires_at"] = millis
    if record.refresh_token:
        out["refresh_token"] = record.refresh_token
    out["scopes"] = list(record.granted_scopes)
    return out


# ----- mcpdeck's extras


def extras_of(record: CredentialRecord) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(record, name) for name in EXTRA_FIELDS}
    out["client_id"] = record.client_id
    out["for_token"] = token_fingerprint(record.access_token)
    return out


def apply_extras(record: CredentialRecord, extras: Any) -> CredentialRecord:
    """``record`` completed with mcpdeck's extras; extras that do not fit it are ignored."""
    if not isinstance(extras, dict) or extras.get("client_id") != record.client_id:
        return record
    same_token = extras.get("for_token") == token_fingerprint(record.access_token)
    for name in EXTRA_FIELDS:
        if name in _TOKEN_BOUND and not same_token:
            continue
        value = extras.get(name)
        if name == "requested_scopes":
            if isinstance(value, list) and all(isinstance(s, str) for s in value):
                record.requested_scopes = list(value)
        elif name in ("obtained_at", "last_refresh_at"):
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                setattr(record, name, float(value))
        elif name == "client_secret":
            if value is None or token_problem(value, name) is None:
                record.client_secret = value
        elif isinstance(value, str) or (value is None and name != "token_endpoint_auth_method"):
            setattr(record, name, value)
    return record
