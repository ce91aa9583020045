"""StrategyAccess: the trader's controls over strategies — their API tokens and auto-approve — saved and audited.

Every change is written to the settings file's `strategies` section first (a change that cannot be
saved is not made) and then recorded in the journal's audit trail with who made it; a token itself is
kept in the keyring only and never reaches the settings file, the audit trail or a log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from core.domain import StrategyId
from core.services.strategies import StrategyConfig, StrategyRegistry, check_strategy_name
from core.services.strategy_api.token import StrategyTokens

SaveStrategies = Callable[[dict[str, Any]], None]
"""Write the settings file's `strategies` section (raise, saying why, to refuse)."""
Audit = Callable[[str, str, str], None]
"""journal.record_audit(actor, action, detail)."""

AUTO_APPROVE_MEANS = ("its orders go to the broker without a person approving them: only the risk limits "
                      "stand between the strategy and the market")


@dataclass(frozen=True, slots=True)
class StrategyAccessRow:
    """One strategy as the Strategy API panel shows it."""

    strategy_id: StrategyId
    masked_token: str
    has_token: bool
    auto_approve: bool


class StrategyAccess:
    """Create, copy and revoke strategies' tokens; switch their auto-approve. Each change is saved and audited."""

    def __init__(self, registry: StrategyRegistry, tokens: StrategyTokens, save: SaveStrategies, audit: Audit,
                 now: Callable[[], datetime]) -> None:
        self.registry = registry
        self.tokens = tokens
        self._save = save
        self._audit = audit
        self._now = now

    def rows(self) -> list[StrategyAccessRow]:
        """Return every configured strategy and every strategy with a token, by name."""
        names = sorted({*(c.strategy_id for c in self.registry.configured()), *self.tokens.names()})
        return [StrategyAccessRow(name, self.tokens.masked(name), self.tokens.reveal(name) is not None,
                                  self.registry.get(name).auto_approve) for name in names]

    def reveal(self, strategy: str) -> str | None:
        """Return the strategy's whole token (for the clipboard), or None."""
        return self.tokens.reveal(strategy)

    def create_token(self, strategy: str, actor: str) -> str:
        """Give strategy a new token (an older one stops working) and return it.

        A strategy without an entry in the settings gets one, activated now, auto-approve off. Raise
        ValueError for a bad name, TokenUnavailable without a keyring, the settings' error if unsaved.
        """
        check_strategy_name(strategy)
        strategy_id = StrategyId(strategy)
        created = not self.registry.is_configured(strategy_id)
        if created:
            self._put(StrategyConfig(strategy_id, activated_at=self._now()))
        replaced = self.tokens.reveal(strategy) is not None
        token = self.tokens.create(strategy)
        detail = f"strategy {strategy}: new API token" + (" (the previous token no longer works)" if replaced else "")
        if created:
            detail += "; new strategy entry, activated now, auto-approve off"
        self._audit(actor, "api_token_created", detail)
        return token

    def revoke_token(self, strategy: str, actor: str) -> bool:
        """Revoke strategy's token: its requests get 401 from now on. Return False if it had none."""
        revoked = self.tokens.revoke(strategy)
        if revoked:
            self._audit(actor, "api_token_revoked", f"strategy {strategy}: API token revoked")
        return revoked

    def set_auto_approve(self, strategy: str, on: bool, actor: str) -> None:
        """Switch strategy's auto-approve (saved, then audited); refuse a strategy that has no entry."""
        strategy_id = StrategyId(strategy)
        if not self.registry.is_configured(strategy_id):
            raise ValueError(f"Strategy {strategy} is not set up: create its token first.")
        config = self.registry.get(strategy_id)
        if config.auto_approve == on:
            return
        self._put(replace(config, auto_approve=on))
        if on:
            self._audit(actor, "auto_approve_on", f"strategy {strategy}: auto-approve ON — {AUTO_APPROVE_MEANS}")
        else:
            self._audit(actor, "auto_approve_off", f"strategy {strategy}: auto-approve off — its orders wait for "
                                                   "a person's approval again")

    def _put(self, config: StrategyConfig) -> None:
        """Save the strategies with config, then make it the rule in force (unsaved: unchanged)."""
        document = self.registry.to_json()
        document[str(config.strategy_id)] = config.to_json()
        self._save(document)
        self.registry.put(config)
