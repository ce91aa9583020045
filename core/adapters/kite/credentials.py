"""KiteCredentials: the API key, secret and daily access token, read and written through callables.

The app backs them with the keyring (SecretStore); tests with a dict. Nothing here is ever logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A Kite access token and when Kite ends it (06:00 IST after the login)."""

    value: str
    expires_at: datetime
    user_id: str = ""

    def __repr__(self) -> str:
        return f"AccessToken(<redacted>, expires_at={self.expires_at.isoformat()}, user_id={self.user_id!r})"

    def is_valid(self, now: datetime | None = None) -> bool:
        return bool(self.value) and (now or datetime.now(UTC)) < self.expires_at

    def to_secret(self) -> str:
        """Return the token and its expiry as one keyring value."""
        return json.dumps({"token": self.value, "expires_at": self.expires_at.isoformat(), "user_id": self.user_id})

    @classmethod
    def from_secret(cls, text: str | None) -> AccessToken | None:
        """Return the token stored by to_secret, or None if text is empty or unreadable."""
        if not text:
            return None
        try:
            data = json.loads(text)
            expires = datetime.fromisoformat(data["expires_at"])
            return cls(str(data["token"]), expires if expires.tzinfo else expires.replace(tzinfo=UTC),
                       str(data.get("user_id", "")))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class KiteCredentials:
    """Where the adapter reads the API key/secret and reads/writes the access token."""

    api_key: Callable[[], str | None]
    api_secret: Callable[[], str | None]
    load_token: Callable[[], AccessToken | None]
    save_token: Callable[[AccessToken], None]

    @classmethod
    def in_memory(cls, api_key: str, api_secret: str, token: AccessToken | None = None) -> KiteCredentials:
        """Return credentials held in a dict (tests, headless runs)."""
        store: dict[str, AccessToken | None] = {"token": token}

        def save(value: AccessToken) -> None:
            store["token"] = value

        return cls(lambda: api_key, lambda: api_secret, lambda: store["token"], save)
