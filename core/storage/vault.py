"""VaultKeyring: an encrypted file of secrets, unlocked by a master password, for a machine without an OS keyring.

A keyring backend like any other (SecretStore uses it unchanged), never chosen by keyring on its
own: the app offers it at start when no OS keyring exists (gui/controllers/secrets.py).

The file, in the data folder, is one line that says what it is, one line of JSON header (format
version, KDF and its parameters, salt, a password check, cipher, nonce), then the ciphertext.
The master password goes through Argon2id (RFC 9106's second recommended setting: 64 MiB, 3 passes,
4 lanes) to 64 bytes: the first 32 are the AES-256-GCM key, the last 32 are stored as the check that
tells a wrong password from a damaged file. The header is the cipher's associated data, so a changed
header is refused too. Everything inside (which services and keys exist, and their values) is
encrypted; each save (with a fresh nonce) is written atomically by core.atomic_file, so a crash
during a save leaves the previous vault whole.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import threading
from pathlib import Path
from typing import Any, Final

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

from core.atomic_file import write_atomically

MAGIC: Final = b"TradeTerm secrets vault (encrypted)\n"
FORMAT: Final = 1
MIN_PASSWORD_LENGTH: Final = 8
_KDF: Final = {"name": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 4}
_SALT_BYTES: Final = 16
_NONCE_BYTES: Final = 12
_CIPHER: Final = "AES-256-GCM"
_MAX_FILE_BYTES: Final = 16 * 1024 * 1024


class VaultError(Exception):
    """The vault cannot be used; the message names the file and says what to do, never a secret."""


class WrongPassword(VaultError):
    """The master password does not open this vault."""


class VaultCorrupt(VaultError):
    """The vault file is damaged, altered or not a vault."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    data = base64.b64decode(text.encode("ascii"), validate=True)
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, got {len(data)}")
    return data


def _aead() -> tuple[Any, type[Exception]]:
    """Return (AESGCM, InvalidTag), imported on first use: cryptography costs every start some 25 ms, and only a
    machine without an OS keyring ever opens a vault."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM, InvalidTag


def _derive(password: str, salt: bytes, kdf: dict[str, Any]) -> tuple[bytes, bytes]:
    """Return (key, check) for the password: 32 bytes each from one Argon2id run."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id  # on first use: see _aead

    derived = Argon2id(salt=salt, length=64, iterations=kdf["iterations"], lanes=kdf["lanes"],
                       memory_cost=kdf["memory_kib"]).derive(password.encode("utf-8"))
    return derived[:32], derived[32:]


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise VaultError(f"The master password must have at least {MIN_PASSWORD_LENGTH} characters.")


