"""Trailing stop-limits through a real TradingSession, the journal and ib_async against the TWS simulator: the order
goes to IB as TRAIL LIMIT with its limit's distance in lmtPriceOffset; IB's stop and limit follow the bid up, and
once touched it sells at its limit, never below it."""

from __future__ import annotations

from decimal import Decimal

from core.domain import OrderRequest, OrderStatus, OrderType, Quote, Side
from core.domain.trailing import Trail
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk, at_ib, until
from tests.sims.tws import TwsSimulator
from tests.sims.tws.trailing import trade_at

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(tick_interval_s=3600)  # the market moves only when a test prints a price
desk = ib_desk.desk_fixture()


def print_bid(sim: TwsSimulator, bid: Decimal) -> None:
    trade_at(sim, Quote("AAPL", bid=bid, ask=bid + Decimal("0.01")))


async def test_a_trailing_stop_limit_goes_to_ib_as_trail_limit_and_sells_at_its_limit(
    sim: TwsSimulator, desk: Desk
) -> None:
    quote = await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.bid is not None)
    assert quote.bid is not None
    bid = quote.bid
    order = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.TRAIL_LIMIT,
                                                   trail_amount="1", trail_limit_offset="0.20"))
    assert order.status is OrderStatus.ACCEPTED
    (journaled,) = desk.journal.load().orders
    assert (journaled.order_type, journaled.trail) == (OrderType.TRAIL_LIMIT, Trail(Decimal(1), limit_offset=Decimal(
        "0.20"))), "journaled with its trail and limit offset"
    at_sim = at_ib(sim, order.client_order_id)
    assert (at_sim.order_type, at_sim.aux_price) == ("TRAIL LIMIT", Decimal(1))
    paper = sim.book.engine.orders[at_sim.coid]
    assert (paper.stop_price, paper.limit_price) == (bid - 1, bid - Decimal("1.20")), "IB read lmtPriceOffset"

    print_bid(sim, bid + 3)
    assert (paper.stop_price, paper.limit_price) == (bid + 2, bid + Decimal("1.80")), "both rose with the bid"
    print_bid(sim, bid + Decimal("2.50"))
    assert paper.stop_price == bid + 2, "and did not come down"
    print_bid(sim, bid + Decimal("1.70"))  # gapped through the stop and below the limit: it waits, unfilled
    assert paper.filled_qty == 0 and paper.limit_price == bid + Decimal("1.80")
    print_bid(sim, bid + Decimal("1.85"))  # back above the limit: sells there, never below it
    await until(lambda: order.status is OrderStatus.FILLED)
    assert order.avg_fill_price is not None and order.avg_fill_price >= bid + Decimal("1.80")
