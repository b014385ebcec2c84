"""Codex's encrypted secrets store for MCP OAuth tokens (``[features] secret_auth_storage``).

Observed with Codex 0.171.0: ``$CODEX_HOME/secrets/mcp_oauth.age`` is an age v1 file with one
scrypt recipient; its passphrase is a keyring secret (service ``codex``, account
``secrets|<16 hex of SHA-256 of the canonical CODEX_HOME>``). The plaintext is JSON
``{"version": 1, "secrets": {"global/MCP_OAUTH_<32 upper hex of SHA-256 of the store key>":
"<the keyring record's JSON>"}}``. Every read-modify-write holds
``mcp-oauth-locks/secrets-store.lock``.

age is implemented here on ``cryptography`` (scrypt, ChaCha20-Poly1305, HKDF, HMAC), after the
public specification (age-encryption.org/v1). Decryption costs what Codex's scrypt work factor
says (2^19: about half a gigabyte and a few seconds), so only single-server operations (login,
refresh, logout, get, doctor) open it; ``list`` and the TUI's table say where the tokens are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from mcpdeck.credentials.codex_layout import (
    LOCK_DIR,
    SECRETS_FILE,
    SECRETS_STORE_LOCK,
    from_keyring_json,
    to_keyring_json,
)
from mcpdeck.credentials.file_lock import file_lock
from mcpdeck.credentials.keyring_store import KeyringStore
from mcpdeck.credentials.private_file import file_version, write_private
from mcpdeck.credentials.record import CredentialKey, CredentialRecord, CredentialStoreError

SECRETS_KEYRING_SERVICE = "codex"
_INTRO = b"age-encryption.org/v1\n"
_SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
_CHUNK = 64 * 1024
_MAX_LOG_N = 22  # refuse absurd work factors (a hostile file must not eat the machine)
_WRITE_LOG_N = 18
_LOCK_TIMEOUT_SEC = 60.0


class SecretsStoreError(CredentialStoreError):
    """Codex's secrets store cannot be used; the message says why and what to do."""

    store = "secrets"


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _unb64(text: bytes) -> bytes:
    return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _scrypt(passphrase: bytes, salt: bytes, log_n: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=_SCRYPT_LABEL + salt, length=32, n=2**log_n, r=8, p=1).derive(passphrase)


def _stream(key: bytes, data: bytes, *, encrypt: bool) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    aead = ChaCha20Poly1305(key)
    size = _CHUNK if encrypt else _CHUNK + 16
    chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
    out = bytearray()
    for counter, chunk in enumerate(chunks):
        last = counter == len(chunks) - 1
        nonce = counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        out += aead.encrypt(nonce, chunk, None) if encrypt else aead.decrypt(nonce, chunk, None)
    return bytes(out)


