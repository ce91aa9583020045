"""SecretStore: API secrets, access tokens and passwords in the OS keyring, never in a file or a log.

The backend is chosen explicitly (`choose_backend`): the platform's own keyring (Windows Credential
Locker, macOS Keychain, Secret Service or KWallet on Linux), never a plaintext file silently.
PYTHON_KEYRING_BACKEND, keyring's documented override, is honoured unless it names a plaintext
keyring (keyrings.alt), which is refused like no keyring at all; `describe_backend` then says whether
the chosen backend is in memory only or failing. Without an OS keyring the app offers an encrypted
file vault (core/storage/vault.py) and hands it to the store with `use_backend`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from core.services.log_redaction import SECRETS

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

# keyring (with jaraco, importlib_metadata, http.client) and its backends are imported where a backend is
# first looked for or described: after the window's first paint (gui/controllers/secrets.py).

log = logging.getLogger(__name__)

DEFAULT_SERVICE: Final = "TradeTerm"
_ENV_OVERRIDE: Final = "PYTHON_KEYRING_BACKEND"
_NO_KEYRING_HELP: Final = (
    "No usable OS keyring was found and TradeTerm's encrypted secrets vault is not unlocked, so TradeTerm cannot "
    "keep passwords and tokens. Set up the vault (a master password) from the banner at the top of the window, or "
    "on Linux install and unlock a Secret Service provider (GNOME Keyring or KeePassXC) or KWallet; Windows and "
    "macOS provide one. TradeTerm never stores secrets in plain files."
)


class SecretStoreError(Exception):
    """The keyring cannot be used or refused an operation; the message never contains a secret value."""


@dataclass(frozen=True, slots=True)
class BackendDescription:
    """What a keyring backend is: its name and whether it is plaintext, in memory only or failing."""

    name: str
    plaintext: bool
    failing: bool
    persistent: bool
    detail: str = ""
    vault: bool = False
    """An encrypted file vault (core/storage/vault.py) rather than the OS keyring."""

    @property
    def secure(self) -> bool:
        """True for a working, persistent, non-plaintext keyring."""
        return self.persistent and not (self.plaintext or self.failing)

    def __str__(self) -> str:
        if self.failing:
            note = "not working" + (f": {self.detail}" if self.detail else "")
        elif self.plaintext:
            note = "PLAINTEXT file: secrets are not protected"
        elif not self.persistent:
            note = "in memory only: secrets are lost on exit"
        elif self.vault:
            note = "encrypted file vault" + (f" {self.detail}" if self.detail else "")
        else:
            note = "OS keyring"
        return f"{self.name} ({note})"


def _name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_plaintext(backend: KeyringBackend) -> bool:
    return type(backend).__module__.startswith("keyrings.alt")


def describe_backend(backend: KeyringBackend) -> BackendDescription:
    """Describe a keyring backend: its name, and whether it is plaintext, in memory only or failing."""
    from keyring.backends import chainer, fail, null

    from core.storage.memory_keyring import MemoryKeyring
    from core.storage.vault import VaultKeyring

    name = _name(backend)
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        return BackendDescription(
            name=name,
            plaintext=any(_is_plaintext(item) for item in chained),
            failing=not chained,
            persistent=bool(chained) and not any(isinstance(item, MemoryKeyring) for item in chained),
            detail="" if chained else "no backends to chain",
        )
    if isinstance(backend, VaultKeyring):
        return BackendDescription(name=name, plaintext=False, failing=False, persistent=True,
                                  detail=str(backend.path), vault=True)
    failing = isinstance(backend, fail.Keyring | null.Keyring)
    return BackendDescription(
        name=name,
        plaintext=_is_plaintext(backend),
        failing=failing,
        persistent=not failing and not isinstance(backend, MemoryKeyring),
        detail="keyring found no usable backend" if failing else "",
    )


def _is_os_keyring(backend: KeyringBackend) -> bool:
    import keyring.core
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        return False
    return describe_backend(backend).secure and keyring.core.recommended(backend)


def choose_backend() -> KeyringBackend:
    """Return the backend named in PYTHON_KEYRING_BACKEND, else the platform's best OS keyring.

    Raise SecretStoreError, saying what to install, if there is none, or if the override names a
    plaintext keyring (plaintext and failing backends are never chosen automatically).
    """
    import keyring.backend
    import keyring.core

    override = os.environ.get(_ENV_OVERRIDE)
    if override is not None:
        try:
            backend = keyring.core.load_keyring(override)
        except Exception as exc:
            raise SecretStoreError(f"{_ENV_OVERRIDE}={override!r} cannot be loaded: {exc}") from None
        if describe_backend(backend).plaintext:
            raise SecretStoreError(
                f"{_ENV_OVERRIDE}={override!r} names a PLAINTEXT keyring, which TradeTerm refuses: anyone who can "
                f"read the file reads the secrets. Unset {_ENV_OVERRIDE}; without an OS keyring TradeTerm offers "
                "an encrypted vault with a master password.")
        return backend
    candidates = [backend for backend in keyring.backend.get_all_keyring() if _is_os_keyring(backend)]
    if not candidates:
        raise SecretStoreError(_NO_KEYRING_HELP)
    return max(candidates, key=keyring.backend.by_priority)


def secret_key(*parts: str) -> str:
    """Return a key such as 'account/IB-1/password' from its parts."""
    key = "/".join(parts)
    _check_key(key)
    return key


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key or any(part != part.strip() or not part for part in key.split("/")):
        raise ValueError(f"secret key {key!r} must be non-empty '/'-separated parts, e.g. 'account/IB-1/password'")


class SecretStore:
    """Secrets of one service in one keyring backend, by key (e.g. 'account/IB-1/password')."""

    def __init__(self, service: str = DEFAULT_SERVICE, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend
        self._unavailable: SecretStoreError | None = None

    @property
    def backend(self) -> KeyringBackend:
        """Return the backend, choosing it on first use; raise SecretStoreError if there is none."""
        if self._backend is None:
            if self._unavailable is not None:
                raise self._unavailable
            try:
                self._backend = choose_backend()
            except SecretStoreError as exc:
                self._unavailable = exc
                raise
            log.info("secrets are kept in %s", describe_backend(self._backend))
        return self._backend

    def use_backend(self, backend: KeyringBackend) -> None:
        """Keep secrets in backend from now on (the vault the trader unlocked when there is no OS keyring)."""
        description = describe_backend(backend)
        if description.plaintext or description.failing:
            raise SecretStoreError(f"TradeTerm does not keep secrets in {description}.")
        self._backend = backend
        self._unavailable = None
        log.info("secrets are kept in %s", description)

    def describe_backend(self) -> BackendDescription:
        """Describe the backend in use (a failing description if none is usable); never raises."""
        try:
            return describe_backend(self.backend)
        except SecretStoreError as exc:
            return BackendDescription(name="none", plaintext=False, failing=True, persistent=False, detail=str(exc))

    def get(self, key: str) -> str | None:
        """Return the secret stored under key, or None if there is none."""
        _check_key(key)
        backend = self.backend
        try:
            value = backend.get_password(self.service, key)
        except Exception as exc:
            raise self._error("read", key, exc) from None
        SECRETS.add(value)  # from now on masked in every log line
        return value

    def set(self, key: str, value: str) -> None:
        """Store value under key, replacing any previous secret."""
        _check_key(key)
        if not isinstance(value, str) or value == "":
            raise ValueError(f"secret {key!r}: the value must be a non-empty string; use delete() to remove it")
        SECRETS.add(value)  # from now on masked in every log line
        backend = self.backend
        try:
            backend.set_password(self.service, key, value)
        except Exception as exc:
            raise self._error("store", key, exc, show_message=False) from None
        log.info("stored secret %s in %s", key, _name(backend))

    def delete(self, key: str) -> bool:
        """Delete the secret under key; return False if there was none."""
        if self.get(key) is None:
            return False
        backend = self.backend
        try:
            backend.delete_password(self.service, key)
        except Exception as exc:
            raise self._error("delete", key, exc) from None
        log.info("deleted secret %s from %s", key, _name(backend))
        return True

    def _error(self, action: str, key: str, exc: Exception, show_message: bool = True) -> SecretStoreError:
        from core.storage.vault import VaultError

        reason = f"{type(exc).__name__}: {exc}" if show_message or isinstance(exc, VaultError) else type(exc).__name__
        return SecretStoreError(f"The keyring ({_name(self.backend)}) could not {action} the secret {key!r}: {reason}")
