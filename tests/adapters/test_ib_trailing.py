"""Trailing stops through a real TradingSession, the journal and ib_async against the TWS simulator: the order
goes to IB as its own TRAIL (auxPrice or trailingPercent), IB's stop follows the market and our books follow
IB's reports when it triggers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import OrderRequest, OrderStatus, OrderType, Quote, Side
from core.domain.trailing import Trail, TrailUnit
from core.services.session import OrderRefused
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk, at_ib, until
from tests.sims.tws import TwsSimulator
from tests.sims.tws.trailing import trade_at

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(tick_interval_s=3600)  # the market moves only when a test prints a price
desk = ib_desk.desk_fixture()


def print_bid(sim: TwsSimulator, bid: Decimal) -> None:
    trade_at(sim, Quote("AAPL", bid=bid, ask=bid + Decimal("0.01")))


async def market_bid(desk: Desk) -> Decimal:
    quote = await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.bid is not None)
    assert quote.bid is not None
    return quote.bid


async def test_a_sell_trail_sent_from_the_session_follows_the_bid_up_at_ib_not_down_and_triggers(
    sim: TwsSimulator, desk: Desk
) -> None:
    bid = await market_bid(desk)
    order = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                   trail_amount="1"))
    assert order.status is OrderStatus.ACCEPTED
    assert [o.trail for o in desk.journal.load().orders] == [Trail(Decimal(1))], "journaled with its trail"
    at_sim = at_ib(sim, order.client_order_id)
    assert (at_sim.order_type, at_sim.action, at_sim.aux_price) == ("TRAIL", "SELL", Decimal(1))
    trailing = sim.book.trailing
    assert trailing.stop_of(at_sim, sim.book.engine) == bid - 1

    print_bid(sim, bid + 3)
    assert trailing.stop_of(at_sim, sim.book.engine) == bid + 2, "the stop rose with the bid"
    print_bid(sim, bid + Decimal("2.50"))
    assert trailing.stop_of(at_sim, sim.book.engine) == bid + 2, "and did not come down with it"
    assert order.status is OrderStatus.ACCEPTED
    print_bid(sim, bid + Decimal("1.95"))
    await until(lambda: order.status is OrderStatus.FILLED)
    assert order.avg_fill_price == bid + Decimal("1.95"), "out at market once touched"
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is not None and position.quantity == -10


async def test_a_percent_trail_goes_to_ib_as_trailing_percent(sim: TwsSimulator, desk: Desk) -> None:
    await market_bid(desk)
    order = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                   trail_percent="1"))
    assert order.trail == Trail(Decimal(1), TrailUnit.PERCENT)
    print_bid(sim, Decimal("200.00"))
    assert sim.book.trailing.stop_of(at_ib(sim, order.client_order_id), sim.book.engine) == Decimal("198.00")


async def test_a_trailing_stop_cannot_be_changed_in_place_and_nothing_goes_to_ib(
    sim: TwsSimulator, desk: Desk
) -> None:
    await market_bid(desk)
    order = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                   trail_amount="1"))
    with pytest.raises(OrderRefused, match="cancel it and send a new one"):
        await desk.session.modify(order.client_order_id, "20")
    assert at_ib(sim, order.client_order_id).quantity == 10