def age_decrypt(data: bytes, passphrase: bytes) -> bytes:
    """Decrypt an age v1 file with one scrypt stanza. ValueError when it cannot."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if not data.startswith(_INTRO):
        raise ValueError("not an age v1 file")
    end = data.find(b"\n---", len(_INTRO))
    if end < 0:
        raise ValueError("no header MAC")
    line_end = data.index(b"\n", end + 4)
    header, mac = data[: end + 4], _unb64(data[end + 5 : line_end])
    lines = header[len(_INTRO) :].split(b"\n")[:-1]
    if not lines or not lines[0].startswith(b"-> scrypt "):
        raise ValueError("not a passphrase-encrypted age file")
    _, _, salt_b64, log_n_text = lines[0].split(b" ")
    log_n = int(log_n_text)
    if not 1 <= log_n <= _MAX_LOG_N:
        raise ValueError("unsupported scrypt work factor")
    body = _unb64(b"".join(lines[1:]))
    wrap = _scrypt(passphrase, _unb64(salt_b64), log_n)
    file_key = ChaCha20Poly1305(wrap).decrypt(b"\x00" * 12, body, None)
    expected = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, mac):
        raise ValueError("header MAC mismatch")
    payload = data[line_end + 1 :]
    nonce, ciphertext = payload[:16], payload[16:]
    return _stream(_hkdf(file_key, nonce, b"payload"), ciphertext, encrypt=False)


def age_encrypt(plaintext: bytes, passphrase: bytes, log_n: int = _WRITE_LOG_N) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    file_key, salt, nonce = os.urandom(16), os.urandom(16), os.urandom(16)
    wrap = _scrypt(passphrase, salt, log_n)
    body = ChaCha20Poly1305(wrap).encrypt(b"\x00" * 12, file_key, None)
    encoded = _b64(body)
    wrapped = b"\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))
    if len(encoded) % 64 == 0:
        wrapped += b"\n"  # a full last line is followed by an empty one
    header = _INTRO + b"-> scrypt " + _b64(salt) + b" " + str(log_n).encode() + b"\n"
    header += wrapped + b"\n---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    payload = _stream(_hkdf(file_key, nonce, b"payload"), plaintext, encrypt=True)
    return header + b" " + _b64(mac) + b"\n" + nonce + payload


def secret_name(key: CredentialKey) -> str:
    digest = hashlib.sha256(key.store_key().encode("utf-8")).hexdigest().upper()
    return f"global/MCP_OAUTH_{digest[:32]}"


def passphrase_account(codex_home: Path) -> str:
    canonical = os.path.realpath(str(Path(codex_home).expanduser()))
    return "secrets|" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


class CodexSecretsStore:
    """Codex's ``mcp_oauth.age``. Blocking and slow (scrypt): single-server operations only."""

    name = "secrets"

    def __init__(self, codex_home: Path, keyring: KeyringStore) -> None:
        self.codex_home = Path(codex_home).expanduser()
        self.path = self.codex_home / SECRETS_FILE
        self.lock_path = self.codex_home / LOCK_DIR / SECRETS_STORE_LOCK
        self.keyring = keyring
        # One decryption per file version: scrypt at Codex's work factor costs seconds.
        self._cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    def _passphrase(self, *, create: bool) -> bytes:
        account = passphrase_account(self.codex_home)
        value = self.keyring.get_secret(SECRETS_KEYRING_SERVICE, account)
        if value is not None:
            return value.encode("utf-8")
        if not create or self.path.exists():
            raise SecretsStoreError(
                f"{self.path}: the key of Codex's encrypted secrets store is not in the keyring "
                f"(service '{SECRETS_KEYRING_SERVICE}', account '{account}'); nothing can read "
                "it now: delete the file and log in again (with Codex or mcpdeck)"
            )
        generated = base64.b64encode(os.urandom(32)).decode("ascii")
        self.keyring.set_secret(
            SECRETS_KEYRING_SERVICE,
            account,
            f"{account}@{SECRETS_KEYRING_SERVICE}:default (keyring v3.6.3)",
            generated,
            {
                "application": "rust-keyring",
                "target": "default",
                "xdg:schema": "org.freedesktop.Secret.Generic",
            },
        )
        return generated.encode("utf-8")

    def _read(self) -> dict[str, Any]:
        signature = file_version(self.path)
        if signature is not None and self._cache is not None and self._cache[0] == signature:
            contents = self._cache[1]
        else:
            contents = self._decrypt()
            if signature is not None:
                self._cache = (signature, contents)
        copy: dict[str, Any] = json.loads(json.dumps(contents))  # callers modify it
        return copy

    def _decrypt(self) -> dict[str, Any]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {"version": 1, "secrets": {}}
        except OSError as exc:
            raise SecretsStoreError(f"{self.path}: cannot read ({exc.strerror})") from None
        try:
            plain = json.loads(age_decrypt(data, self._passphrase(create=False)))
        except SecretsStoreError:
            raise
        except Exception:
            raise SecretsStoreError(
                f"{self.path}: Codex's encrypted secrets store cannot be decrypted with its "
                "keyring key; delete it and log in again"
            ) from None
        if not isinstance(plain, dict) or not isinstance(plain.get("secrets"), dict):
            raise SecretsStoreError(f"{self.path}: unexpected contents; delete it and log in again")
        return plain

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        if not self.path.exists():
            return None
        with file_lock(self.lock_path, timeout=_LOCK_TIMEOUT_SEC):
            secrets = self._read()["secrets"]
        raw = secrets.get(secret_name(key))
        if raw is None:
            return None
        try:
            data = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            data = None
        return from_keyring_json(data, key, f"{self.path} ({secret_name(key)})")

    def save(self, key: CredentialKey, record: CredentialRecord) -> None:
        value = json.dumps(to_keyring_json(record), separators=(",", ":"), ensure_ascii=False)
        self._modify(lambda secrets: secrets.__setitem__(secret_name(key), value) or True)

    def delete(self, key: CredentialKey) -> bool:
        if not self.path.exists():
            return False
        return self._modify(lambda secrets: secrets.pop(secret_name(key), None) is not None)

    def _modify(self, change: Any) -> bool:
        with file_lock(self.lock_path, timeout=_LOCK_TIMEOUT_SEC):
            contents = self._read()
            if not change(contents["secrets"]):
                return False
            passphrase = self._passphrase(create=True)
            data = age_encrypt(json.dumps(contents).encode("utf-8"), passphrase)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_private(self.path, data, SecretsStoreError)
            signature = file_version(self.path)
            self._cache = (signature, contents) if signature is not None else None
            return True


__all__ = ["CodexSecretsStore", "SecretsStoreError", "age_decrypt", "age_encrypt", "secret_name"]
