"""A strategy's rules in settings.json: what TradeTerm writes, it reads back; the rest is refused by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from core.domain import StrategyId
from core.services.strategies import StrategyConfig, StrategyRegistry

STARTED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def test_every_rule_written_to_the_settings_is_read_back_as_it_was() -> None:
    config = StrategyConfig(
        StrategyId("mean-rev"), datetime(2026, 1, 5, 15, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        enabled=False, max_signal_age_s=Decimal("2.5"), expiry_s=Decimal(600), auto_approve=True, rate_per_minute=7,
    )
    registry = StrategyRegistry.from_json({"mean-rev": config.to_json()}, STARTED)
    assert registry.get(StrategyId("mean-rev")) == config


def test_an_entry_without_optional_rules_gets_the_defaults() -> None:
    config = StrategyRegistry.from_json({"s": {"activated_at": "2026-01-05T09:30:00Z"}}, STARTED).get(StrategyId("s"))
    assert config == StrategyConfig(StrategyId("s"), STARTED)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({}, "strategies.s.activated_at: missing"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "expiry": 5}, "strategies.s.expiry: unknown rule"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "max_signal_age_s": "1e3"}, "strategies.s.max_signal_age_s"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "max_signal_age_s": "NaN"}, "strategies.s.max_signal_age_s"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "expiry_s": 0}, "strategies.s.expiry_s"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "expiry_s": 10**12}, "strategies.s.expiry_s"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "auto_approve": "yes"}, "strategies.s.auto_approve"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "rate_per_minute": True}, "strategies.s.rate_per_minute"),
        ({"activated_at": "2026-01-05T09:30:00+00:00", "rate_per_minute": 0}, "strategies.s.rate_per_minute"),
    ],
    ids=["no-activated_at", "unknown-rule", "exponent", "nan", "zero-expiry", "huge-expiry", "text-auto_approve",
         "bool-rate", "zero-rate"],
)
def test_a_bad_rule_is_refused_naming_its_path(entry: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match="^" + says.replace(".", r"\.")):
        StrategyRegistry.from_json({"s": entry}, STARTED)


def test_an_entry_under_a_name_no_token_could_carry_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^strategies\.mean rev: 'mean rev' is not a strategy name"):
        StrategyRegistry.from_json({"mean rev": {"activated_at": "2026-01-05T09:30:00+00:00"}}, STARTED)
