"""Every limit, one tick or one unit either side, for every order type (MKT, LMT, STP, STP LMT).

Each order is priced so that what it is valued at is known: a market order meets the touch, a limit order
its limit, a stop (and stop-limit) order the worse of its own prices and the touch.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import Order, OrderOrigin, OrderType, Side, TradingState
from core.services.risk import RiskLimits
from tests.unit.risk_harness import Harness

MKT, LMT, STP, STP_LMT = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
TYPES = [MKT, LMT, STP, STP_LMT]
TICK = Decimal("0.01")


def touch(h: Harness, side: Side, price: str) -> None:
    """Quote the market so that an order on side meets price: the ask to buy, the bid to sell."""
    p = Decimal(price)
    bid, ask = (p - TICK, p) if side is Side.BUY else (p, p + TICK)
    h.quote(bid=str(bid), ask=str(ask), last=price)


def make(h: Harness, order_type: OrderType, side: Side, qty: str, price: str,
         origin: OrderOrigin = OrderOrigin.MANUAL) -> Order:
    """Return an order of order_type whose own prices (limit, stop) are price; a market order has none."""
    limit = price if order_type.needs_limit else None
    stop = price if order_type.needs_stop else None
    return h.order(side, qty=qty, price=limit, order_type=order_type, stop=stop, origin=origin)


def at(h: Harness, order_type: OrderType, side: Side, qty: str, price: str) -> Order:
    touch(h, side, price)
    return make(h, order_type, side, qty, price)


@pytest.mark.parametrize("order_type", TYPES)
def test_max_order_quantity(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_order_qty=Decimal(100)))
    assert h.check(at(h, order_type, Side.BUY, "100", "100.00")) is None
    assert "Quantity 101 is above the 100 limit" in (h.check(at(h, order_type, Side.BUY, "101", "100.00")) or "")


@pytest.mark.parametrize("side", list(Side))
@pytest.mark.parametrize("order_type", TYPES)
def test_max_order_notional(order_type: OrderType, side: Side) -> None:
    h = Harness(RiskLimits(max_order_notional=Decimal(10_000)))
    assert h.check(at(h, order_type, side, "100", "100.00")) is None
    assert "Order value 10,001.00 USD" in (h.check(at(h, order_type, side, "100", "100.01")) or "")
    assert "Order value 10,100.00 USD" in (h.check(at(h, order_type, side, "101", "100.00")) or "")


@pytest.mark.parametrize("order_type", [STP, STP_LMT])
def test_a_buy_stop_far_below_the_market_is_valued_at_the_market(order_type: OrderType) -> None:
    """The outside tester's probe: BUY STP 1.00 x 9,000 AAPL with AAPL at 190 is $1.7M, not $9,000."""
    h = Harness(RiskLimits(max_order_notional=Decimal(1_000_000)))
    h.quote(bid="189.99", ask="190.00", last="190.00")
    reason = h.check(make(h, order_type, Side.BUY, "9000", "1.00"))
    assert reason is not None and "Order value 1,710,000.00 USD is above the 1,000,000.00 USD limit" in reason
    assert h.check(make(h, order_type, Side.BUY, "5263", "1.00")) is None  # 999,970
    assert h.check(make(h, order_type, Side.BUY, "5264", "1.00")) is not None  # 1,000,160
    touch(h, Side.BUY, "190.01")  # the market one tick higher: 5263 x 190.01 = 1,000,022.63
    assert "1,000,022.63 USD" in (h.check(make(h, order_type, Side.BUY, "5263", "1.00")) or "")


@pytest.mark.parametrize("order_type", [STP, STP_LMT])
def test_a_sell_stop_is_valued_at_the_dearer_of_its_stop_and_the_bid(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_order_notional=Decimal(10_000)))
    h.quote(bid="50.00", ask="50.01", last="50.00")
    assert h.check(make(h, order_type, Side.SELL, "100", "100.00")) is None  # at its stop: 10,000
    assert h.check(make(h, order_type, Side.SELL, "100", "100.01")) is not None
    h.quote(bid="100.01", ask="100.02", last="100.01")  # a sell stop below the bid triggers at once
    assert "10,001.00 USD" in (h.check(make(h, order_type, Side.SELL, "100", "1.00")) or "")


