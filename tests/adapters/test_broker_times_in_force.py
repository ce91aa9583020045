"""Kite takes DAY or IOC, an easytrader (A-share) account DAY only: anything else is refused before it is journaled.

Before, a GTC order on Kite was journaled and then refused by the adapter; an IOC order on easytrader went to the
broker's client as a plain order and worked until the close.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, OrderRequest, OrderType, Side, TimeInForce
from core.services.bus import EventBus
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.easytrader import EasytraderSimulator
from tests.sims.easytrader.testing import connected_session
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials as kite_credentials
from tests.sims.kite.testing import sim_settings as kite_settings

KITE = AccountId("KITE-1")
CN = AccountId("CN-1")


@pytest.fixture
async def kite_sim() -> AsyncIterator[KiteSimulator]:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
def easytrader_sim() -> Iterator[EasytraderSimulator]:
    with EasytraderSimulator() as sim:
        yield sim


async def test_kite_refuses_gtc_before_the_journal_and_takes_ioc(kite_sim: KiteSimulator, tmp_path: Path) -> None:
    session = TradingSession(bus := EventBus(), SqliteJournal(tmp_path / "journal.sqlite"))
    session.add_account(KiteBroker(KITE, KiteConfig.from_mapping(kite_settings(kite_sim, ticker=False)),
                                   bus.publish, kite_credentials(kite_sim)))
    await session.connect(KITE)
    bus.publish(kite_sim.exchange.market.quote("INFY"))  # the ticker is off here: the risk check's price
    try:
        bid = kite_sim.exchange.market.quote("INFY").bid
        assert bid is not None
        with pytest.raises(OrderRefused) as gtc:
            await session.submit(OrderRequest(KITE, "INFY", Side.BUY, "1", OrderType.LIMIT, str(bid - 20),
                                              tif=TimeInForce.GTC))
        assert [(e.field, e.message) for e in gtc.value.errors] == [
            ("tif", "KITE-1 does not take time in force GTC: choose one of DAY, IOC.")]
        assert session.oms.orders() == [] and kite_sim.exchange.orders == {}, "nothing journaled, nothing sent"
        ioc = await session.submit(OrderRequest(KITE, "INFY", Side.BUY, "1", OrderType.LIMIT, str(bid - 20),
                                                tif=TimeInForce.IOC))
        assert ioc.broker_order_id is not None
    finally:
        await session.close()


async def test_an_a_share_account_refuses_ioc_that_would_have_worked_all_day(
    easytrader_sim: EasytraderSimulator, tmp_path: Path
) -> None:
    session = await connected_session(easytrader_sim, tmp_path, CN)
    try:
        with pytest.raises(OrderRefused) as ioc:
            await session.submit(OrderRequest(CN, "600000", Side.BUY, "100", OrderType.LIMIT, str(Decimal("7.50")),
                                              tif=TimeInForce.IOC))
        assert [(e.field, e.message) for e in ioc.value.errors] == [
            ("tif", "CN-1 does not take time in force IOC: choose one of DAY.")]
        assert session.oms.orders() == [] and easytrader_sim.exchange.orders == []
    finally:
        await session.close()
