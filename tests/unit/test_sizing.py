"""Size by risk, against hand-computed examples: lot rounding, ticks, ATR stops, and a risk limit that caps the size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.domain import Side
from core.domain.bars import Bar
from core.services.risk import RiskConfig, RiskLimits
from core.services.sizing import (
    Sized,
    SizingError,
    atr,
    risk_budget,
    size_by_risk,
    stop_from_atr,
    stop_from_ticks,
)
from tests.factories import make_instrument
from tests.unit.risk_harness import AAPL, ES, Harness

D = Decimal
NIFTY = make_instrument("NIFTY", currency="INR", tick_size="0.05", lot_size="25")


def bar(n: int, high: str, low: str, close: str) -> Bar:
    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC) + timedelta(minutes=n)
    return Bar("AAPL", "paper", timedelta(minutes=1), start, D(close), D(high), D(low), D(close), D(0))


def test_one_percent_of_100k_with_a_1_50_stop_buys_666_shares() -> None:
    budget = risk_budget(None, D(1), D(100_000), "USD")  # 1,000
    sized = size_by_risk(AAPL, Side.BUY, D("100.00"), D("98.50"), budget)
    assert sized == Sized(D(666), D("999.00"), D("98.50"), D("1.50"))  # 1,000 / 1.50 = 666.67, down to 666


def test_a_sell_is_rounded_down_to_whole_lots() -> None:
    stop = stop_from_ticks(NIFTY, Side.SELL, D("200.00"), 10)  # 10 ticks of 0.05 above the entry
    assert stop == D("200.50")
    sized = size_by_risk(NIFTY, Side.SELL, D("200.00"), stop, D(990))  # 990 / 0.50 = 1,980 -> 79 lots of 25
    assert (sized.quantity, sized.at_risk) == (D(1975), D("987.50"))


def test_the_multiplier_counts_in_the_loss_per_contract() -> None:
    budget = risk_budget(None, D(2), D(60_000), "USD")  # 1,200
    sized = size_by_risk(ES, Side.BUY, D("5000.00"), D("4990.00"), budget)  # 10 points x 50 = 500 a contract
    assert (sized.quantity, sized.at_risk, sized.per_unit) == (D(2), D(1000), D(500))


def test_a_risk_limit_caps_the_size_and_says_which() -> None:
    h = Harness(RiskLimits(max_order_qty=D(500)))
    h.quote()

    def allowed(qty: Decimal) -> str | None:
        return h.check(h.order(Side.BUY, qty=str(qty), price="100.00"))

    sized = size_by_risk(AAPL, Side.BUY, D("100.00"), D("98.50"), D(1000), allowed=allowed)
    assert (sized.quantity, sized.at_risk) == (D(500), D("750.00"))
    assert sized.capped_by is not None and "above the 500 limit per order" in sized.capped_by


def test_a_strategys_own_position_limit_caps_the_size() -> None:
    h = Harness(RiskConfig(RiskLimits(), strategies={"alpha": {"max_position": "300"}}))
    h.fill(Side.BUY, "100", "100.00", order=h.work(h.order(Side.BUY, qty="100", strategy="alpha")))

    def allowed(qty: Decimal) -> str | None:
        return h.engine.preview(h.order(Side.BUY, qty=str(qty), strategy="alpha")) and "refused"

    assert size_by_risk(AAPL, Side.BUY, D("100.00"), D("98.50"), D(1000), allowed=allowed).quantity == D(200)


def test_atr_is_the_mean_true_range_and_the_stop_sits_k_atr_away() -> None:
    bars = [bar(0, "100", "100", "100"), bar(1, "102", "99", "101"), bar(2, "101.5", "100.5", "101")]
    assert atr(bars, 2) == D(2)  # true ranges 3 (102 - 99) and 1 (101.5 - 100.5)
    assert stop_from_atr(AAPL, Side.BUY, D("101.00"), bars, D("1.5"), 2) == D("98.00")


def test_a_volatility_stop_with_too_little_history_is_refused() -> None:
    bars = [bar(n, "101", "99", "100") for n in range(14)]
    with pytest.raises(SizingError, match=r"Too little history for a volatility stop: ATR\(14\) needs 15 bars"):
        stop_from_atr(AAPL, Side.BUY, D(100), bars, D(2), 14)


@pytest.mark.parametrize(("args", "field", "words"), [
    ((AAPL, Side.BUY, D(100), D(101), D(1000)), "stop", "must be below the entry"),
    ((AAPL, Side.SELL, D(100), D(99), D(1000)), "stop", "must be above the entry"),
    ((NIFTY, Side.BUY, D(200), D(100), D(1000)), "risk", "One lot (25) would lose 2500.00"),
])
def test_impossible_sizes_say_what_to_change(args: tuple[object, ...], field: str, words: str) -> None:
    with pytest.raises(SizingError) as refused:
        size_by_risk(*args)  # type: ignore[arg-type]
    assert refused.value.field == field and words in refused.value.message


def test_a_percent_risk_needs_the_equity() -> None:
    with pytest.raises(SizingError, match="equity in USD is not known yet"):
        risk_budget(None, D(1), None, "USD")
