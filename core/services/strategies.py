"""StrategyRegistry: what TradeTerm allows each automated strategy (activation, signal age, expiry, auto-approve)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from core.domain import StrategyId

DEFAULT_EXPIRY_S = Decimal(60)
DEFAULT_MAX_SIGNAL_AGE_S = Decimal(30)
DEFAULT_RATE_PER_MINUTE = 120
FUTURE_TOLERANCE = timedelta(seconds=5)
"""A signal stamped this far ahead of our clock is still accepted (clocks drift); beyond, it is refused."""
STRATEGY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
"""A strategy's name: letters, digits, _ . : - (at most 64), starting with a letter or digit."""


def check_strategy_name(name: str) -> None:
    """Raise ValueError, saying what a name may hold, unless name is a valid strategy name."""
    if not isinstance(name, str) or STRATEGY_NAME.fullmatch(name) is None:
        raise ValueError(f"{str(name)[:64]!r} is not a strategy name: use letters, digits, _ . : - "
                         "(at most 64), starting with a letter or digit.")


@dataclass(frozen=True, slots=True)
class StrategyConfig:
    """One strategy's rules. `activated_at`: signals stamped earlier are history, never live orders."""

    strategy_id: StrategyId
    activated_at: datetime
    enabled: bool = True
    max_signal_age_s: Decimal = DEFAULT_MAX_SIGNAL_AGE_S
    expiry_s: Decimal = DEFAULT_EXPIRY_S
    auto_approve: bool = False
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE

    def __post_init__(self) -> None:
        if self.activated_at.tzinfo is None:
            raise ValueError(f"strategy {self.strategy_id}: activated_at needs a time zone")
        for name in ("max_signal_age_s", "expiry_s"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise ValueError(f"strategy {self.strategy_id}: {name} must be a positive number of seconds")
        if self.rate_per_minute <= 0:
            raise ValueError(f"strategy {self.strategy_id}: rate_per_minute must be at least 1")

    def stale_reason(self, signal_time: datetime, now: datetime) -> str | None:
        """Return why a signal stamped signal_time must not become a live order now, or None."""
        if signal_time < self.activated_at:
            return (f"Signal time {signal_time.isoformat()} is before strategy {self.strategy_id} was activated "
                    f"({self.activated_at.isoformat()}): history is never replayed as live orders.")
        if signal_time > now + FUTURE_TOLERANCE:
            return (f"Signal time {signal_time.isoformat()} is in the future (now {now.isoformat()}): "
                    "check the strategy host's clock and time zone.")
        age = Decimal(str((now - signal_time).total_seconds()))
        if age > self.max_signal_age_s:
            return (f"Signal is {age.quantize(Decimal('0.1'))} s old; strategy {self.strategy_id} allows "
                    f"{self.max_signal_age_s.normalize():f} s: stale signals are refused.")
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "activated_at": self.activated_at.isoformat(), "enabled": self.enabled,
            "max_signal_age_s": str(self.max_signal_age_s), "expiry_s": str(self.expiry_s),
            "auto_approve": self.auto_approve, "rate_per_minute": self.rate_per_minute,
        }

    @classmethod
    def from_json(cls, strategy_id: str, raw: Mapping[str, Any]) -> StrategyConfig:
        """Build from settings; raise ValueError naming the strategy and the bad field."""
        try:
            return cls(
                strategy_id=StrategyId(strategy_id),
                activated_at=datetime.fromisoformat(str(raw["activated_at"])),
                enabled=bool(raw.get("enabled", True)),
                max_signal_age_s=Decimal(str(raw.get("max_signal_age_s", DEFAULT_MAX_SIGNAL_AGE_S))),
                expiry_s=Decimal(str(raw.get("expiry_s", DEFAULT_EXPIRY_S))),
                auto_approve=raw.get("auto_approve", False) is True,
                rate_per_minute=int(raw.get("rate_per_minute", DEFAULT_RATE_PER_MINUTE)),
            )
        except (KeyError, ArithmeticError, TypeError) as exc:
            raise ValueError(f"strategy {strategy_id}: {exc!r} in its settings") from None


@dataclass(slots=True)
class StrategyRegistry:
    """Known strategies; an unknown one gets the defaults, activated when TradeTerm started (`started_at`)."""

    started_at: datetime
    _configs: dict[StrategyId, StrategyConfig] = field(default_factory=dict)

    def get(self, strategy_id: StrategyId) -> StrategyConfig:
        """Return the strategy's rules (the defaults for one never configured)."""
        config = self._configs.get(strategy_id)
        return config if config is not None else StrategyConfig(strategy_id, activated_at=self.started_at)

    def put(self, config: StrategyConfig) -> None:
        self._configs[config.strategy_id] = config

    def is_configured(self, strategy_id: StrategyId) -> bool:
        """Return True if the strategy has its own entry (in the settings file), not only the defaults."""
        return strategy_id in self._configs

    def activate(self, strategy_id: StrategyId, now: datetime) -> StrategyConfig:
        """Enable the strategy from now on: earlier signals become history."""
        config = replace(self.get(strategy_id), activated_at=now, enabled=True)
        self.put(config)
        return config

    def set_enabled(self, strategy_id: StrategyId, enabled: bool) -> None:
        self.put(replace(self.get(strategy_id), enabled=enabled))

    def set_auto_approve(self, strategy_id: StrategyId, on: bool) -> None:
        """Switch auto-approval within the risk limits (off by default) for one strategy."""
        self.put(replace(self.get(strategy_id), auto_approve=on))

    def configured(self) -> list[StrategyConfig]:
        return list(self._configs.values())

    def auto_approving(self) -> list[StrategyId]:
        """Return the strategies whose orders are approved without a person (to mark them visibly)."""
        return [c.strategy_id for c in self._configs.values() if c.auto_approve]

    def to_json(self) -> dict[str, Any]:
        return {str(c.strategy_id): c.to_json() for c in self._configs.values()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None, started_at: datetime) -> StrategyRegistry:
        registry = cls(started_at)
        for strategy_id, entry in (raw or {}).items():
            if not isinstance(entry, Mapping):
                raise ValueError(f"strategy {strategy_id}: settings must be an object")
            registry.put(StrategyConfig.from_json(strategy_id, entry))
        return registry