class VaultKeyring(KeyringBackend):
    """Secrets by (service, key) in one encrypted file; made by `create` or `unlock`, never by keyring itself.

    Each set or delete saves the whole vault atomically before it returns; a save that fails raises
    and leaves both the file and the secrets in memory as they were.
    """

    @properties.classproperty
    def priority(cls) -> float:
        """Return -10: keyring's automatic selection never picks it (it needs a path and a password)."""
        return -10

    @properties.classproperty
    def viable(cls) -> bool:
        """Return False: keyring's get_all_keyring() must not try to make one without a path and password."""
        return False

    def __init__(self, path: Path, header: dict[str, Any], key: bytes, secrets: dict[str, dict[str, str]]) -> None:
        """Hold an opened vault; use `create` or `unlock`."""
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's __init__ is unannotated
        self.path = path
        self._header = header
        self._key = key
        self._secrets = secrets
        self._mutex = threading.Lock()

    # --- opening --------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, password: str) -> VaultKeyring:
        """Make a new, empty vault file at path locked by password; refuse if a file is already there."""
        _check_password(password)
        if path.exists():
            raise VaultError(f"A vault already exists at {path}: unlock it with its master password.")
        salt = os.urandom(_SALT_BYTES)
        kdf = {**_KDF, "salt": _b64(salt)}
        key, check = _derive(password, salt, kdf)
        vault = cls(path, {"format": FORMAT, "kdf": kdf, "check": _b64(check), "cipher": _CIPHER}, key, {})
        try:
            vault._save(vault._secrets)
        except OSError as exc:
            raise VaultError(f"The vault {path} cannot be written ({exc.strerror or exc}). Make its folder "
                             "writable, or choose another --data-dir.") from None
        return vault

    @classmethod
    def unlock(cls, path: Path, password: str) -> VaultKeyring:
        """Open the vault at path; raise WrongPassword or VaultCorrupt (naming the file) if it cannot be read."""
        try:
            if path.stat().st_size > _MAX_FILE_BYTES:
                raise VaultCorrupt(f"The vault {path} is too large to be a TradeTerm vault.")
            data = path.read_bytes()
        except FileNotFoundError:
            raise VaultError(f"There is no vault at {path}.") from None
        except OSError as exc:
            raise VaultError(f"The vault {path} cannot be read ({exc.strerror or exc}).") from None
        header, header_line, ciphertext = cls._parse(path, data)
        kdf = header["kdf"]
        key, check = _derive(password, _unb64(kdf["salt"]), kdf)
        if not hmac.compare_digest(check, _unb64(header["check"])):
            raise WrongPassword(f"Wrong master password for the vault {path}.")
        aead, InvalidTag = _aead()
        try:
            plain = aead(key).decrypt(_unb64(header["nonce"], _NONCE_BYTES), ciphertext, MAGIC + header_line)
            document = json.loads(plain.decode("utf-8"))
            secrets = document["secrets"]
            if not isinstance(secrets, dict) or not all(
                isinstance(entries, dict) and all(isinstance(v, str) for v in entries.values())
                for entries in secrets.values()
            ):
                raise ValueError("secrets must map service to key to text")
        except (InvalidTag, ValueError, KeyError, TypeError) as exc:
            reason = "it was altered or damaged" if isinstance(exc, InvalidTag) else str(exc)
            raise VaultCorrupt(cls._corrupt(path, reason)) from None
        stored = {k: v for k, v in header.items() if k != "nonce"}
        return cls(path, stored, key, secrets)

    @staticmethod
    def _corrupt(path: Path, reason: str) -> str:
        return (f"The vault {path} cannot be read: {reason}. TradeTerm has not changed it. Restore it from a "
                "backup, or move it away to start a new vault (its secrets are then lost: enter them again).")

    @classmethod
    def _parse(cls, path: Path, data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
        if not data.startswith(MAGIC):
            raise VaultCorrupt(cls._corrupt(path, "it is not a TradeTerm vault"))
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            raise VaultCorrupt(cls._corrupt(path, "its header is cut off"))
        header_line = data[len(MAGIC):end + 1]
        try:
            header = json.loads(header_line.decode("utf-8"))
            if not isinstance(header, dict) or type(header.get("format")) is not int:
                raise ValueError("the header has no format version")
            if header["format"] > FORMAT:
                raise VaultCorrupt(f"The vault {path} was written by a newer TradeTerm (format {header['format']}); "
                                   "TradeTerm has not changed it. Install the newer TradeTerm again.")
            kdf = header["kdf"]
            if header["format"] != FORMAT or header.get("cipher") != _CIPHER or kdf.get("name") != "argon2id":
                raise ValueError("unknown format, cipher or key derivation")
            for field in ("memory_kib", "iterations", "lanes"):
                if type(kdf.get(field)) is not int or not 0 < kdf[field] <= 4 * 1024 * 1024:
                    raise ValueError(f"bad key derivation parameter {field!r}")
            _unb64(kdf["salt"])
            _unb64(header["check"], 32)
        except VaultCorrupt:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise VaultCorrupt(cls._corrupt(path, f"its header is damaged ({exc})")) from None
        return header, header_line, data[end + 1:]

    # --- saving ---------------------------------------------------------------------------------

    def _save(self, secrets: dict[str, dict[str, str]]) -> None:
        nonce = os.urandom(_NONCE_BYTES)
        header_line = json.dumps({**self._header, "nonce": _b64(nonce)}, sort_keys=True).encode("utf-8") + b"\n"
        plain = json.dumps({"secrets": secrets}, sort_keys=True).encode("utf-8")
        aead, _ = _aead()
        write_atomically(self.path, MAGIC + header_line + aead(self._key).encrypt(nonce, plain, MAGIC + header_line))

    def _commit(self, secrets: dict[str, dict[str, str]]) -> None:
        try:
            self._save(secrets)
        except OSError as exc:
            raise VaultError(f"The vault {self.path} cannot be written ({exc.strerror or exc}); nothing was "
                             "changed. Make its folder writable.") from None
        self._secrets = secrets

    # --- keyring backend ------------------------------------------------------------------------

    def get_password(self, service: str, username: str) -> str | None:
        """Return the stored secret, or None."""
        with self._mutex:
            return self._secrets.get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store a secret, replacing any previous one, and save the vault before returning."""
        with self._mutex:
            secrets = {name: dict(entries) for name, entries in self._secrets.items()}
            secrets.setdefault(service, {})[username] = password
            self._commit(secrets)

    def delete_password(self, service: str, username: str) -> None:
        """Delete a secret and save the vault; raise PasswordDeleteError if there is none."""
        with self._mutex:
            if username not in self._secrets.get(service, {}):
                raise PasswordDeleteError(f"no secret for {username!r} in {service!r}")
            secrets = {name: dict(entries) for name, entries in self._secrets.items()}
            del secrets[service][username]
            if not secrets[service]:
                del secrets[service]
            self._commit(secrets)
