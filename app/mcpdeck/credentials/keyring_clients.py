"""Which keyring client to use: the Secret Service directly on Linux, else python-keyring.

On Linux, unless the user configured python-keyring (``PYTHON_KEYRING_BACKEND`` or
``keyringrc.cfg``), the Secret Service is spoken to directly (``secret_service``); a headless box
without D-Bus is told so at once. Elsewhere the configured python-keyring backend is used. A
program embedding mcpdeck chooses a backend by passing it (``open_store(keyring_backend=…)``,
``KeyringStore(backend)``), not with ``keyring.set_keyring``: whether that was called can only
be read from python-keyring's private state. Every client has the :class:`KeyringClient`
methods and raises ``StoreUnavailable`` (``keyring_messages``) when it cannot be used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Protocol

from mcpdeck.credentials.keyring_messages import LOCKED, NO_BUS, NO_KEYRING, USE_FILE, one_line
from mcpdeck.credentials.record import KEYRING_SERVICE, StoreUnavailable
from mcpdeck.credentials.secret_service import Attributes, SecretServiceClient


class KeyringClient(Protocol):
    def get(self, service: str, account: str) -> str | None: ...

    def set(
        self, service: str, account: str, label: str, value: str, extra: Attributes
    ) -> None: ...

    def delete(self, service: str, account: str) -> bool: ...

    def accounts(self, service: str) -> frozenset[str] | None: ...


class KeyringLibClient:
    """Any python-keyring backend (macOS Keychain, Windows Credential Locker, kwallet, …)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        # One probe: a read of an entry that does not exist surfaces unusable backends now.
        self.get(KEYRING_SERVICE, "mcpdeck-probe")

    def _call(self, what: str, fn: Any) -> Any:
        from keyring.errors import KeyringLocked, NoKeyringError

        try:
            return fn()
        except KeyringLocked:
            raise StoreUnavailable(LOCKED) from None
        except NoKeyringError:
            raise StoreUnavailable(NO_KEYRING) from None
        except Exception as exc:
            raise StoreUnavailable(
                f"keyring {what} failed ({one_line(exc)}); check your OS keyring, {USE_FILE}"
            ) from None

    def get(self, service: str, account: str) -> str | None:
        value: str | None = self._call("read", lambda: self._backend.get_password(service, account))
        return value

    def set(self, service: str, account: str, label: str, value: str, extra: Attributes) -> None:
        self._call("write", lambda: self._backend.set_password(service, account, value))

    def accounts(self, service: str) -> frozenset[str] | None:
        return None  # python-keyring cannot list: callers look each account up

    def delete(self, service: str, account: str) -> bool:
        from keyring.errors import PasswordDeleteError

        def run() -> bool:
            try:
                self._backend.delete_password(service, account)
            except PasswordDeleteError:
                return False
            return True

        result: bool = self._call("delete", run)
        return result


def _keyring_explicitly_configured() -> bool:
    """True when the user chose a python-keyring backend (what keyring itself reads first)."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    # keyring's config file location on Linux (keyring.util.platform_.config_root()).
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return (Path(config_home) / "python_keyring" / "keyringrc.cfg").exists()


def _is_secret_service(backend: Any) -> bool:
    return type(backend).__module__ == "keyring.backends.SecretService"


def client_for_backend(backend: Any) -> KeyringClient:
    from keyring.backends import chainer, fail, null

    if _is_secret_service(backend):
        return SecretServiceClient(getattr(backend, "preferred_collection", None))
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise StoreUnavailable(NO_KEYRING)
    if isinstance(backend, chainer.ChainerBackend):
        # A chainer with nothing viable accepts writes and silently drops them.
        chained = list(backend.backends)
        if not chained:
            raise StoreUnavailable(NO_KEYRING)
        if len(chained) == 1:
            return client_for_backend(chained[0])
    return KeyringLibClient(backend)


def _session_bus_reachable() -> bool:
    """Could a D-Bus session bus be there? False only when it certainly is not."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        return False
    for entry in address.split(";"):
        transport, _, params = entry.partition(":")
        values = dict(p.split("=", 1) for p in params.split(",") if "=" in p)
        if transport != "unix" or "path" not in values or os.path.exists(values["path"]):
            return True  # abstract sockets, tcp: only a connection attempt can tell
    return False


def _third_party_keyring_backend_installed() -> bool:
    """Does any installed distribution other than keyring register a keyring backend?

    Reads the ``entry_points.txt`` files directly: ``importlib.metadata.entry_points()`` parses
    every distribution's METADATA too, which costs tens of milliseconds in a large venv.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")) or name.startswith("keyring-"):
                continue
            try:
                with open(os.path.join(entry or ".", name, "entry_points.txt")) as fh:
                    if "[keyring.backends]" in fh.read():
                        return True
            except OSError:
                continue
    return False


def default_client() -> KeyringClient:
    if sys.platform.startswith("linux") and not _keyring_explicitly_configured():
        if _session_bus_reachable():
            # The Secret Service is the Linux keyring: talk to it directly instead of letting
            # python-keyring import and probe every installed backend first.
            try:
                return SecretServiceClient()
            except StoreUnavailable:
                pass  # maybe kwallet or another backend: let python-keyring look
        elif not _third_party_keyring_backend_installed():
            # Headless: every built-in Linux backend speaks D-Bus. Saying so now spares
            # importing python-keyring's backends (about 0.1 s), paid by every `mcpdeck list`.
            raise StoreUnavailable(NO_BUS)
    try:
        import keyring
    except ImportError:  # pragma: no cover - keyring is a declared dependency
        raise StoreUnavailable(NO_KEYRING) from None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyringrc.cfg or PYTHON_KEYRING_BACKEND
        raise StoreUnavailable(
            f"python-keyring could not load its backend ({one_line(exc)}); fix "
            f"PYTHON_KEYRING_BACKEND or keyringrc.cfg, {USE_FILE}"
        ) from None
    return client_for_backend(backend)
