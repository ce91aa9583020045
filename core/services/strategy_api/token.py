"""ApiToken: the local API's bearer token — from TRADETERM_API_TOKEN, else the keyring (created on first use)."""

from __future__ import annotations

import hmac
import os
import secrets
from typing import Protocol

ENV_VAR = "TRADETERM_API_TOKEN"
SECRET_KEY = "api/token"


class SecretBackend(Protocol):
    """The part of core.storage.secrets.SecretStore the token needs."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class ApiToken:
    """The token strategies present; compared in constant time, never logged.

    The environment variable wins when set (a headless run); otherwise the token lives in the keyring
    under 'api/token' and `regenerate` replaces it there (old clients then get 401).
    """

    def __init__(self, secrets_store: SecretBackend, environ: dict[str, str] | None = None) -> None:
        self._store = secrets_store
        self._environ = os.environ if environ is None else environ
        self._cached: str | None = None

    @property
    def from_environment(self) -> bool:
        return bool(self._environ.get(ENV_VAR))

    def value(self) -> str:
        """Return the token, creating and storing one in the keyring if there is none."""
        env = self._environ.get(ENV_VAR)
        if env:
            return env
        if self._cached is None:
            stored = self._store.get(SECRET_KEY)
            if stored is None:
                stored = secrets.token_urlsafe(32)
                self._store.set(SECRET_KEY, stored)
            self._cached = stored
        return self._cached

    def regenerate(self) -> str:
        """Replace the keyring's token with a new random one and return it (refused while the environment sets it)."""
        if self.from_environment:
            raise ValueError(f"The token comes from {ENV_VAR}; change that variable instead.")
        token = secrets.token_urlsafe(32)
        self._store.set(SECRET_KEY, token)
        self._cached = token
        return token

    def masked(self) -> str:
        """Return the token as shown on screen: its last four characters only."""
        token = self.value()
        return "•" * 8 + token[-4:]

    def matches(self, presented: str) -> bool:
        """Return True if presented is the token (constant-time comparison)."""
        return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), self.value().encode("utf-8"))
