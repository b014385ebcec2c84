"""The Secret Service (the Linux keyring) over one D-Bus connection, through ``secretstorage``.

``secretstorage`` is the library python-keyring itself uses there; talking to it directly keeps
one connection and one transfer session per store, with the item attributes keyring's
SecretService backend uses (``service``, ``username``): listing 100 servers costs 100 quick
searches, not 100 new D-Bus connections. ``secretstorage`` is imported on first use.
"""

from __future__ import annotations

import threading
from typing import Any

from mcpdeck.credentials.keyring_messages import (
    LOCKED,
    NO_COLLECTION,
    NO_KEYRING,
    USE_FILE,
    one_line,
)
from mcpdeck.credentials.record import StoreUnavailable

# Secret Service item attributes beyond service and username (python-keyring has none).
Attributes = dict[str, str]


class SecretServiceClient:
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
                f"cannot reach the D-Bus session bus ({one_line(exc)}); start a desktop "
                f"session with gnome-keyring (or another Secret Service), {USE_FILE}"
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
                f"the Secret Service did not answer ({one_line(exc)}); restart gnome-keyring, "
                f"{USE_FILE}"
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
                    f"keyring {what} failed ({one_line(exc)}); check that gnome-keyring is "
                    f"running and unlocked, {USE_FILE}"
                ) from None

    def get(self, service: str, account: str) -> str | None:
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

    def set(self, service: str, account: str, label: str, value: str, extra: Attributes) -> None:
        full = {**self._attributes(account, service), "application": self.APPLICATION}
        full.update(extra)

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

    def delete(self, service: str, account: str) -> bool:
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
