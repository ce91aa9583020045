"""The paper market and matching engine, pure: prices a trader would get, and a market that behaves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.adapters.paper.instruments import DEFAULT_INSTRUMENTS, START_PRICES
from core.adapters.paper.market import Market
from core.adapters.paper.matching import ChangeRefused, Closure, Execution, MatchingEngine, Outcome, PaperOrder
from core.domain import (
    AssetClass,
    BrokerOrderId,
    ClientOrderId,
    Instrument,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    TimeInForce,
)
from tests.factories import make_instrument

AAPL = make_instrument()
ES = make_instrument(symbol="ESZ6", tick_size="0.25", multiplier="50", asset_class=AssetClass.FUTURE)
MOUTAI = make_instrument(symbol="600519", currency="CNY", lot_size="100")
_ids = iter(range(1, 10_000))


def quote(bid: str, ask: str, symbol: str = "AAPL", bid_size: str = "1000", ask_size: str = "1000") -> Quote:
    return Quote(symbol, bid=Decimal(bid), ask=Decimal(ask), bid_size=Decimal(bid_size), ask_size=Decimal(ask_size))


def order(
    side: Side = Side.BUY,
    qty: str = "100",
    order_type: OrderType = OrderType.MARKET,
    limit: str | None = None,
    stop: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    instrument: Instrument = AAPL,
) -> PaperOrder:
    n = next(_ids)
    return PaperOrder(
        client_order_id=ClientOrderId(f"C{n}"),
        broker_order_id=BrokerOrderId(f"B{n}"),
        instrument=instrument,
        side=side,
        quantity=Decimal(qty),
        order_type=order_type,
        limit_price=None if limit is None else Decimal(limit),
        stop_price=None if stop is None else Decimal(stop),
        tif=tif,
    )


def fills(outcomes: list[Outcome]) -> list[tuple[Decimal, Decimal]]:
    return [(o.quantity, o.price) for o in outcomes if isinstance(o, Execution)]


# --- market orders, slippage, fees ------------------------------------------------------------


def test_market_buy_pays_the_ask_and_market_sell_gets_the_bid() -> None:
    engine = MatchingEngine()
    assert fills(engine.add(order(Side.BUY), quote("99.98", "100.00"))) == [(Decimal(100), Decimal("100.00"))]
    assert fills(engine.add(order(Side.SELL), quote("99.98", "100.00"))) == [(Decimal(100), Decimal("99.98"))]


def test_slippage_moves_the_price_against_the_trader_and_rounds_to_tick_against_them() -> None:
    engine = MatchingEngine(slippage_bps=Decimal(10))
    # 100.01 × 1.001 = 100.11001 -> up to 100.12; 99.99 × 0.999 = 99.89001 -> down to 99.89
    assert fills(engine.add(order(Side.BUY), quote("99.99", "100.01")))[0][1] == Decimal("100.12")
    assert fills(engine.add(order(Side.SELL), quote("99.99", "100.01")))[0][1] == Decimal("99.89")


def test_fee_is_basis_points_of_notional_including_the_multiplier() -> None:
    engine = MatchingEngine(fee_bps=Decimal("0.5"))
    (stock,) = engine.add(order(qty="100"), quote("99.99", "100.00"))
    (future,) = engine.add(order(qty="1", instrument=ES), quote("5199.75", "5200.00", symbol="ESZ6"))
    assert isinstance(stock, Execution) and isinstance(future, Execution)
    assert stock.fee == Decimal("0.50")
    assert future.fee == Decimal("13.00")
    assert future.notional == Decimal("260000.00")


# --- limit orders -----------------------------------------------------------------------------


def test_marketable_limit_fills_at_once_at_the_better_of_quote_and_limit() -> None:
    engine = MatchingEngine()
    outcomes = engine.add(order(order_type=OrderType.LIMIT, limit="100.50"), quote("99.98", "100.00"))
    assert fills(outcomes) == [(Decimal(100), Decimal("100.00"))]


def test_slippage_never_takes_a_limit_order_past_its_limit() -> None:
    engine = MatchingEngine(slippage_bps=Decimal(10))
    outcomes = engine.add(order(order_type=OrderType.LIMIT, limit="100.05"), quote("99.98", "100.00"))
    assert fills(outcomes) == [(Decimal(100), Decimal("100.05"))]


def test_limit_below_the_ask_rests_then_fills_at_its_limit_when_the_offer_reaches_it() -> None:
    engine = MatchingEngine()
    buy = order(order_type=OrderType.LIMIT, limit="99.50")
    assert engine.add(buy, quote("99.98", "100.00")) == []
    assert buy.status is OrderStatus.ACCEPTED and buy.resting
    assert engine.match(quote("99.60", "99.62")) == []
    assert fills(engine.match(quote("99.38", "99.40"))) == [(Decimal(100), Decimal("99.50"))]
    assert buy.status is OrderStatus.FILLED


def test_resting_sell_limit_fills_at_its_limit_when_the_bid_reaches_it() -> None:
    engine = MatchingEngine()
    sell = order(Side.SELL, order_type=OrderType.LIMIT, limit="101.00")
    engine.add(sell, quote("99.98", "100.00"))
    assert fills(engine.match(quote("101.10", "101.12"))) == [(Decimal(100), Decimal("101.00"))]


def test_orders_of_another_symbol_do_not_trade_on_a_quote() -> None:
    engine = MatchingEngine()
    engine.add(order(order_type=OrderType.LIMIT, limit="99.50"), quote("99.98", "100.00"))
    assert engine.match(quote("90.00", "90.01", symbol="MSFT")) == []


# --- stops ------------------------------------------------------------------------------------


def test_buy_stop_waits_until_the_ask_reaches_it_then_fills_at_market() -> None:
    engine = MatchingEngine()
    stop = order(order_type=OrderType.STOP, stop="101.00")
    assert engine.add(stop, quote("100.48", "100.50")) == []
    assert engine.match(quote("100.97", "100.99")) == []
    assert fills(engine.match(quote("101.02", "101.04"))) == [(Decimal(100), Decimal("101.04"))]


def test_sell_stop_triggers_when_the_bid_falls_to_it() -> None:
    engine = MatchingEngine()
    stop = order(Side.SELL, order_type=OrderType.STOP, stop="99.00")
    assert engine.add(stop, quote("99.50", "99.52")) == []
    assert fills(engine.match(quote("98.90", "98.92"))) == [(Decimal(100), Decimal("98.90"))]


def test_stop_limit_triggers_then_rests_as_a_limit_until_marketable() -> None:
    engine = MatchingEngine()
    stop_limit = order(order_type=OrderType.STOP_LIMIT, stop="101.00", limit="101.05")
    assert engine.add(stop_limit, quote("100.48", "100.50")) == []
    assert engine.match(quote("101.18", "101.20")) == []
    assert stop_limit.triggered and stop_limit.status is OrderStatus.ACCEPTED
    assert fills(engine.match(quote("100.98", "101.00"))) == [(Decimal(100), Decimal("101.05"))]


def test_stop_limit_marketable_when_triggered_fills_at_once_at_the_better_price() -> None:
    engine = MatchingEngine()
    stop_limit = order(order_type=OrderType.STOP_LIMIT, stop="101.00", limit="101.50")
    engine.add(stop_limit, quote("100.48", "100.50"))
    assert fills(engine.match(quote("101.08", "101.10"))) == [(Decimal(100), Decimal("101.10"))]


# --- time in force ----------------------------------------------------------------------------


def test_ioc_that_cannot_fill_is_canceled_at_once() -> None:
    engine = MatchingEngine()
    ioc = order(order_type=OrderType.LIMIT, limit="99.00", tif=TimeInForce.IOC)
    outcomes = engine.add(ioc, quote("99.98", "100.00"))
    assert outcomes == [Closure(ioc.client_order_id, OrderStatus.CANCELED, ioc.reason)]
    assert ioc.status is OrderStatus.CANCELED and "IOC" in ioc.reason
    assert engine.working() == []


def test_ioc_fills_what_is_shown_and_cancels_the_rest() -> None:
    engine = MatchingEngine(partial_fills=True)
    ioc = order(qty="500", order_type=OrderType.LIMIT, limit="100.00", tif=TimeInForce.IOC)
    outcomes = engine.add(ioc, quote("99.98", "100.00", ask_size="200"))
    assert fills(outcomes) == [(Decimal(200), Decimal("100.00"))]
    assert isinstance(outcomes[-1], Closure) and outcomes[-1].status is OrderStatus.CANCELED
    assert ioc.filled_qty == 200 and ioc.status is OrderStatus.CANCELED


def test_end_of_day_expires_working_day_orders_and_keeps_gtc() -> None:
    engine = MatchingEngine()
    day = order(order_type=OrderType.LIMIT, limit="90.00")
    gtc = order(order_type=OrderType.LIMIT, limit="90.00", tif=TimeInForce.GTC)
    for o in (day, gtc):
        engine.add(o, quote("99.98", "100.00"))
    closures = engine.expire_day_orders()
    assert [(c.client_order_id, c.status) for c in closures] == [(day.client_order_id, OrderStatus.EXPIRED)]
    assert engine.working() == [gtc]


# --- partial fills ----------------------------------------------------------------------------


def test_partial_fills_take_at_most_the_displayed_size_in_whole_lots() -> None:
    engine = MatchingEngine(partial_fills=True)
    buy = order(qty="500", instrument=MOUTAI)
    outcomes = engine.add(buy, quote("1699.99", "1700.00", symbol="600519", ask_size="250"))
    assert fills(outcomes) == [(Decimal(200), Decimal("1700.00"))]
    assert buy.status is OrderStatus.PARTIALLY_FILLED
    more = engine.match(quote("1700.00", "1700.01", symbol="600519", ask_size="1000"))
    assert fills(more) == [(Decimal(300), Decimal("1700.01"))]
    assert buy.status is OrderStatus.FILLED


def test_orders_on_one_side_share_the_displayed_size_of_a_quote() -> None:
    engine = MatchingEngine(partial_fills=True)
    first = order(qty="300", order_type=OrderType.LIMIT, limit="99.00")
    second = order(qty="300", order_type=OrderType.LIMIT, limit="99.00")
    for o in (first, second):
        engine.add(o, quote("99.98", "100.00"))
    outcomes = engine.match(quote("98.88", "98.90", ask_size="400"))
    assert [(o.client_order_id, o.quantity) for o in outcomes if isinstance(o, Execution)] == [
        (first.client_order_id, Decimal(300)),
        (second.client_order_id, Decimal(100)),
    ]


def test_without_partial_fills_the_whole_order_fills_whatever_is_shown() -> None:
    engine = MatchingEngine(partial_fills=False)
    assert fills(engine.add(order(qty="5000"), quote("99.98", "100.00", ask_size="100"))) == [
        (Decimal(5000), Decimal("100.00"))
    ]


# --- cancel and modify ------------------------------------------------------------------------


def test_cancel_ends_a_working_order_and_a_second_cancel_is_refused() -> None:
    engine = MatchingEngine()
    buy = order(order_type=OrderType.LIMIT, limit="90.00")
    engine.add(buy, quote("99.98", "100.00"))
    assert engine.cancel(buy.client_order_id).status is OrderStatus.CANCELED
    with pytest.raises(ChangeRefused, match="already canceled"):
        engine.cancel(buy.client_order_id)
    with pytest.raises(ChangeRefused, match="not known"):
        engine.cancel(ClientOrderId("NOPE"))


def test_modify_to_a_marketable_limit_fills_it() -> None:
    engine = MatchingEngine()
    buy = order(order_type=OrderType.LIMIT, limit="90.00")
    engine.add(buy, quote("99.98", "100.00"))
    outcomes = engine.modify(buy.client_order_id, Decimal(200), Decimal("100.10"), None, quote("99.98", "100.00"))
    assert fills(outcomes) == [(Decimal(200), Decimal("100.00"))]


@pytest.mark.parametrize(
    ("qty", "limit", "stop", "message"),
    [
        ("0", "99.00", None, "more than"),
        ("150.5", "99.00", None, "lots"),
        ("200", "99.001", None, "tick"),
        ("200", None, None, "needs a limit"),
        ("200", "99.00", "98.00", "has no stop"),
    ],
)
def test_invalid_modification_is_refused_and_changes_nothing(
    qty: str, limit: str | None, stop: str | None, message: str
) -> None:
    engine = MatchingEngine()
    buy = order(order_type=OrderType.LIMIT, limit="90.00")
    engine.add(buy, quote("99.98", "100.00"))
    with pytest.raises(ChangeRefused, match=message):
        engine.modify(
            buy.client_order_id,
            Decimal(qty),
            None if limit is None else Decimal(limit),
            None if stop is None else Decimal(stop),
            quote("99.98", "100.00"),
        )
    assert (buy.quantity, buy.limit_price) == (Decimal(100), Decimal("90.00"))


# --- market -----------------------------------------------------------------------------------


def _run(seed: int, steps: int = 50) -> list[tuple[str, Decimal | None, Decimal | None, Decimal | None]]:
    market = Market(DEFAULT_INSTRUMENTS, START_PRICES, seed=seed)
    return [(q.symbol, q.bid, q.ask, q.volume) for _ in range(steps) for q in market.step()]


def test_the_same_seed_gives_the_same_market_and_another_seed_another() -> None:
    assert _run(7) == _run(7)
    assert _run(7) != _run(8)


def test_quotes_stay_on_tick_positive_and_never_crossed() -> None:
    market = Market(DEFAULT_INSTRUMENTS, START_PRICES, seed=3, step_bps=Decimal(50))
    by_symbol = {i.symbol: i for i in DEFAULT_INSTRUMENTS}
    for _ in range(2000):
        for q in market.step():
            instrument = by_symbol[q.symbol]
            assert q.bid is not None and q.ask is not None and q.last is not None
            assert 0 < q.bid < q.ask <= q.bid + 2 * instrument.tick_size
            assert instrument.is_on_tick(q.bid) and instrument.is_on_tick(q.ask) and instrument.is_on_tick(q.last)
            assert q.bid_size is not None and q.bid_size > 0 and instrument.is_on_lot(q.bid_size)
            assert q.ask_size is not None and q.ask_size > 0 and instrument.is_on_lot(q.ask_size)


def test_close_is_the_start_price_until_the_day_rolls() -> None:
    market = Market(DEFAULT_INSTRUMENTS, START_PRICES, seed=1)
    for _ in range(20):
        market.step()
    assert market.quote("AAPL").close == START_PRICES["AAPL"]
    last = market.quote("AAPL").last
    market.roll_day()
    assert market.quote("AAPL").close == last
    assert market.quote("AAPL").volume == 0


def test_a_market_restarted_from_its_mids_continues_from_there() -> None:
    market = Market(DEFAULT_INSTRUMENTS, START_PRICES, seed=1)
    for _ in range(200):
        market.step()
    restarted = Market(DEFAULT_INSTRUMENTS, market.mids(), seed=1, closes=market.closes())
    assert restarted.mids() == market.mids()
    assert restarted.quote("INFY").close == START_PRICES["INFY"]


def test_default_instruments_have_the_conventions_of_their_venues() -> None:
    by_symbol = {i.symbol: i for i in DEFAULT_INSTRUMENTS}
    assert by_symbol["ESZ6"].multiplier == 50 and by_symbol["ESZ6"].tick_size == Decimal("0.25")
    assert by_symbol["INFY"].tick_size == Decimal("0.05") and by_symbol["INFY"].currency == "INR"
    assert by_symbol["600519"].lot_size == 100 and by_symbol["600519"].currency == "CNY"
    assert all(i.is_on_tick(START_PRICES[i.symbol]) for i in DEFAULT_INSTRUMENTS)


def test_among_a_thousand_resting_orders_a_quote_fills_only_those_it_reaches_oldest_first_and_each_once() -> None:
    engine = MatchingEngine(partial_fills=True)
    far = [order(Side.BUY, "100", OrderType.LIMIT, limit=f"{Decimal('90.00') - Decimal('0.01') * k}")
           for k in range(1000)]
    near_old, near_new = (order(Side.BUY, "100", OrderType.LIMIT, limit="99.50") for _ in range(2))
    canceled = order(Side.BUY, "100", OrderType.LIMIT, limit="99.90")
    stop = order(Side.SELL, "100", OrderType.STOP, stop="99.00")
    for resting in [*far[:500], near_old, canceled, *far[500:], near_new, stop]:
        assert engine.add(resting, quote("100.00", "100.10")) == []
    engine.cancel(canceled.client_order_id)
    assert engine.untriggered() == [stop]

    reached = engine.match(quote("99.40", "99.50", ask_size="150"))  # reaches both 99.50 bids, not the 90s
    assert [(o.client_order_id, o.quantity) for o in reached if isinstance(o, Execution)] == [
        (near_old.client_order_id, Decimal(100)), (near_new.client_order_id, Decimal(50))]
    again = engine.match(quote("98.90", "99.50", ask_size="1000"))  # the stop triggers; the rest of near_new fills
    assert [(o.client_order_id, o.quantity) for o in again if isinstance(o, Execution)] == [
        (near_new.client_order_id, Decimal(50)), (stop.client_order_id, Decimal(100))]
    assert engine.untriggered() == [] and all(o.status is OrderStatus.ACCEPTED for o in far)
    assert engine.match(quote("98.90", "99.50")) == []  # nothing filled twice
