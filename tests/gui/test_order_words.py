"""How the window names an order in one line (the ticket's result, the chart's move confirm): its prices as the
Working orders grid shows them."""

from __future__ import annotations

from core.domain import OrderType, Side
from gui.controllers.orders import describe
from tests.factories import make_instrument, make_order


def test_an_order_is_named_with_its_prices_at_the_instruments_places_and_a_stops_trigger() -> None:
    aapl = make_instrument("AAPL")  # a strategy's "189.50" arrives as 189.5
    assert describe(make_order(aapl, quantity="5", limit_price="189.5")).startswith("BUY 5 AAPL LMT 189.50 — ")
    stop = make_order(aapl, side=Side.SELL, order_type=OrderType.STOP, limit_price=None, stop_price="180")
    assert describe(stop).startswith("SELL 100 AAPL STP 180.00 — "), "a stop names its trigger, not nothing"
    both = make_order(aapl, order_type=OrderType.STOP_LIMIT, limit_price="181", stop_price="180.5")
    assert describe(both).startswith("BUY 100 AAPL STP_LMT 180.50 → 181.00 — ")