@pytest.mark.parametrize("order_type", [MKT, STP, STP_LMT])
def test_orders_that_may_fill_at_the_market_need_a_fresh_quote(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_quote_age_s=Decimal(5)))
    assert "No quote for AAPL" in (h.check(make(h, order_type, Side.BUY, "1", "100.00")) or "")
    h.quote(age=4.999)
    assert h.check(make(h, order_type, Side.BUY, "2", "100.00")) is None
    h.quote(age=5.001)
    assert "s old" in (h.check(make(h, order_type, Side.BUY, "3", "100.00")) or "")


def test_a_limit_order_needs_no_quote_without_a_collar() -> None:
    h = Harness(RiskLimits(max_quote_age_s=Decimal(5)))
    assert h.check(make(h, LMT, Side.BUY, "1", "100.00")) is None
    h.quote(age=5.001)
    assert h.check(make(h, LMT, Side.BUY, "2", "100.00")) is None


COLLARED = [(LMT, "limit_price"), (STP, "stop_price"), (STP_LMT, "stop_price"), (STP_LMT, "limit_price")]


def collared(h: Harness, order_type: OrderType, field: str, side: Side, price: str, other: str) -> Order:
    """An order whose `field` price is price (the other price of a stop-limit order is other)."""
    limit = (price if field == "limit_price" else other) if order_type.needs_limit else None
    stop = (price if field == "stop_price" else other) if order_type.needs_stop else None
    return h.order(side, qty="1", price=limit, order_type=order_type, stop=stop)


@pytest.mark.parametrize(("side", "inside", "outside", "touching"),
                         [(Side.BUY, "100.05", "100.06", "100.00"), (Side.SELL, "99.94", "99.93", "99.99")])
@pytest.mark.parametrize(("order_type", "field"), COLLARED)
def test_price_collar_in_ticks(order_type: OrderType, field: str, side: Side, inside: str, outside: str,
                               touching: str) -> None:
    h = Harness(RiskLimits(collar_ticks=5))
    h.quote(bid="99.99", ask="100.00")
    assert h.engine.evaluate(collared(h, order_type, field, side, inside, touching)) is None
    refusal = h.engine.evaluate(collared(h, order_type, field, side, outside, touching))
    assert refusal is not None and refusal.field == field
    assert f"{outside} is outside the price collar 99.94–100.05 around bid 99.99 / ask 100.00" in refusal.reason


@pytest.mark.parametrize(("side", "inside", "outside"), [(Side.BUY, "101.00", "101.01"), (Side.SELL, "99.00", "98.99")])
@pytest.mark.parametrize(("order_type", "field"), COLLARED)
def test_price_collar_in_percent(order_type: OrderType, field: str, side: Side, inside: str, outside: str) -> None:
    h = Harness(RiskLimits(collar_pct=Decimal(1)))
    h.quote(bid="100.00", ask="100.00")
    assert h.engine.evaluate(collared(h, order_type, field, side, inside, "100.00")) is None
    refusal = h.engine.evaluate(collared(h, order_type, field, side, outside, "100.00"))
    assert refusal is not None and refusal.field == field and "price collar 99.00–101.00" in refusal.reason


def test_the_collar_edges_are_rounded_inwards_to_the_tick() -> None:
    h = Harness(RiskLimits(collar_pct=Decimal("0.5")))
    h.quote(bid="99.99", ask="100.01")  # unrounded: 99.49005 - 100.51005
    assert h.check(h.order(Side.BUY, qty="1", price="100.51")) is None
    assert h.check(h.order(Side.SELL, qty="1", price="99.50")) is None
    assert "collar 99.50–100.51" in (h.check(h.order(Side.BUY, qty="1", price="100.52")) or "")
    assert h.check(h.order(Side.SELL, qty="1", price="99.49")) is not None


def test_a_market_order_has_no_price_for_the_collar() -> None:
    h = Harness(RiskLimits(collar_ticks=1))
    h.quote(bid="99.99", ask="100.00")
    assert h.check(h.order(qty="1", price=None, order_type=MKT)) is None


