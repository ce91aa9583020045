"""ApiToken: the local API's bearer token — from TRADETERM_API_TOKEN, else the keyring (created on first use)."""

from __future__ import annotations

import hmac
import os
import secrets
from typing import Protocol

ENV_VAR = "TRADETERM_API_TOKEN"
SECRET_KEY = "api/token"


class TokenUnavailable(Exception):
    """No keyring to keep the API token in, and none given through the environment."""


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
        """Return the token, creating and storing one in the keyring if there is none.

        Raise TokenUnavailable (saying what to do) when there is no keyring to keep it in.
        """
        env = self._environ.get(ENV_VAR)
        if env:
            return env
        if self._cached is None:
            try:
                stored = self._store.get(SECRET_KEY)
                if stored is None:
                    stored = secrets.token_urlsafe(32)
                    self._store.set(SECRET_KEY, stored)
            except Exception as exc:
                raise TokenUnavailable(
                    f"The strategy API has no token: {exc} Or set {ENV_VAR} in TradeTerm's environment."
                ) from None
            self._cached = stored
        return self._cached

    def problem(self) -> str | None:
        """Return why there is no token (no keyring and no environment variable), or None."""
        try:
            self.value()
        except TokenUnavailable as exc:
            return str(exc)
        return None

    def regenerate(self) -> str:
        """Replace the keyring's token with a new random one and return it (refused while the environment sets it)."""
        if self.from_environment:
            raise ValueError(f"The token comes from {ENV_VAR}; change that variable instead.")
        token = secrets.token_urlsafe(32)
        self._store.set(SECRET_KEY, token)
        self._cached = token
        return token

    def masked(self) -> str:
        """Return the token as shown on screen: its last four characters only (or why there is none)."""
        try:
            token = self.value()
        except TokenUnavailable:
            return f"none: no keyring (set {ENV_VAR})"
        return "•" * 8 + token[-4:]

    def matches(self, presented: str) -> bool:
        """Return True if presented is the token (constant-time comparison); False when there is none."""
        try:
            token = self.value()
        except TokenUnavailable:
            return False
        return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), token.encode("utf-8"))
