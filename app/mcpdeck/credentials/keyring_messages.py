"""What mcpdeck says when the OS keyring cannot be used: one line each, with what to do.

Every keyring client raises ``StoreUnavailable`` with one of these (or with ``one_line`` of the
library's own error), never the library's exception.
"""

from __future__ import annotations

from mcpdeck.redact import redact

USE_FILE = 'or set mcp_oauth_credentials_store = "file" in config.toml'
NO_KEYRING = (
    "no OS keyring is available (no Secret Service on D-Bus); install and start gnome-keyring "
    f"(or another Secret Service), {USE_FILE}"
)
NO_BUS = (
    "no OS keyring is available (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset or "
    "points nowhere); run inside a desktop session with gnome-keyring (or under "
    f"`dbus-run-session`), {USE_FILE}"
)
LOCKED = (
    "the keyring's default collection is locked; unlock it (log in to your desktop session, "
    f"or run `gnome-keyring-daemon --unlock`), {USE_FILE}"
)
NO_COLLECTION = (
    "the Secret Service has no default collection; create one (for example with Seahorse), "
    f"{USE_FILE}"
)


def one_line(exc: BaseException) -> str:
    """A library's error as one short, redacted line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text[:200])
