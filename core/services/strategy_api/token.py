"""StrategyTokens: one bearer token per strategy, kept in the keyring; the token a request presents fixes its strategy.

A strategy no longer names itself: the API maps the presented token to the one strategy it was
made for. Tokens live in the keyring under 'api/strategy/<name>', never in a file or a log.

The single shared token of earlier versions ('api/token' in the keyring, or TRADETERM_API_TOKEN in
TradeTerm's environment) is retired, not mapped to a strategy: whoever held it could act as every
strategy, and no setting says which one it was meant for. A request that presents it gets a 401
that says to create a per-strategy token in the Strategy API panel.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Iterable
from typing import Protocol

from core.domain import StrategyId
from core.services.strategies import check_strategy_name

RETIRED_ENV_VAR = "TRADETERM_API_TOKEN"
RETIRED_SECRET_KEY = "api/token"


class TokenUnavailable(Exception):
    """No keyring to keep the strategies' tokens in."""


class SecretBackend(Protocol):
    """The part of core.storage.secrets.SecretStore the tokens need."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> bool: ...


def secret_key_of(strategy: str) -> str:
    """Return the keyring key of a strategy's token ('api/strategy/<name>')."""
    return f"api/strategy/{strategy}"


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class StrategyTokens:
    """The strategies' tokens: create, reveal (masked or whole), revoke, and which strategy a token is.

    `load(names)` reads the tokens of the configured strategies from the keyring once; later lookups
    compare against the in-memory copy, in constant time, against every token.
    """

    def __init__(self, store: SecretBackend, environ: dict[str, str] | None = None) -> None:
        self._store = store
        self._environ = os.environ if environ is None else environ
        self._tokens: dict[StrategyId, str] = {}
        self._retired: dict[str, str] = {}

    def load(self, names: Iterable[str]) -> None:
        """Read the tokens of these strategies from the keyring; raise TokenUnavailable (saying why) without one."""
        tokens: dict[StrategyId, str] = {}
        try:
            for name in names:
                token = self._store.get(secret_key_of(name))
                if token:
                    tokens[StrategyId(name)] = token
            retired = self._store.get(RETIRED_SECRET_KEY)
        except Exception as exc:
            raise TokenUnavailable(f"Strategy tokens live in the keyring, which cannot be read: {exc}") from None
        self._tokens = tokens
        sources = {f"{RETIRED_ENV_VAR} in TradeTerm's environment": self._environ.get(RETIRED_ENV_VAR),
                   f"the keyring's {RETIRED_SECRET_KEY!r}": retired}
        self._retired = {source: old for source, old in sources.items() if old}

    def names(self) -> list[StrategyId]:
        """Return the strategies that have a token, by name."""
        return sorted(self._tokens)

    def create(self, strategy: str) -> str:
        """Make a new random token for strategy, store it in the keyring and return it (replaces an older one)."""
        check_strategy_name(strategy)
        token = secrets.token_urlsafe(32)
        try:
            self._store.set(secret_key_of(strategy), token)
        except Exception as exc:
            raise TokenUnavailable(f"The keyring did not store the token for {strategy}: {exc}") from None
        self._tokens[StrategyId(strategy)] = token
        return token

    def revoke(self, strategy: str) -> bool:
        """Delete strategy's token (its requests get 401 from now on); return False if it had none."""
        had = self._tokens.pop(StrategyId(strategy), None) is not None
        try:
            deleted = self._store.delete(secret_key_of(strategy))
        except Exception as exc:
            raise TokenUnavailable(f"The keyring did not delete the token of {strategy}: {exc}") from None
        return had or deleted

    def reveal(self, strategy: str) -> str | None:
        """Return strategy's whole token (for the clipboard), or None."""
        return self._tokens.get(StrategyId(strategy))

    def masked(self, strategy: str) -> str:
        """Return strategy's token as shown on screen: its last four characters only ('none' without one)."""
        token = self._tokens.get(StrategyId(strategy))
        return "none" if token is None else "•" * 8 + token[-4:]

    def strategy_for(self, presented: str) -> StrategyId | None:
        """Return the strategy whose token was presented, or None; compares against every token in constant time."""
        found: StrategyId | None = None
        given = _encode(presented)
        for strategy, token in self._tokens.items():
            if hmac.compare_digest(given, _encode(token)):
                found = strategy
        return found

    def is_retired(self, presented: str) -> bool:
        """Return True if presented is the retired shared token ('api/token' or TRADETERM_API_TOKEN, as loaded)."""
        given = _encode(presented)
        return any([hmac.compare_digest(given, _encode(old)) for old in self._retired.values()])

    def retired_sources(self) -> list[str]:
        """Return where the retired shared token was found (to tell the trader it no longer works)."""
        return list(self._retired)
