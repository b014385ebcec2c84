"""The encrypted-file credential store: one AES-GCM file under CODEX_HOME.

Files (all mode 0600, in CODEX_HOME):
- ``mcpdeck-credentials.enc``: a JSON envelope ``{version, kdf, salt, nonce, ciphertext}``;
  the plaintext is ``{"records": {account: record}, "registrations": {account: registration}}``.
- ``mcpdeck-credentials.key``: 32 random bytes (base64), unless ``MCPDECK_CREDENTIALS_PASSPHRASE``
  is set, in which case the key is derived from it with scrypt and the salt in the envelope.
- ``mcpdeck-credentials.lock``: the ``flock`` taken around every read-modify-write.

Writes go to a temporary file that is fsynced and then renamed over the old one, so a crash
leaves either the old or the new file, never half of one. A file that cannot be decrypted is
reported with a clear error; saving over it moves it aside (``.corrupt-<timestamp>``), so a
fresh login always works and nothing is destroyed.

``cryptography`` is imported only when a file is actually read or written.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from mcpdeck.credentials.file_lock import file_lock
from mcpdeck.credentials.private_file import write_private
from mcpdeck.credentials.record import (
    ClientRegistration,
    CredentialKey,
    CredentialRecord,
    CredentialStoreError,
    registration_account,
)
from mcpdeck.records import record

PASSPHRASE_ENV = "MCPDECK_CREDENTIALS_PASSPHRASE"
STORE_FILE = "mcpdeck-credentials.enc"
KEY_FILE = "mcpdeck-credentials.key"
LOCK_FILE = "mcpdeck-credentials.lock"

_FORMAT_VERSION = 1
_KEY_LEN = 32
_NONCE_LEN = 12
_SALT_LEN = 16
# scrypt cost: about 50 ms on a laptop, paid once per process and salt (the key is cached).
_SCRYPT_N = 2**15
_SCRYPT_R = 8
_SCRYPT_P = 1
# A credentials file is small; refuse to decrypt something absurdly large.
_MAX_FILE_BYTES = 16 * 1024 * 1024


def _random_bytes(n: int) -> bytes:
    # `secrets` (with random, hmac and OpenSSL's hashlib) is imported only when writing:
    # `mcpdeck list` reads this module on every run.
    import secrets

    return secrets.token_bytes(n)


@record
class _Contents:
    records: dict[str, dict[str, Any]]
    registrations: dict[str, dict[str, Any]]

    @classmethod
    def empty(cls) -> _Contents:
        return cls({}, {})


class PassphraseRequired(CredentialStoreError):
    """The file is keyed by a passphrase that is not set."""


class _Undecryptable(CredentialStoreError):
    """The file exists but cannot be read back (damaged, wrong key or passphrase)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


