"""Risk limits: typed, validated with an error naming the field, scoped, and stored as plain JSON."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.domain import AccountId, StrategyId
from core.services.risk import DEFAULT_LIMITS, LIMIT_FIELDS, LimitError, RiskConfig, RiskLimits


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_order_qty", "-5", "greater than zero"),
        ("max_order_qty", "lots", "not a number"),
        ("collar_pct", "150", "at most 100"),
        ("collar_ticks", "2.5", "whole number"),
        ("max_orders_per_second", "0", "greater than zero"),
        ("currency", "dollars", "three-letter"),
        ("fx_rates", "INR:0.012", "CCY=rate"),
        ("fx_rates", "INR=-1", "greater than zero"),
        ("max_quote_age_s", "off", "not a number"),
        ("max_orders", "5", "unknown setting"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field(field: str, value: str, message: str) -> None:
    with pytest.raises(LimitError, match=message) as caught:
        RiskLimits.from_dict({field: value})
    assert caught.value.field.split(".")[0] == field


def test_the_halt_level_cannot_be_below_the_reducing_level() -> None:
    with pytest.raises(LimitError) as caught:
        RiskLimits.from_dict({"daily_loss_limit": "5000", "daily_loss_halt": "4000"})
    assert caught.value.field == "daily_loss_halt"


def test_text_from_a_form_is_parsed_into_types() -> None:
    limits = RiskLimits.from_dict({
        "max_order_qty": "1000", "collar_ticks": "5", "allowed_symbols": "aapl, msft", "fx_rates": "INR=0.012",
        "max_position": "off", "currency": "eur",
    })
    assert limits.max_order_qty == Decimal(1000) and limits.collar_ticks == 5
    assert limits.allowed_symbols == frozenset({"AAPL", "MSFT"}) and limits.max_position is None
    assert limits.currency == "EUR" and limits.fx_rate("INR") == Decimal("0.012") and limits.fx_rate("EUR") == 1
    assert limits.fx_rate("CNY") is None


def test_account_then_strategy_overrides_apply_over_the_global_default() -> None:
    config = RiskConfig(
        RiskLimits(max_order_qty=Decimal(1000), max_working_orders=50),
        accounts={"IB-1": {"max_order_qty": "200"}},
        strategies={"momo": {"max_order_qty": "10", "max_working_orders": None}},
    )
    assert config.limits_for(AccountId("PAPER-1")).max_order_qty == 1000
    assert config.limits_for(AccountId("IB-1")).max_order_qty == 200
    strategy = config.limits_for(AccountId("IB-1"), StrategyId("momo"))
    assert strategy.max_order_qty == 10 and strategy.max_working_orders is None
    assert config.limits_for(AccountId("IB-1")).max_working_orders == 50


def test_a_bad_override_names_its_scope() -> None:
    with pytest.raises(LimitError) as caught:
        RiskConfig.from_dict({"accounts": {"IB-1": {"collar_pct": "abc"}}})
    assert caught.value.scope == "account IB-1" and caught.value.field == "collar_pct"
    with pytest.raises(LimitError) as combined:
        RiskConfig.from_dict({"global": {"daily_loss_limit": "100"}, "strategies": {"s": {"daily_loss_halt": "50"}}})
    assert combined.value.scope.startswith("strategy s")


def test_the_configuration_survives_a_json_round_trip() -> None:
    config = RiskConfig(
        DEFAULT_LIMITS.merged({"blocked_symbols": frozenset({"GME"}), "max_gross_exposure": Decimal("100000")}),
        accounts={"PAPER-1": {"max_order_qty": "500", "collar_pct": None}},
        strategies={"knight": {"strategy_max_fills": "3"}},
    )
    stored = json.loads(json.dumps(config.to_dict()))
    again = RiskConfig.from_dict(stored)
    assert again == config
    assert set(stored["global"]) == set(LIMIT_FIELDS)
    assert stored["accounts"]["PAPER-1"] == {"max_order_qty": "500", "collar_pct": None}


def test_no_section_means_the_protective_defaults() -> None:
    config = RiskConfig.from_dict(None)
    assert config.global_limits == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_order_qty is not None and DEFAULT_LIMITS.collar_pct is not None
    partial = RiskConfig.from_dict({"global": {"max_order_qty": "5"}})
    assert partial.global_limits.collar_pct == DEFAULT_LIMITS.collar_pct


def test_json_numbers_are_read_as_the_text_written() -> None:
    limits = RiskLimits.from_dict(json.loads('{"collar_pct": 0.1, "max_order_qty": 100}'))
    assert limits.collar_pct == Decimal("0.1") and limits.max_order_qty == Decimal(100)
