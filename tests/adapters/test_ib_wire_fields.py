"""The quick field layout sends IB the very bytes ib_async's own Client.send would, message by message."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from ib_async import ComboLeg, Contract, Forex, Future, Option, Stock, TagValue
from ib_async.client import Client
from ib_async.util import UNSET_DOUBLE, UNSET_INTEGER
from ib_async.wrapper import Wrapper

from core.adapters.ib.brackets import link_bracket
from core.adapters.ib.parsing import build_order
from core.adapters.ib.wire_fields import encode_fields, use_quick_send
from core.domain import (
    AccountId,
    ClientOrderId,
    Instrument,
    Order,
    OrderType,
    Price,
    Quantity,
    Side,
    TimeInForce,
)
from core.domain.trailing import Trail, TrailUnit


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()  # ib_async's throttle reads the loop's clock
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def _client(quick: bool) -> tuple[Client, list[str]]:
    """A connected-looking ib_async Client whose messages are kept instead of written to a socket."""
    client = Client(Wrapper(None))
    client.connState = Client.CONNECTED
    client._serverVersion = 176
    sent: list[str] = []
    client.sendMsg = sent.append  # type: ignore[method-assign]  # what send hands on: the laid-out text
    if quick:
        use_quick_send(client)
    return client, sent


def _order(order_type: OrderType = OrderType.LIMIT, **changes: object) -> Order:
    fields: dict[str, object] = {
        "client_order_id": ClientOrderId("T261207204500ABCDEFG"), "account_id": AccountId("IB-7"),
        "instrument": Instrument("AAPL", "SMART", "USD", Decimal("0.01")), "side": Side.BUY,
        "quantity": Quantity(Decimal(3)), "order_type": order_type,
        "limit_price": Price(Decimal("187.25")) if order_type.needs_limit else None,
        "stop_price": Price(Decimal("180")) if order_type.needs_stop else None,
    }
    return Order(**{**fields, **changes})  # type: ignore[arg-type]


CONTRACTS = [
    Stock("AAPL", "SMART", "USD", conId=265598, primaryExchange="NASDAQ"),
    Future("ES", "202612", "CME", conId=495512563, multiplier="50"),
    Option("SPY", "20261218", 450.5, "C", "SMART", conId=1),
    Forex("EURUSD"),
    Contract(secType="BAG", symbol="SPY", currency="USD", exchange="SMART",
             comboLegs=[ComboLeg(conId=1, ratio=1, action="BUY", exchange="SMART"),
                        ComboLeg(conId=2, ratio=1, action="SELL", exchange="SMART")]),
]
ORDERS = [
    build_order(_order(), "DU123"),
    build_order(_order(OrderType.MARKET, side=Side.SELL), "DU123", outside_rth=True),
    build_order(_order(OrderType.STOP), "DU123"),
    build_order(_order(OrderType.STOP_LIMIT, tif=TimeInForce.GTC), "DU123"),
    build_order(_order(tif=TimeInForce.GTD, expire_at=datetime(2026, 12, 9, 21, tzinfo=UTC)), "DU123"),
    build_order(_order(OrderType.TRAIL, trail=Trail(Decimal("1.5"), TrailUnit.PERCENT)), "DU123"),
    build_order(_order(OrderType.TRAIL_LIMIT, trail=Trail(Decimal("0.5"), TrailUnit.AMOUNT, Decimal("0.1"))), "DU1"),
]


def _messages(client: Client) -> list[Callable[[], None]]:
    """Requests that carry every kind of field: ints, floats (unset too), text, bools, None, contracts, tag lists."""
    parent, *children = [build_order(_order(), "DU1"), build_order(_order(OrderType.STOP, side=Side.SELL), "DU1")]
    parent.orderId, children[0].orderId = 10, 11
    link_bracket(parent, children)
    algo = build_order(_order(), "DU1")
    algo.algoStrategy, algo.algoParams = "Adaptive", [TagValue("adaptivePriority", "Normal")]
    algo.smartComboRoutingParams = [TagValue("NonGuaranteed", "1")]
    odd = build_order(_order(), "DU1")
    odd.lmtPrice, odd.auxPrice, odd.minQty = math.inf, UNSET_DOUBLE, UNSET_INTEGER
    calls: list[Callable[[], None]] = [
        lambda c=c, o=o, n=n: client.placeOrder(n, c, o)  # type: ignore[misc]
        for n, (c, o) in enumerate(((c, o) for c in CONTRACTS for o in ORDERS), start=1)]
    calls += [lambda o=o: client.placeOrder(o.orderId, CONTRACTS[0], o) for o in (parent, *children)]
    calls += [lambda: client.placeOrder(20, CONTRACTS[0], algo), lambda: client.placeOrder(21, CONTRACTS[0], odd)]
    calls += [lambda: client.reqMktData(5, CONTRACTS[0], "233,236", False, False, []),
              lambda: client.reqMktDepth(6, CONTRACTS[1], 10, True, [TagValue("a", "b")]),
              lambda: client.cancelOrder(10, ""),
              lambda: client.reqHistoricalData(7, CONTRACTS[0], "", "1 D", "1 min", "TRADES", True, 1, False, []),
              lambda: client.reqAccountSummary(8, "All", "NetLiquidation,BuyingPower")]
    return calls


def test_every_message_goes_out_as_ib_async_lays_it_out(loop: asyncio.AbstractEventLoop) -> None:
    own, own_sent = _client(quick=False)
    quick, quick_sent = _client(quick=True)
    for call in _messages(own):
        call()
    for call in _messages(quick):
        call()
    assert len(quick_sent) == len(own_sent) > 40
    for ours, theirs in zip(quick_sent, own_sent, strict=True):
        assert ours == theirs


def test_unset_numbers_go_as_given_when_asked_to(loop: asyncio.AbstractEventLoop) -> None:
    fields = (UNSET_DOUBLE, UNSET_INTEGER, math.inf, 1.5, True, None, "x", Decimal("2.50"))
    own, own_sent = _client(quick=False)
    own.send(*fields, makeEmpty=False)
    assert encode_fields(fields, make_empty=False) == own_sent[0]


def test_a_closed_connection_refuses_the_message(loop: asyncio.AbstractEventLoop) -> None:
    quick, sent = _client(quick=True)
    quick.connState = Client.DISCONNECTED
    with pytest.raises(ConnectionError):
        quick.placeOrder(1, CONTRACTS[0], ORDERS[0])
    assert sent == []
