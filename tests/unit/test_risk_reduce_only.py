"""Close and Flatten orders are reduce-only; on a held account they pass only after a confirm; the preview agrees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import Order, OrderOrigin, OrderPendingCancel, OrderType, Side, TradingState
from core.services.order_preview import reference_price, what_if
from core.services.risk import HoldCause, RiskLimits
from tests.unit.risk_harness import ACCOUNT, Harness

CLOSE, FLATTEN = OrderOrigin.CLOSE, OrderOrigin.FLATTEN
TYPES = [OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT]


def closing(h: Harness, qty: str, side: Side = Side.SELL, order_type: OrderType = OrderType.LIMIT,
            origin: OrderOrigin = CLOSE, price: str = "100.00") -> Order:
    return h.order(side, qty=qty, price=price if order_type.needs_limit else None, order_type=order_type,
                   stop=price if order_type.needs_stop else None, origin=origin)


@pytest.mark.parametrize("origin", [CLOSE, FLATTEN])
@pytest.mark.parametrize("order_type", TYPES)
def test_a_close_may_reach_zero_and_not_one_unit_past_it(order_type: OrderType, origin: OrderOrigin) -> None:
    h = Harness()
    h.quote()
    h.fill(Side.BUY, "100", "100.00")
    assert h.check(closing(h, "100", order_type=order_type, origin=origin)) is None
    reason = h.check(closing(h, "101", order_type=order_type, origin=origin))
    assert reason == ("Quantity 101 is more than your long 100 AAPL on PAPER-1: a close order may not take a "
                      "position through zero; reduce the quantity to 100.")


def test_a_close_of_a_short_buys_and_may_not_add_to_it() -> None:
    h = Harness()
    h.fill(Side.SELL, "50", "100.00")
    assert h.check(closing(h, "50", Side.BUY)) is None
    assert "would add to your short 50 AAPL on PAPER-1" in (h.check(closing(h, "1", Side.SELL)) or "")


def test_a_close_without_a_position_is_refused() -> None:
    h = Harness()
    assert "no AAPL position on PAPER-1 to close" in (h.check(closing(h, "1")) or "")


def test_two_closes_of_a_long_100_cannot_both_pass() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    h.work(closing(h, "100"))
    assert h.check(closing(h, "100", price="100.01")) == (
        "Your long 100 AAPL on PAPER-1 is already being closed by working orders; nothing left to close.")


def test_a_second_close_may_take_what_the_first_leaves_and_not_one_unit_more() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    h.work(closing(h, "60"))
    assert h.check(closing(h, "40", price="100.01")) is None
    assert h.check(closing(h, "41", price="100.02")) == (
        "Only 40 of your long 100 AAPL on PAPER-1 is left to close (60 is being closed by working orders): "
        "reduce the quantity to 40.")


def test_flatten_leaves_out_the_closes_whose_cancel_it_asked_for_and_a_close_does_not() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    order = h.work(closing(h, "100"))
    order.apply(OrderPendingCancel(order.client_order_id))  # the broker has not confirmed the cancel yet
    assert "already being closed" in (h.check(closing(h, "100", price="100.01")) or "")
    assert h.check(closing(h, "100", price="100.02", origin=FLATTEN)) is None


def test_a_close_checked_again_is_not_counted_against_itself() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    order = h.work(closing(h, "100"))
    assert h.check(order) is None  # as when a modify of the close is checked


def test_a_manual_sell_is_not_reduce_only() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    assert h.check(h.order(Side.SELL, qty="200")) is None


@pytest.mark.parametrize("cause", [HoldCause.KILL_SWITCH, HoldCause.MISMATCH, HoldCause.DAILY_LOSS])
def test_on_a_held_account_a_close_asks_for_a_confirm_and_then_passes(cause: HoldCause) -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    state = TradingState.REDUCING if cause is HoldCause.DAILY_LOSS else TradingState.HALTED
    h.engine.hold(None if cause is HoldCause.KILL_SWITCH else ACCOUNT, cause, state, "Held for the test.")
    refusal = h.engine.evaluate(closing(h, "100"))
    assert refusal is not None and refusal.confirm and refusal.field == "account_id"
    assert refusal.reason == (f"PAPER-1 is {state.value}: Held for the test. This sell of 100 only reduces your "
                              "long 100 AAPL on PAPER-1. Send it anyway?")
    assert h.engine.evaluate(closing(h, "100"), confirmed=True) is None
    confirmed_past_zero = h.engine.evaluate(closing(h, "101"), confirmed=True)
    assert confirmed_past_zero is not None and "through zero" in confirmed_past_zero.reason
    manual = h.engine.evaluate(h.order(Side.BUY, qty="1"), confirmed=True)
    assert manual is not None and not manual.confirm


def test_a_close_on_an_account_whose_connection_is_down_is_refused_even_confirmed() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    h.engine.hold(ACCOUNT, HoldCause.CONNECTION, TradingState.HALTED, "Not connected.")
    refusal = h.engine.evaluate(closing(h, "100"), confirmed=True)
    assert refusal is not None and not refusal.confirm and "halted: Not connected." in refusal.reason


def test_after_a_mismatch_a_close_is_measured_against_the_position_it_is_told() -> None:
    h = Harness()  # our books: flat; the broker's: long 100
    h.engine.hold(ACCOUNT, HoldCause.MISMATCH, TradingState.HALTED, "Positions differ.")
    assert h.engine.evaluate(closing(h, "100"), confirmed=True, closed_position=Decimal(100)) is None
    refusal = h.engine.evaluate(closing(h, "101"), confirmed=True, closed_position=Decimal(100))
    assert refusal is not None and "through zero" in refusal.reason


@pytest.mark.parametrize("order_type", [OrderType.STOP, OrderType.STOP_LIMIT])
def test_the_preview_says_what_the_check_says_for_a_stop_order(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_order_notional=Decimal(1_000_000)))
    h.quote(bid="189.99", ask="190.00", last="190.00")
    order = closing(h, "9000", Side.BUY, order_type, OrderOrigin.MANUAL, price="1.00")
    preview = what_if(h.engine, order)
    assert preview == h.engine.evaluate(order)
    assert preview is not None and "1,710,000.00 USD" in preview.reason
    assert reference_price(order, lambda symbol: h.quotes.latest(symbol)) == Decimal("190.00")


@pytest.mark.parametrize("origin", [CLOSE, FLATTEN])
def test_a_close_passes_when_prices_have_carried_the_account_over_its_gross_exposure_limit(
        origin: OrderOrigin) -> None:
    h = Harness(RiskLimits(max_gross_exposure=Decimal(50_000)))
    h.quote(bid="99.99", ask="100.00", last="100.00")
    h.fill(Side.BUY, "500", "100.00")  # 50,000: at the limit
    h.quote(bid="109.99", ask="110.00", last="110.00")  # now 55,000: over it, with no order of the trader's
    assert "Gross exposure would reach" in (h.check(h.order(Side.BUY, qty="1", price="110.00")) or "")
    assert h.check(closing(h, "500", origin=origin, price="109.99")) is None, "closing only lowers the exposure"
    assert h.check(closing(h, "200", origin=origin, price="109.99")) is None


def test_a_close_that_would_raise_the_gross_exposure_is_still_checked_against_it() -> None:
    h = Harness(RiskLimits(max_gross_exposure=Decimal(50_000)))
    h.quote(bid="99.99", ask="100.00", last="100.00")
    h.fill(Side.BUY, "300", "100.00")
    h.work(h.order(Side.SELL, qty="500", price="101.00"))  # a sell that would take it short 200
    # the close adds its 300 to the 500 already selling: short 500 at worst, 50,500 at 101.00
    assert "Gross exposure would reach" in (h.check(closing(h, "300", price="101.00")) or "")