@pytest.mark.parametrize("order_type", TYPES)
def test_max_position(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_position=Decimal(300)))
    h.fill(Side.BUY, "100", "100.00")
    h.work(h.order(qty="100", price="99.00"))
    assert h.check(at(h, order_type, Side.BUY, "100", "100.00")) is None
    assert "could reach 301 long" in (h.check(at(h, order_type, Side.BUY, "101", "100.00")) or "")
    assert h.check(at(h, order_type, Side.SELL, "400", "100.00")) is None  # from +100 to -300
    assert "could reach 301 short" in (h.check(at(h, order_type, Side.SELL, "401", "100.00")) or "")


@pytest.mark.parametrize("order_type", TYPES)
def test_max_gross_exposure(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_gross_exposure=Decimal(50_000)))
    touch(h, Side.BUY, "100.00")
    h.fill(Side.BUY, "200", "100.00")
    h.work(h.order(qty="100", price="100.00"))
    assert h.check(at(h, order_type, Side.BUY, "200", "100.00")) is None  # 500 x 100 = 50,000
    assert "would reach 50,100.00 USD" in (h.check(at(h, order_type, Side.BUY, "201", "100.00")) or "")
    assert "would reach 50,005.00 USD" in (h.check(at(h, order_type, Side.BUY, "200", "100.01")) or "")


@pytest.mark.parametrize("order_type", [STP, STP_LMT])
def test_a_working_stop_far_below_the_market_counts_at_the_market_in_exposure(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_gross_exposure=Decimal(19_050)))
    h.quote(bid="189.99", ask="190.50", last="190.00")
    h.work(make(h, order_type, Side.BUY, "100", "1.00"))  # it would buy at the ask: 100 x 190.50 = 19,050
    assert h.engine.exposure(h.order().account_id) == Decimal("19050.00")
    assert "would reach 19,240.50 USD" in (h.check(make(h, LMT, Side.BUY, "1", "1.00")) or "")


@pytest.mark.parametrize("order_type", TYPES)
def test_max_working_orders(order_type: OrderType) -> None:
    h = Harness(RiskLimits(max_working_orders=3))
    h.work(h.order(price="99.00"))
    h.work(h.order(price="98.00"))
    assert h.check(at(h, order_type, Side.BUY, "1", "100.00")) is None  # the third
    h.work(h.order(price="97.00"))
    assert "3 working orders (limit 3)" in (h.check(at(h, order_type, Side.BUY, "2", "100.00")) or "")


def lose(h: Harness, last: str) -> None:
    """Mark a long 100 bought at 100.00 at last (a loss of (100 - last) x 100)."""
    p = Decimal(last)
    h.quote(bid=str(p - TICK), ask=last, last=last)


@pytest.mark.parametrize("order_type", TYPES)
def test_daily_loss_limit_reducing_one_cent_past_it(order_type: OrderType) -> None:
    h = Harness(RiskLimits(daily_loss_limit=Decimal(1000), daily_loss_halt=Decimal(2000)))
    h.fill(Side.BUY, "100", "100.00")
    lose(h, "90.00")  # a loss of exactly 1,000: not beyond
    assert h.check(make(h, order_type, Side.BUY, "1", "90.00")) is None
    assert h.state() is TradingState.ACTIVE
    lose(h, "89.99")  # 1,001
    assert "may only reduce positions" in (h.check(make(h, order_type, Side.BUY, "2", "89.99")) or "")
    assert h.state() is TradingState.REDUCING
    assert h.check(make(h, order_type, Side.SELL, "100", "89.98")) is None  # reduces the long 100
    lose(h, "80.00")  # 2,000: still reducing
    assert h.state() is TradingState.REDUCING
    lose(h, "79.99")  # 2,001
    assert "is halted" in (h.check(make(h, order_type, Side.SELL, "1", "79.98")) or "")
    assert h.state() is TradingState.HALTED


@pytest.mark.parametrize("order_type", TYPES)
def test_reducing_lets_through_one_unit_up_to_the_position_and_not_one_more(order_type: OrderType) -> None:
    h = Harness(RiskLimits(daily_loss_limit=Decimal(1000)))
    h.fill(Side.BUY, "100", "100.00")
    lose(h, "89.99")
    assert h.check(make(h, order_type, Side.SELL, "100", "89.98")) is None
    assert "would open or add" in (h.check(make(h, order_type, Side.SELL, "101", "89.98")) or "")
