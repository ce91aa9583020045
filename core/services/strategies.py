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
    def from_json(cls, strategy_id: str, raw: object) -> StrategyConfig:
        """Build one `strategies` entry of the settings; a bad field is a ValueError naming it.

        The message starts with the field's path, `strategies.<id>.<field>`, and says what it takes.
        """
        where = f"strategies.{strategy_id}"
        try:
            check_strategy_name(strategy_id)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where}: expected an object of rules such as {{\"activated_at\": \"{_EXAMPLE_TIME}\"}}, "
                             f"got {raw!r}")
        unknown = sorted(set(raw) - set(_FIELDS))
        if unknown:
            raise ValueError(f"{where}.{unknown[0]}: unknown rule; known: {', '.join(_FIELDS)}")
        if "activated_at" not in raw:
            raise ValueError(f"{where}.activated_at: missing; give the time from which its signals are live, "
                             f"such as \"{_EXAMPLE_TIME}\"")
        return cls(
            strategy_id=StrategyId(strategy_id),
            activated_at=_zoned_time(f"{where}.activated_at", raw["activated_at"]),
            enabled=_flag(f"{where}.enabled", raw.get("enabled", True)),
            max_signal_age_s=_seconds(f"{where}.max_signal_age_s",
                                      raw.get("max_signal_age_s", DEFAULT_MAX_SIGNAL_AGE_S)),
            expiry_s=_seconds(f"{where}.expiry_s", raw.get("expiry_s", DEFAULT_EXPIRY_S)),
            auto_approve=_flag(f"{where}.auto_approve", raw.get("auto_approve", False)),
            rate_per_minute=_rate(f"{where}.rate_per_minute", raw.get("rate_per_minute", DEFAULT_RATE_PER_MINUTE)),
        )


_FIELDS = ("activated_at", "enabled", "max_signal_age_s", "expiry_s", "auto_approve", "rate_per_minute")
_EXAMPLE_TIME = "2026-01-05T09:30:00+00:00"
MAX_SECONDS = Decimal(7 * 24 * 3600)
"""A signal age or approval expiry longer than a week is not one a trader means."""
MAX_RATE_PER_MINUTE = 1_000_000


def _zoned_time(where: str, raw: object) -> datetime:
    if not isinstance(raw, str):
        raise ValueError(f"{where}: expected an ISO 8601 time with its time zone such as \"{_EXAMPLE_TIME}\", "
                         f"got {raw!r}")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{where}: expected an ISO 8601 time with its time zone such as \"{_EXAMPLE_TIME}\", "
                         f"got {raw!r}") from None
    if value.utcoffset() is None:
        raise ValueError(f"{where}: {raw!r} has no time zone; add one, such as \"{_EXAMPLE_TIME}\" (UTC)")
    return value


def _flag(where: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"{where}: expected true or false, got {raw!r}")
    return raw


def _seconds(where: str, raw: object) -> Decimal:
    taken = f"a number of seconds greater than 0, at most {MAX_SECONDS}"
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise ValueError(f"{where}: expected {taken}, got {raw!r}")
    text = str(raw).strip()
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ValueError(f"{where}: expected {taken}, got {raw!r}")
    value = Decimal(text)
    if not 0 < value <= MAX_SECONDS:
        raise ValueError(f"{where}: expected {taken}, got {raw!r}")
    return value


def _rate(where: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_RATE_PER_MINUTE:
        raise ValueError(f"{where}: expected a whole number of orders per minute from 1 to {MAX_RATE_PER_MINUTE}, "
                         f"got {raw!r}")
    return raw


_PLAIN_NUMBER = re.compile(r"[0-9]{1,9}(\.[0-9]{1,9})?")
"""ASCII digits with one optional decimal point: what a number of seconds looks like in a settings file."""


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
        """Build from the settings' `strategies` object; a bad entry is a ValueError naming strategies.<id>.<field>."""
        registry = cls(started_at)
        if raw is not None and not isinstance(raw, Mapping):
            raise ValueError(f"strategies: expected an object of strategy id: {{rules}}, got {raw!r}")
        for strategy_id, entry in (raw or {}).items():
            registry.put(StrategyConfig.from_json(strategy_id, entry))
        return registry
