"""The OS-keyring credential store: service ``Codex Auth``, one entry per credential key.

Account names come from ``CredentialKey.account()`` (a digest of the canonical CODEX_HOME, the
server name and URL), so two CODEX_HOMEs never share an entry; client registrations are entries
of their own (``registration_account``). The value is the JSON of the record.

On Linux the Secret Service is spoken to through ``secretstorage`` (the library python-keyring
itself uses there), over one D-Bus connection per store, with the same item attributes as
keyring's SecretService backend (``service``, ``username``): listing 100 servers costs 100 quick
searches, not 100 new D-Bus connections. Elsewhere, or when python-keyring is configured
explicitly (``PYTHON_KEYRING_BACKEND``, ``keyringrc.cfg``, ``keyring.set_keyring``), the
configured python-keyring backend is used.

Nothing here is imported until a store is used; every call blocks, so async callers run them
with ``asyncio.to_thread``. Unavailability (no keyring, no D-Bus, no Secret Service, locked
collection) raises :class:`StoreUnavailable` with one line saying what to do.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Protocol

from mcpdeck.credentials.record import (
    KEYRING_SERVICE,
    ClientRegistration,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    StoreUnavailable,
    registration_account,
)
from mcpdeck.redact import redact

_USE_FILE = 'or set mcp_oauth_credentials_store = "file" in config.toml'
NO_KEYRING = (
    "no OS keyring is available (no Secret Service on D-Bus); install and start gnome-keyring "
    f"(or another Secret Service), {_USE_FILE}"
)
NO_BUS = (
    "no OS keyring is available (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset or "
    "points nowhere); run inside a desktop session with gnome-keyring (or under "
    f"`dbus-run-session`), {_USE_FILE}"
)
LOCKED = (
    "the keyring's default collection is locked; unlock it (log in to your desktop session, "
    f"or run `gnome-keyring-daemon --unlock`), {_USE_FILE}"
)
NO_COLLECTION = (
    "the Secret Service has no default collection; create one (for example with Seahorse), "
    f"{_USE_FILE}"
)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text[:200])


class _Client(Protocol):
    def get(self, account: str, service: str = KEYRING_SERVICE) -> str | None: ...

    def set(
        self,
        account: str,
        label: str,
        value: str,
        service: str = KEYRING_SERVICE,
        attributes: dict[str, str] | None = None,
    ) -> None: ...

    def delete(self, account: str, service: str = KEYRING_SERVICE) -> bool: ...

    def accounts(self, service: str) -> frozenset[str] | None: ...


class _SecretServiceClient:
    """Secret Service over one D-Bus connection and one transfer session."""

    APPLICATION = "mcpdeck"

    def __init__(self, collection_path: str | None = None) -> None:
        import secretstorage
        from secretstorage.exceptions import ItemNotFoundException, SecretStorageException

        self._lock = threading.Lock()
        try:
            conn = secretstorage.dbus_init()
        except (SecretStorageException, OSError) as exc:
            raise StoreUnavailable(
                f"cannot reach the D-Bus session bus ({_one_line(exc)}); start a desktop "
                f"session with gnome-keyring (or another Secret Service), {_USE_FILE}"
            ) from None
        self._conn = conn
        try:
            if not secretstorage.check_service_availability(conn):
                raise StoreUnavailable(NO_KEYRING)
            if collection_path:
                collection = secretstorage.Collection(conn, collection_path)
            else:
                # Collection(conn) is the "default" alias. get_default_collection() would try to
                # create a missing one, which pops up a prompt that may never be answered.
                collection = secretstorage.Collection(conn)
            locked = collection.is_locked()
        except StoreUnavailable:
            conn.close()
            raise
        except ItemNotFoundException:
            conn.close()
            raise StoreUnavailable(NO_COLLECTION) from None
        except Exception as exc:  # jeepney/D-Bus errors have no common base class
            conn.close()
            raise StoreUnavailable(
                f"the Secret Service did not answer ({_one_line(exc)}); restart gnome-keyring, "
                f"{_USE_FILE}"
            ) from None
        if locked:
            conn.close()
            raise StoreUnavailable(LOCKED)
        self._collection = collection

    @staticmethod
    def _attributes(account: str, service: str) -> dict[str, str]:
        # What both python-keyring's SecretService backend and Rust's keyring crate (Codex)
        # search by; Codex adds target=default, which a search on these two still finds.
        return {"service": service, "username": account}

    def _call(self, what: str, fn: Any) -> Any:
        from secretstorage.exceptions import LockedException

        with self._lock:
            try:
                return fn()
            except LockedException:
                raise StoreUnavailable(LOCKED) from None
            except StoreUnavailable:
                raise
            except Exception as exc:
                raise StoreUnavailable(
                    f"keyring {what} failed ({_one_line(exc)}); check that gnome-keyring is "
                    f"running and unlocked, {_USE_FILE}"
                ) from None

    def get(self, account: str, service: str = KEYRING_SERVICE) -> str | None:
        import secretstorage
        from secretstorage.util import open_session

        def run() -> str | None:
            for found in self._collection.search_items(self._attributes(account, service)):
                # One transfer session for every read, instead of one per item.
                if self._collection.session is None:
                    self._collection.session = open_session(self._conn)
                item = secretstorage.Item(self._conn, found.item_path, self._collection.session)
                secret: bytes = item.get_secret()
                return secret.decode("utf-8")
            return None

        result: str | None = self._call("read", run)
        return result

    def set(
        self,
        account: str,
        label: str,
        value: str,
        service: str = KEYRING_SERVICE,
        attributes: dict[str, str] | None = None,
    ) -> None:
        full = {**self._attributes(account, service), "application": self.APPLICATION}
        full.update(attributes or {})

        def run() -> None:
            created = self._collection.create_item(label, full, value.encode("utf-8"), replace=True)
            # An entry written by another program (other attributes) would shadow this one, and
            # Rust's keyring crate refuses to read an ambiguous pair.
            for item in list(self._collection.search_items(self._attributes(account, service))):
                if item.item_path != created.item_path:
                    item.delete()

        self._call("write", run)

    def accounts(self, service: str) -> frozenset[str] | None:
        """Every account under ``service``, from one search (attributes need no unlock)."""

        def run() -> frozenset[str]:
            return frozenset(
                item.get_attributes().get("username", "")
                for item in self._collection.search_items({"service": service})
            )

        result: frozenset[str] = self._call("search", run)
        return result

    def delete(self, account: str, service: str = KEYRING_SERVICE) -> bool:
        def run() -> bool:
            removed = False
            for item in list(self._collection.search_items(self._attributes(account, service))):
                item.delete()
                removed = True
            return removed

        result: bool = self._call("delete", run)
        return result

    def close(self) -> None:
        self._conn.close()


class _KeyringLibClient:
    """Any python-keyring backend (macOS Keychain, Windows Credential Locker, kwallet, …)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        # One probe: a read of an entry that does not exist surfaces unusable backends now.
        self.get("mcpdeck-probe")

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
                f"keyring {what} failed ({_one_line(exc)}); check your OS keyring, {_USE_FILE}"
            ) from None

    def get(self, account: str, service: str = KEYRING_SERVICE) -> str | None:
        value: str | None = self._call("read", lambda: self._backend.get_password(service, account))
        return value

    def set(
        self,
        account: str,
        label: str,
        value: str,
        service: str = KEYRING_SERVICE,
        attributes: dict[str, str] | None = None,
    ) -> None:
        self._call("write", lambda: self._backend.set_password(service, account, value))

    def accounts(self, service: str) -> frozenset[str] | None:
        return None  # python-keyring cannot list: callers look each account up

    def delete(self, account: str, service: str = KEYRING_SERVICE) -> bool:
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
    """True when the user or the embedding program chose a python-keyring backend."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    core = sys.modules.get("keyring.core")
    if core is not None and getattr(core, "_keyring_backend", None) is not None:
        return True
    # keyring's config file location on Linux (keyring.util.platform_.config_root()).
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return (Path(config_home) / "python_keyring" / "keyringrc.cfg").exists()


def _is_secret_service(backend: Any) -> bool:
    return type(backend).__module__ == "keyring.backends.SecretService"


def _client_for_backend(backend: Any) -> _Client:
    from keyring.backends import chainer, fail, null

    if _is_secret_service(backend):
        return _SecretServiceClient(getattr(backend, "preferred_collection", None))
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise StoreUnavailable(NO_KEYRING)
    if isinstance(backend, chainer.ChainerBackend):
        # A chainer with nothing viable accepts writes and silently drops them.
        chained = list(backend.backends)
        if not chained:
            raise StoreUnavailable(NO_KEYRING)
        if len(chained) == 1:
            return _client_for_backend(chained[0])
    return _KeyringLibClient(backend)


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


def _default_client() -> _Client:
    if sys.platform.startswith("linux") and not _keyring_explicitly_configured():
        if _session_bus_reachable():
            # The Secret Service is the Linux keyring: talk to it directly instead of letting
            # python-keyring import and probe every installed backend first.
            try:
                return _SecretServiceClient()
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
            f"python-keyring could not load its backend ({_one_line(exc)}); fix "
            f"PYTHON_KEYRING_BACKEND or keyringrc.cfg, {_USE_FILE}"
        ) from None
    return _client_for_backend(backend)


class KeyringStore:
    """Credentials in the OS keyring. Blocking; safe to call from several threads."""

    name = "keyring"

    def __init__(self, backend: Any | None = None) -> None:
        """``backend``: a python-keyring backend to use instead of the detected one."""
        self._backend = backend
        self._client: _Client | None = None
        self._error: StoreUnavailable | None = None
        self._resolve_lock = threading.Lock()

    def __repr__(self) -> str:
        state = "unavailable" if self._error else ("ready" if self._client else "unprobed")
        return f"KeyringStore({state})"

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` when the keyring cannot be used (probed once)."""
        self._get_client()

    def reset(self) -> None:
        """Forget the probe result (the user may have unlocked or started the keyring since)."""
        with self._resolve_lock:
            self._client = None
            self._error = None

    @property
    def available(self) -> bool:
        try:
            self.check()
        except StoreUnavailable:
            return False
        return True

    @property
    def unavailable_reason(self) -> str | None:
        return None if self.available else str(self._error)

    def _get_client(self) -> _Client:
        with self._resolve_lock:
            if self._client is not None:
                return self._client
            if self._error is not None:
                raise self._error
            try:
                if self._backend is not None:
                    self._client = _client_for_backend(self._backend)
                else:
                    self._client = _default_client()
            except StoreUnavailable as exc:
                self._error = exc
                raise
            return self._client

    # ----- any service (Codex's records, mcpdeck's own records)

    def get_secret(self, service: str, account: str) -> str | None:
        return self._get_client().get(account, service)

    def set_secret(
        self,
        service: str,
        account: str,
        label: str,
        value: str,
        attributes: dict[str, str] | None = None,
    ) -> None:
        self._get_client().set(account, label, value, service, attributes)

    def delete_secret(self, service: str, account: str) -> bool:
        return self._get_client().delete(account, service)

    def accounts(self, service: str) -> frozenset[str] | None:
        """The accounts under ``service`` (one search), or None when the backend cannot list."""
        return self._get_client().accounts(service)

    # ----- the legacy records (service "Codex Auth", accounts mcp|… and mcp-client|…)

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        what = f"credentials of '{key.server_name}'"
        data = self._load_json(key.account(), what)
        if data is None:
            return None
        try:
            return CredentialRecord.from_json(data)
        except TypeError:  # fields missing: written by something else
            raise self._bad_entry(key.account(), what) from None

    def save(self, key: CredentialKey, record: CredentialRecord) -> None:
        label = f"{KEYRING_SERVICE}: MCP server '{key.server_name}' ({key.server_url})"
        self._get_client().set(key.account(), label, json.dumps(record.to_json()))

    def delete(self, key: CredentialKey) -> bool:
        return self._get_client().delete(key.account())

    def load_registration(self, codex_home: str, issuer: str) -> ClientRegistration | None:
        account = registration_account(codex_home, issuer)
        what = f"client registration at {issuer}"
        data = self._load_json(account, what)
        if data is None:
            return None
        try:
            return ClientRegistration.from_json(data)
        except TypeError:
            raise self._bad_entry(account, what) from None

    def save_registration(self, codex_home: str, registration: ClientRegistration) -> None:
        label = f"{KEYRING_SERVICE}: OAuth client at {registration.issuer}"
        self._get_client().set(
            registration_account(codex_home, registration.issuer),
            label,
            json.dumps(registration.to_json()),
        )

    def delete_registration(self, codex_home: str, issuer: str) -> bool:
        return self._get_client().delete(registration_account(codex_home, issuer))

    def _load_json(self, account: str, what: str) -> dict[str, Any] | None:
        raw = self._get_client().get(account)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self._bad_entry(account, what)
        return data

    @staticmethod
    def _bad_entry(account: str, what: str) -> CredentialStoreError:
        return CredentialStoreError(
            f"keyring entry '{KEYRING_SERVICE}' / '{account}' ({what}) is unreadable; "
            "log in again to replace it"
        )


__all__ = ["LOCKED", "NO_KEYRING", "KeyringStore"]
