"""OAuth failures shown to users: one line saying what went wrong, where, and what to do."""

from __future__ import annotations

from mcpdeck.errors import McpdeckError


class OAuthError(McpdeckError):
    """A login, discovery or refresh step failed."""


class DiscoveryError(OAuthError):
    """The server's OAuth metadata could not be found or was not acceptable."""

    # The URL the configuration should use instead, when the metadata says so (a host alias).
    suggested_url: str | None = None


class InsecureEndpointError(OAuthError):
    """An authorization endpoint is plain http on a non-loopback host."""


class CallbackError(OAuthError):
    """The browser came back with an error, a wrong state or issuer, or never came back."""

    def __init__(
        self, message: str, *, oauth_error: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.oauth_error = oauth_error


class TokenEndpointError(OAuthError):
    """The token endpoint refused a request; ``error`` is the OAuth error code when given."""

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.error = error
        self.status = status
