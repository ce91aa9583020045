"""Kite's trade_id is the exchange's trade number: it starts again each day (and NSE's and BSE's overlap), so a fill
of today may carry the trade id of one of yesterday's. It was dropped as a "duplicate": the position never saw it,
while Kite held it. A simulator started afresh numbers its trades from the start again, as the next day does.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.domain.product import Product
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_settings

KITE = AccountId("KITE-1")


async def trading_day(tmp_path: Path, sides: tuple[Side, ...], restart_numbers: bool = False
                      ) -> tuple[list[str], Decimal]:
    """Open a session on a fresh simulator (a new day at the exchange), trade 10 INFY MIS (a marketable limit)
    once per side (restart_numbers: the exchange numbers each trade from the start again, as BSE's numbers
    overlap NSE's); return Kite's trade ids and the position the session holds."""
    sim = KiteSimulator(tick_interval_s=0.05)
    await sim.start()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(EventBus(), journal, risk=RiskConfig(accounts={"KITE-1": {"collar_pct": None}}))
    try:
        config = KiteConfig.from_mapping(sim_settings(sim, ticker=False, product="MIS"))
        session.add_account(KiteBroker(KITE, config, session.bus.publish, sim_credentials(sim)))
        session.restore()
        report = await session.connect(KITE)
        assert report.ok, report.differences
        for side in sides:
            if restart_numbers:
                sim.exchange.restart_trade_numbers()
            quote = sim.exchange.market.quote("INFY")
            assert quote.bid is not None and quote.ask is not None
            price = quote.ask + 1 if side is Side.BUY else quote.bid - 1  # marketable: fills at once
            order = await session.submit(OrderRequest(KITE, "INFY", side, "10", OrderType.LIMIT, str(price),
                                                      product=Product.MIS))
            for _ in range(200):
                if order.status is OrderStatus.FILLED:
                    break
                await asyncio.sleep(0.02)
            assert order.status is OrderStatus.FILLED, order.reason
        position = session.portfolio.position(KITE, "INFY")  # the net: MIS only was traded
        held = Decimal(0) if position is None else position.quantity
        return [str(t["trade_id"]) for t in sim.exchange.trades], held
    finally:
        await session.close()
        journal.close()
        await sim.stop()


@pytest.mark.slow
async def test_a_fill_whose_trade_number_kite_used_the_day_before_is_booked(tmp_path: Path) -> None:
    yesterday, flat = await trading_day(tmp_path, (Side.BUY, Side.SELL))
    assert flat == 0
    today, held = await trading_day(tmp_path, (Side.BUY,))
    assert today[0] in yesterday, "the exchange numbered today's first trade as yesterday's"
    assert held == 10, "today's fill is booked: TradeTerm holds what Kite holds"
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    try:
        assert len(journal.load().fills) == 3, "every fill of both days, none twice"
    finally:
        journal.close()


@pytest.mark.slow
async def test_two_trades_of_one_day_under_one_number_are_both_booked(tmp_path: Path) -> None:
    numbers, flat = await trading_day(tmp_path, (Side.BUY, Side.SELL), restart_numbers=True)
    assert numbers[0] == numbers[1], "the exchange gave both trades one number"
    assert flat == 0, "the sell was booked too: TradeTerm is flat, as Kite is"
