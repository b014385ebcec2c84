"""Whether an OAuth login applies to a server at all: stdio servers and servers with a static
token need none, and a login there is explained instead of attempted (issue 13)."""

from __future__ import annotations

from mcpdeck.config.model import ServerConfig


def login_refusal(server: ServerConfig) -> str | None:
    """Why ``mcpdeck login`` does not apply to this server at all, or None when it may."""
    name = server.name
    if server.transport == "stdio" or (server.transport is None and not server.url):
        return (
            f"'{name}' is a stdio server: it needs no login (OAuth applies to streamable HTTP "
            "servers, those with a url)"
        )
    if server.bearer_token_env_var:
        return (
            f"'{name}' uses bearer_token_env_var = {server.bearer_token_env_var!r}: the token "
            "comes from that environment variable; no login needed"
        )
    if server.has_authorization_header():
        return (
            f"'{name}' sends an Authorization header from its config (http_headers or "
            "env_http_headers): no login needed"
        )
    return None
