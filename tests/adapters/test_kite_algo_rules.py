"""SEBI's rules for retail algo orders as Kite applies them (tests/sims/kite/algo_rules.py): the simulator refuses a
MARKET or SL-M order without market protection and an IOC order on MCX, as Kite does, and TradeTerm's orders pass.

Found by running pykiteconnect's integration tests against the simulator (test_place_order_market_regular places a
MARKET order without market protection, which Kite refuses since 2026-04-01); the real kiteconnect client against
tests/sims/kite.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kite_errors

from core.adapters.kite.parsing import KiteProduct, KiteVariety, order_params
from core.domain import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from core.ports.errors import OrderRejected
from tests.adapters.test_kite_realism import session_on
from tests.factories import make_instrument, make_order
from tests.sims.kite import KiteSimulator
from tests.sims.kite.algo_rules import MISSING, NO_IOC_ON_MCX
from tests.sims.kite.catalog import ALL_LISTINGS
from tests.sims.kite.testing import sim_fixture

sim = sim_fixture()
MARKET = {"variety": "regular", "exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
          "quantity": 1, "product": "CNC", "order_type": "MARKET"}


def raw_client(sim: KiteSimulator) -> Any:
    return KiteConnect(sim.api_key, access_token=sim.issue_access_token(), root=sim.root)


@pytest.mark.parametrize("fields", [{}, {"market_protection": 0}, {"market_protection": 101},
                                    {"order_type": "SL-M", "trigger_price": "1600"}],
                         ids=["missing", "zero", "above-100", "stop-market"])
async def test_kite_refuses_a_market_order_without_market_protection(sim: KiteSimulator,
                                                                     fields: dict[str, Any]) -> None:
    raw = raw_client(sim)
    with pytest.raises(kite_errors.InputException, match="without market protection"):
        await asyncio.to_thread(raw.place_order, **{**MARKET, **fields})
    assert not await asyncio.to_thread(raw.orders), "a refused order is not in the order book"


async def test_a_protected_market_order_fills_and_shows_its_protection(sim: KiteSimulator) -> None:
    raw = raw_client(sim)
    order_id = await asyncio.to_thread(raw.place_order, **MARKET, market_protection=-1)
    (order,) = await asyncio.to_thread(raw.orders)
    assert (order["order_id"], order["status"], order["market_protection"]) == (order_id, "COMPLETE", -1)


async def test_turning_a_limit_order_into_a_market_one_needs_protection(sim: KiteSimulator) -> None:
    raw = raw_client(sim)
    bid = sim.exchange.market.quote("INFY").bid
    assert bid is not None
    order_id = await asyncio.to_thread(raw.place_order, **{**MARKET, "order_type": "LIMIT", "price": str(bid - 20)})
    with pytest.raises(kite_errors.InputException, match=MISSING[:40]):
        await asyncio.to_thread(raw.modify_order, "regular", order_id, order_type="MARKET")
    (order,) = await asyncio.to_thread(raw.orders)
    assert (order["order_type"], order["status"]) == ("LIMIT", "OPEN"), "the refused change leaves the order be"


@pytest.mark.parametrize("order_type", [OrderType.MARKET, OrderType.STOP])
async def test_tradeterms_market_and_stop_orders_are_taken_by_kite(sim: KiteSimulator, tmp_path: Path,
                                                                   order_type: OrderType) -> None:
    session, adapter = await session_on(sim, tmp_path)
    try:
        ask = sim.exchange.market.quote("INFY").ask
        assert ask is not None
        stop = None if order_type is OrderType.MARKET else str(ask + 50)
        order = await session.submit(OrderRequest(adapter.account_id, "INFY", Side.BUY, "1", order_type,
                                                  stop_price=stop))
        assert order.status in (OrderStatus.ACCEPTED, OrderStatus.FILLED), order.reason
        (booked,) = sim.exchange.orders.values()
        assert booked.order["market_protection"] == -1, "Kite chooses the protection"
    finally:
        await session.close()


async def test_kite_refuses_an_ioc_order_on_mcx() -> None:
    sim = KiteSimulator(listings=ALL_LISTINGS)
    await sim.start()
    try:
        raw = raw_client(sim)
        crude = {**MARKET, "exchange": "MCX", "tradingsymbol": "CRUDEOIL26DECFUT", "product": "NRML", "quantity": 100,
                 "order_type": "LIMIT", "price": "6000"}
        with pytest.raises(kite_errors.InputException, match="IOC"):
            await asyncio.to_thread(raw.place_order, **crude, validity="IOC")
        await asyncio.to_thread(raw.place_order, **crude, validity="DAY")
    finally:
        await sim.stop()


def test_tradeterm_refuses_an_ioc_order_on_mcx_before_sending_it() -> None:
    crude = make_instrument(symbol="CRUDEOIL26DECFUT", venue="MCX", currency="INR", tick_size="1")
    order = make_order(instrument=crude, order_type=OrderType.LIMIT, limit_price="6000", tif=TimeInForce.IOC)
    with pytest.raises(OrderRejected, match=r"MCX takes no IOC orders .* pick DAY"):
        order_params(order, KiteProduct.NRML, KiteVariety.REGULAR)
    day = make_order(instrument=crude, order_type=OrderType.LIMIT, limit_price="6000", tif=TimeInForce.DAY)
    assert order_params(day, KiteProduct.NRML, KiteVariety.REGULAR)["validity"] == "DAY"
    assert "IOC" in NO_IOC_ON_MCX
