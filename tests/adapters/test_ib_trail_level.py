"""Where IB's trailing stop stands, through a real TradingSession and ib_async against the TWS simulator: TWS
sends openOrder again with trailStopPrice as the stop follows the market, and the order learns each level (up with
the bid, never back down), a trailing stop-limit its limit with it."""

from __future__ import annotations

from decimal import Decimal

from core.domain import OrderRequest, OrderStatus, OrderTrailMoved, OrderType, Price, Quote, Side
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk, until
from tests.sims.tws import TwsSimulator
from tests.sims.tws.trailing import trade_at

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(tick_interval_s=3600)  # the market moves only when a test prints a price
desk = ib_desk.desk_fixture()


class Seconds:
    """A clock a test moves: each stop move then comes a second after the last, so none waits."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def print_bid(sim: TwsSimulator, bid: Decimal) -> None:
    trade_at(sim, Quote("AAPL", bid=bid, ask=bid + Decimal("0.01")))


async def market_bid(desk: Desk) -> Decimal:
    quote = await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.bid is not None)
    assert quote.bid is not None
    return quote.bid


async def test_the_order_learns_where_ibs_trailing_stop_stands_as_it_rises_and_never_falls(
    sim: TwsSimulator, desk: Desk
) -> None:
    desk.session.oms.trail_moves.now = Seconds()
    bid = await market_bid(desk)
    order = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                   trail_amount="1"))
    await until(lambda: order.trail_stop == Price(bid - 1))
    print_bid(sim, bid + 3)
    await until(lambda: order.trail_stop == Price(bid + 2))
    print_bid(sim, bid + Decimal("2.50"))
    print_bid(sim, bid + Decimal("2.20"))
    assert order.trail_stop == Price(bid + 2), "the market fell back; the stop stays"
    print_bid(sim, bid + Decimal("1.95"))
    await until(lambda: order.status is OrderStatus.FILLED)
    (journaled,) = desk.journal.load().orders
    assert [e.stop_price.value for e in journaled.events if isinstance(e, OrderTrailMoved)] == [bid - 1, bid + 2]


async def test_a_trailing_stop_limits_limit_follows_its_stop(sim: TwsSimulator, desk: Desk) -> None:
    desk.session.oms.trail_moves.now = Seconds()
    bid = await market_bid(desk)
    order = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.TRAIL_LIMIT,
                                                   trail_amount="1", trail_limit_offset="0.05"))
    await until(lambda: order.trail_stop == Price(bid - 1))
    assert order.trail_limit == Price(bid - Decimal("1.05"))
    print_bid(sim, bid + 2)
    await until(lambda: order.trail_stop == Price(bid + 1))
    assert order.trail_limit == Price(bid + Decimal("0.95"))
