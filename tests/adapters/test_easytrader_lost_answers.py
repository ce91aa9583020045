"""easytrader: an order whose connection dropped before the broker client saw it is forgotten once today's
entrusts show it was never placed, so it cannot take the entrust of a later order with the same code, side,
quantity and price. Found by the easytrader chaos run (easytrader_chaos_world.py, seed 29, 10,000 intents): the
later order was declared never sent while it worked at the broker, unseen, and its fills went to nobody.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.easytrader.config import EasytraderConfig
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, Side, TradingState
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.risk.limits import DEFAULT_LIMITS
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.test_easytrader_adapter import SYMBOL
from tests.sims.easytrader import EasytraderSimulator, Fault, FaultKind
from tests.sims.easytrader.testing import sim_credentials, sim_settings

ACCOUNT = AccountId("ET-1")


@pytest.fixture
def sim() -> Iterator[EasytraderSimulator]:
    with EasytraderSimulator() as sim:
        yield sim


async def reconnect(session: TradingSession) -> None:
    """What the trader does when told "reconnect to resume": the session reconciles with today's entrusts."""
    await session.disconnect(ACCOUNT)
    await session.connect(ACCOUNT)
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE


async def settled(order: Order) -> None:
    for _ in range(200):  # bounded: polling claims an order whose answer was lost
        if order.status is not OrderStatus.UNKNOWN:
            return
        await asyncio.sleep(0.02)


async def test_an_order_never_placed_does_not_take_the_entrust_of_a_later_identical_order(
    sim: EasytraderSimulator, tmp_path: Path
) -> None:
    bus = EventBus()
    limits = DEFAULT_LIMITS.merged({"duplicate_window_s": None})  # the trader sends the same order again on purpose
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"), risk=RiskConfig(global_limits=limits))
    settings = sim_settings(sim, order_map_path=str(tmp_path / "orders.json"), request_timeout_s=1.0)
    session.add_account(EasytraderBroker(ACCOUNT, EasytraderConfig.from_mapping(settings), bus.publish,
                                         sim_credentials(sim)))
    await session.connect(ACCOUNT)
    bus.publish(sim.exchange.quote(SYMBOL))  # easytrader sends no prices: another feed's quote
    price = sim.exchange.quote(SYMBOL).bid - Decimal("0.20")  # rests
    request = OrderRequest(ACCOUNT, SYMBOL, Side.BUY, "100", OrderType.LIMIT, str(price))
    try:
        sim.inject(Fault("/buy", FaultKind.DROP, after=False))  # the broker client never sees it
        first = await session.submit(request)
        assert first.status is OrderStatus.UNKNOWN
        await reconnect(session)
        assert first.status is OrderStatus.CANCELED and not sim.exchange.orders, "never placed"

        sim.inject(Fault("/buy", FaultKind.DROP, after=True))  # placed; the answer is lost
        second = await session.submit(request)
        assert second.status is OrderStatus.UNKNOWN
        await settled(second)
        await reconnect(session)
        [entrust] = sim.exchange.orders
        assert entrust.working
        assert second.status is OrderStatus.ACCEPTED, second.reason
        assert second.broker_order_id == entrust.entrust_no
        assert first.status is OrderStatus.CANCELED and first.broker_order_id is None
    finally:
        await session.close()
