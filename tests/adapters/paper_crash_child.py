"""Child process for the paper crash test: a ticking paper account trades, then dies by SIGKILL in its event sink.

Usage: python -m tests.adapters.paper_crash_child STATE_PATH POINT
POINT "ack": killed the moment the last order's OrderAccepted reaches the sink.
POINT "tick_fill": killed the moment a resting order's fill, made by a market tick, reaches the sink.
Before dying it prints, as one JSON line, what the app was told: the orders accepted, the fills,
the last cash and the last AAPL quote. Exit status NOT_KILLED means it never reached its point.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from decimal import Decimal
from typing import Any

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    AccountId,
    AccountUpdated,
    Event,
    Instrument,
    Order,
    OrderAccepted,
    OrderFilled,
    OrderSubmitted,
    OrderType,
    Quote,
    Side,
    TimeInForce,
)
from tests.factories import make_order

ACCOUNT = AccountId("PAPER-CRASH")
NOT_KILLED = 17
SYMBOL = "AAPL"


def paper_config(state_path: str) -> PaperConfig:
    return PaperConfig(tick_interval_s=0.005, state_path=state_path)


class DyingSink:
    """Record what the app is told; at the chosen point, print it and die."""

    def __init__(self, point: str) -> None:
        self.point = point
        self.armed = False
        self.last_coid: str | None = None
        self.accepted: list[str] = []
        self.fills: list[dict[str, str]] = []
        self.cash: list[dict[str, str]] = []
        self.quote: Quote | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, Quote) and event.symbol == SYMBOL:
            self.quote = event
        elif isinstance(event, OrderAccepted):
            self.accepted.append(str(event.client_order_id))
            if self.point == "ack" and str(event.client_order_id) == self.last_coid:
                self.die()
        elif isinstance(event, OrderFilled):
            fill = event.fill
            self.fills.append({"trade_id": str(fill.trade_id), "client_order_id": str(event.client_order_id),
                               "quantity": str(fill.quantity.value), "price": str(fill.price.value)})
            if self.point == "tick_fill" and self.armed:
                self.die()
        elif isinstance(event, AccountUpdated):
            self.cash.append({money.currency: str(money.amount) for money in event.cash})

    def die(self) -> None:
        quote = self.quote
        told: dict[str, Any] = {
            "accepted": self.accepted,
            "fills": self.fills,
            "cash": self.cash[-1] if self.cash else None,
            "quote": None if quote is None else {"bid": str(quote.bid), "ask": str(quote.ask)},
        }
        sys.stdout.write(json.dumps(told) + "\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def order(instrument: Instrument, side: Side, limit: Decimal | None, tif: TimeInForce = TimeInForce.DAY) -> Order:
    price = None if limit is None else str(instrument.make_price(limit).value)
    kind = OrderType.MARKET if limit is None else OrderType.LIMIT
    made = make_order(instrument, side=side, quantity="1", order_type=kind, limit_price=price, tif=tif,
                      account_id=ACCOUNT)
    made.apply(OrderSubmitted(made.client_order_id))
    return made


async def trade(state_path: str, point: str) -> None:
    sink = DyingSink(point)
    broker = PaperBroker(ACCOUNT, paper_config(state_path), sink)
    instrument = next(i for i in broker.instruments() if i.symbol == SYMBOL)
    await broker.subscribe([instrument])
    await broker.connect()
    await asyncio.sleep(0.05)
    assert sink.quote is not None and sink.quote.bid is not None and sink.quote.ask is not None
    bid, ask = sink.quote.bid, sink.quote.ask
    await broker.submit(order(instrument, Side.BUY, None))
    far = [order(instrument, Side.BUY, bid * Decimal("0.5"), TimeInForce.GTC) for _ in range(5)]
    for resting in far:
        await broker.submit(resting)
    await broker.modify(far[0], instrument.make_qty(2), instrument.make_price(bid * Decimal("0.6")), None)
    await broker.cancel(far[1])
    at_touch = [order(instrument, side, bid if side is Side.BUY else ask) for side in (Side.BUY, Side.SELL) * 5]
    for near in at_touch:
        await broker.submit(near)
    await asyncio.sleep(0.1)
    last = order(instrument, Side.BUY, bid * Decimal("0.5"))
    sink.last_coid = str(last.client_order_id)
    sink.armed = True
    await broker.submit(last)
    if point == "tick_fill":  # the orders at the touch above may all have filled by now: rest two more there
        bid, ask = sink.quote.bid, sink.quote.ask
        for side, price in ((Side.BUY, bid), (Side.SELL, ask)):
            await broker.submit(order(instrument, side, price))
    await asyncio.sleep(5)


def main() -> None:
    state_path, point = sys.argv[1], sys.argv[2]
    asyncio.run(trade(state_path, point))
    sys.exit(NOT_KILLED)


if __name__ == "__main__":
    main()
