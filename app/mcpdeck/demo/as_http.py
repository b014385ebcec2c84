"""Request reading and error answers shared by the demo authorization server's endpoints."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request

MAX_FORM_BYTES = 64 * 1024
AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An OAuth error answer (RFC 6749 §5.2): ``error``, its description and the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def single(params: Any, name: str) -> str | None:
    """A parameter that may appear at most once (RFC 6749 §3.1)."""
    values = params.getlist(name)
    if len(values) > 1:
        raise OAuthError("invalid_request", f"the {name} parameter is repeated")
    return values[0] if values else None


async def read_form(request: Request) -> Any:
    length = int(request.headers.get("content-length") or 0)
    if length > MAX_FORM_BYTES:
        raise OAuthError("invalid_request", "request body too large")
    return await request.form()


def with_params(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