class FileStore:
    """Credentials in an encrypted file under one CODEX_HOME. Blocking; thread-compatible."""

    name = "file"

    def __init__(self, codex_home: Path, *, passphrase: str | None = None) -> None:
        self.codex_home = Path(codex_home).expanduser()
        self.path = self.codex_home / STORE_FILE
        self.key_path = self.codex_home / KEY_FILE
        self.lock_path = self.codex_home / LOCK_FILE
        # Read once: the passphrase is never kept anywhere but in this object.
        self._passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
        self._derived: dict[bytes, bytes] = {}
        self._key_from_file: bytes | None = None
        # (stat signature, contents or the error it gave): many reads, one decryption.
        self._cache: tuple[tuple[int, ...], _Contents | CredentialStoreError] | None = None
        # Where the last unreadable file was moved, for callers that want to tell the user.
        self.set_aside: Path | None = None

    def __repr__(self) -> str:
        return f"FileStore({str(self.path)!r})"

    # ----- the CredentialStore protocol

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        data = self._read().records.get(key.account())
        if data is None:
            return None
        try:
            return CredentialRecord.from_json(data)
        except TypeError:
            raise self._bad_entry(f"credentials of '{key.server_name}'") from None

    def save(self, key: CredentialKey, record: CredentialRecord) -> None:
        def change(contents: _Contents) -> bool:
            contents.records[key.account()] = record.to_json()
            return True

        self._modify(change, replace_unreadable=True)

    def delete(self, key: CredentialKey) -> bool:
        def change(contents: _Contents) -> bool:
            return contents.records.pop(key.account(), None) is not None

        if not self.path.exists():
            return False
        return self._modify(change, replace_unreadable=False)

    def load_registration(self, codex_home: str, issuer: str) -> ClientRegistration | None:
        data = self._read().registrations.get(registration_account(codex_home, issuer))
        if data is None:
            return None
        try:
            return ClientRegistration.from_json(data)
        except TypeError:
            raise self._bad_entry(f"client registration at {issuer}") from None

    def _bad_entry(self, what: str) -> CredentialStoreError:
        return CredentialStoreError(
            f"{self.path}: the entry for the {what} is unreadable; log in again to replace it"
        )

    def save_registration(self, codex_home: str, registration: ClientRegistration) -> None:
        account = registration_account(codex_home, registration.issuer)

        def change(contents: _Contents) -> bool:
            contents.registrations[account] = registration.to_json()
            return True

        self._modify(change, replace_unreadable=True)

    def delete_registration(self, codex_home: str, issuer: str) -> bool:
        account = registration_account(codex_home, issuer)

        def change(contents: _Contents) -> bool:
            return contents.registrations.pop(account, None) is not None

        if not self.path.exists():
            return False
        return self._modify(change, replace_unreadable=False)

    def remove_if_empty(self) -> bool:
        """Delete the file (and its key file) once nothing is left in it (after migration)."""
        with file_lock(self.lock_path):
            contents = self._read_unlocked(use_cache=False)
            if contents.records or contents.registrations:
                return False
            for path in (self.path, self.key_path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            self._cache = None
            return True

    # ----- extras

    def has_file(self) -> bool:
        return self.path.exists()

    def delete_unreadable(self) -> Path | None:
        """Move an undecryptable store file aside (logout's answer to a damaged file)."""
        with file_lock(self.lock_path):
            try:
                self._read_unlocked(use_cache=False)
            except _Undecryptable:
                return self._move_aside()
        return None

    # ----- reading

    def _signature(self) -> tuple[int, ...] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CredentialStoreError(
                f"{self.path}: cannot read credentials file ({exc.strerror}); check its permissions"
            ) from exc
        # Every write renames a new file into place, so the inode alone nearly always changes.
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def _read(self) -> _Contents:
        """Current contents; no lock needed because writers replace the file atomically."""
        return self._read_unlocked(use_cache=True)

    def _read_unlocked(self, *, use_cache: bool) -> _Contents:
        signature = self._signature()
        if signature is None:
            self._cache = None
            return _Contents.empty()
        if use_cache and self._cache is not None and self._cache[0] == signature:
            cached = self._cache[1]
            if isinstance(cached, CredentialStoreError):
                raise cached
            return cached
        try:
            contents = self._decrypt_file()
        except CredentialStoreError as exc:
            self._cache = (signature, exc)
            raise
        self._cache = (signature, contents)
        return contents

    def _decrypt_file(self) -> _Contents:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(_MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            return _Contents.empty()
        except OSError as exc:
            raise CredentialStoreError(
                f"{self.path}: cannot read credentials file ({exc.strerror}); check its permissions"
            ) from exc
        damaged = _Undecryptable(
            f"{self.path}: credentials file is damaged; log in again to replace it "
            "(the damaged file is set aside), or delete it"
        )
        if len(raw) > _MAX_FILE_BYTES:
            raise damaged
        try:
            envelope = json.loads(raw)
            if not isinstance(envelope, dict) or envelope.get("version") != _FORMAT_VERSION:
                raise ValueError("unknown format")
            kdf = envelope.get("kdf")
            salt = _unb64(envelope.get("salt", ""))
            nonce = _unb64(envelope["nonce"])
            ciphertext = _unb64(envelope["ciphertext"])
        except (ValueError, KeyError, binascii.Error, UnicodeError):
            raise damaged from None
        if kdf == "scrypt":
            if not self._passphrase:
                raise PassphraseRequired(
                    f"{self.path}: mcpdeck's old credentials file is encrypted with a "
                    f"passphrase; set {PASSPHRASE_ENV} to read it (mcpdeck then moves its "
                    "tokens into Codex's store), or delete the file and log in again"
                )
            key = self._derive(salt)
            what = f"wrong {PASSPHRASE_ENV} or damaged file"
        elif kdf == "keyfile":
            key = self._existing_file_key()
            what = f"{self.key_path.name} does not match or the file is damaged"
        else:
            raise damaged
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(kdf, salt))
        except (InvalidTag, ValueError):
            raise _Undecryptable(
                f"{self.path}: cannot be decrypted ({what}); log in again to replace it "
                "(the unreadable file is set aside), or delete it"
            ) from None
        try:
            body = json.loads(plaintext)
            records = body["records"]
            registrations = body["registrations"]
            if not isinstance(records, dict) or not isinstance(registrations, dict):
                raise ValueError("bad layout")
        except (ValueError, KeyError, TypeError):
            raise damaged from None
        return _Contents(records, registrations)

    # ----- keys

    def _derive(self, salt: bytes) -> bytes:
        cached = self._derived.get(salt)
        if cached is not None:
            return cached
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        assert self._passphrase is not None
        key = Scrypt(salt=salt, length=_KEY_LEN, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(
            self._passphrase.encode("utf-8")
        )
        self._derived[salt] = key
        return key

    def _existing_file_key(self) -> bytes:
        if self._key_from_file is not None:
            return self._key_from_file
        try:
            text = self.key_path.read_text("ascii").strip()
        except FileNotFoundError:
            raise _Undecryptable(
                f"{self.path}: cannot be decrypted because its key file {self.key_path.name} is "
                "missing; log in again to replace it (the unreadable file is set aside)"
            ) from None
        except (OSError, UnicodeError) as exc:
            raise CredentialStoreError(
                f"{self.key_path}: cannot read the credentials key ({exc}); check its permissions"
            ) from None
        try:
            key = _unb64(text)
        except (ValueError, binascii.Error):
            key = b""
        if len(key) != _KEY_LEN:
            raise _Undecryptable(
                f"{self.key_path}: credentials key is damaged; delete it and "
                f"{self.path.name}, then log in again"
            )
        self._key_from_file = key
        return key

    def _key_for_writing(self) -> tuple[str, bytes, bytes]:
        """(kdf, salt, key) for a new file: the passphrase when set, else the key file."""
        if self._passphrase:
            salt = _random_bytes(_SALT_LEN)
            return "scrypt", salt, self._derive(salt)
        try:
            return "keyfile", b"", self._existing_file_key()
        except _Undecryptable:
            # Missing or damaged: a damaged key can decrypt nothing, so keep it aside and start
            # over (the store file it belonged to was already set aside by _modify).
            if self.key_path.exists():
                _move_aside(self.key_path)
        key = _random_bytes(_KEY_LEN)
        write_private(self.key_path, (_b64(key) + "\n").encode("ascii"))
        self._key_from_file = key
        return "keyfile", b"", key

    # ----- writing

    def _modify(self, change: Any, *, replace_unreadable: bool) -> bool:
        """Read-modify-write under the cross-process lock; returns what ``change`` returned."""
        self.codex_home.mkdir(parents=True, exist_ok=True)
        with file_lock(self.lock_path):
            try:
                contents = self._read_unlocked(use_cache=False)
            except _Undecryptable:
                if not replace_unreadable:
                    raise
                self._move_aside()
                contents = _Contents.empty()
            changed = bool(change(contents))
            if changed:
                self._write(contents)
            return changed

    def _write(self, contents: _Contents) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        kdf, salt, key = self._key_for_writing()
        nonce = _random_bytes(_NONCE_LEN)
        plaintext = json.dumps(
            {"records": contents.records, "registrations": contents.registrations}
        ).encode("utf-8")
        envelope = {
            "version": _FORMAT_VERSION,
            "kdf": kdf,
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "ciphertext": _b64(AESGCM(key).encrypt(nonce, plaintext, _aad(kdf, salt))),
        }
        write_private(self.path, json.dumps(envelope).encode("ascii"))
        self._cache = None

    def _move_aside(self) -> Path:
        target = _move_aside(self.path)
        self._cache = None
        self.set_aside = target
        return target


def _move_aside(path: Path) -> Path:
    """Rename an unreadable file to ``<name>.corrupt-<timestamp>`` (kept for recovery)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        os.replace(path, target)
    except OSError as exc:
        raise CredentialStoreError(
            f"{path}: cannot move the unreadable file aside ({exc.strerror}); delete it by hand"
        ) from exc
    return target


def _aad(kdf: Any, salt: bytes) -> bytes:
    # Binds the header to the ciphertext: a swapped kdf or salt fails authentication.
    return f"mcpdeck-credentials:v{_FORMAT_VERSION}:{kdf}:{_b64(salt)}".encode("ascii")


__all__ = ["KEY_FILE", "LOCK_FILE", "PASSPHRASE_ENV", "STORE_FILE", "FileStore"]
