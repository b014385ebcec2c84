"""Token revocation at logout (RFC 7009): the refresh token first (revoking it usually ends the
whole grant), then the access token, when the authorization server advertises
``revocation_endpoint``. A separate step of the logout command: the credential stores only
delete, and the local deletion happens whatever this step reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx2

from mcpdeck.credentials.record import CredentialRecord
from mcpdeck.oauth.errors import OAuthError
from mcpdeck.oauth.fetch import Fetched, FetchFailed, bounded_request, require_secure
from mcpdeck.oauth.resource_urls import as_metadata_urls
from mcpdeck.oauth.tokens import ClientAuth, apply_client_auth
from mcpdeck.redact import redact

REVOKE_TIMEOUT_SEC = 10.0


@dataclass
class Revocation:
    """What happened at the authorization server, in words for the user."""

    issuer: str | None
    endpoint: str | None = None
    revoked: list[str] = field(default_factory=list)  # "refresh token", "access token"
    failed: list[str] = field(default_factory=list)  # one line per failure
    skipped: str | None = None  # why nothing was sent

    def lines(self) -> list[str]:
        if self.skipped:
            return [self.skipped]
        out = []
        if self.revoked:
            out.append(f"Revoked the {' and the '.join(self.revoked)} at {self.issuer}.")
        out.extend(self.failed)
        return out


class MetadataUnavailable(OAuthError):
    """No metadata document of the issuer could be read."""


async def revocation_endpoint(http: httpx2.AsyncClient, issuer: str) -> str | None:
    """The issuer's ``revocation_endpoint`` from its metadata (exact issuer match), or None
    when the metadata has none; MetadataUnavailable when no metadata could be read."""
    require_secure(issuer, "authorization server")
    why = "no metadata"
    for url in as_metadata_urls(issuer):
        try:
            fetched = await bounded_request(
                http, "GET", url, headers={"Accept": "application/json"}
            )
            if fetched.status != 200:
                why = f"{url}: HTTP {fetched.status}"
                continue
            meta = fetched.json_object()
        except OAuthError as exc:
            why = exc.message
            continue
        if meta.get("issuer") != issuer:
            why = f"{url}: issuer {meta.get('issuer')!r} is not {issuer!r}"
            continue
        endpoint = meta.get("revocation_endpoint")
        return endpoint if isinstance(endpoint, str) and endpoint else None
    raise MetadataUnavailable(f"the metadata of {issuer} could not be read ({why})")


async def _post(
    http: httpx2.AsyncClient,
    endpoint: str,
    form: dict[str, str],
    client: ClientAuth,
    *,
    secret_in_body: bool = False,
) -> Fetched:
    body, basic = apply_client_auth(form, client)
    if secret_in_body and client.client_secret:
        body["client_secret"] = client.client_secret
    return await bounded_request(
        http,
        "POST",
        endpoint,
        headers={"Accept": "application/json"},
        data=body,
        auth=basic,
        timeout=REVOKE_TIMEOUT_SEC,
    )


async def revoke_record(http: httpx2.AsyncClient, record: CredentialRecord) -> Revocation:
    """Revoke the record's tokens where its authorization server allows; never raises."""
    result = Revocation(issuer=record.issuer)
    if not record.issuer:
        result.skipped = (
            "No authorization server is recorded for these credentials; nothing revoked."
        )
        return result
    try:
        endpoint = await revocation_endpoint(http, record.issuer)
    except OAuthError as exc:
        result.skipped = f"Not revoked at the authorization server: {exc.message}."
        return result
    if endpoint is None:
        result.skipped = (
            f"{record.issuer} advertises no revocation endpoint; the tokens stay valid there "
            "until they expire."
        )
        return result
    try:
        require_secure(endpoint, "revocation endpoint")
    except OAuthError as exc:
        result.skipped = f"Not revoked: {exc.one_line()}."
        return result
    result.endpoint = endpoint
    client = ClientAuth(record.client_id, record.client_secret, record.token_endpoint_auth_method)
    tokens = [("refresh_token", "refresh token", record.refresh_token)]
    tokens.append(("access_token", "access token", record.access_token))
    for hint, words, token in tokens:
        if not token:
            continue
        try:
            fetched = await _post(http, endpoint, {"token": token, "token_type_hint": hint}, client)
            if fetched.status == 400 and client.method == "client_secret_basic":
                # The MCP Python SDK's revocation handler (and so FastMCP's) authenticates a
                # Basic client from the header but then requires a ``client_secret`` field in
                # the body too (invalid_request without it): ask once more with both.
                fetched = await _post(
                    http,
                    endpoint,
                    {"token": token, "token_type_hint": hint},
                    client,
                    secret_in_body=True,
                )
        except FetchFailed as exc:
            result.failed.append(f"Could not revoke the {words}: {exc.message}.")
            continue
        if fetched.status == 200:  # RFC 7009 §2.2: 200 also for an already invalid token
            result.revoked.append(words)
            continue
        why = f"HTTP {fetched.status}"
        try:
            error = fetched.json_object().get("error")
            if isinstance(error, str):
                why += f" {error}"
        except OAuthError:
            pass
        result.failed.append(redact(f"{endpoint} refused to revoke the {words}: {why}."))
    return result
