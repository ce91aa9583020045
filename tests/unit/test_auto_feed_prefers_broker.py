"""A watchlist row on auto shows a broker's market, not the paper market's, whichever account quoted first.

The paper account simulates INFY too. A Kite trader whose paper account connected first saw INFY on auto priced
from the simulation (the first feed that quoted it). A real session and a real, ticking paper broker; the second
feed's quotes come on the session's bus, as every adapter's do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Instrument, Quote
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

PAPER = AccountId("PAPER-1")
NSE = Instrument("INFY", "NSE", "INR", Decimal("0.05"), name="Infosys Ltd.")
D = Decimal


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[TradingSession]:
    bus = EventBus()
    made = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    config = PaperConfig(tick_interval_s=0.01, state_path=str(tmp_path / "paper.json"))
    made.add_account(PaperBroker(PAPER, config, bus.publish, instruments=[NSE], start_prices={"INFY": D("1519.70")}))
    made.restore()
    await made.connect(PAPER)
    yield made
    await made.close()
    made.journal.close()


async def paper_quoted(session: TradingSession) -> None:
    for _ in range(200):
        if session.quotes.quote_of("INFY", str(PAPER)) is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the paper market never quoted INFY")


async def test_a_brokers_feed_takes_the_auto_row_from_the_paper_market(session: TradingSession) -> None:
    shown = session.quotes.conflate(lambda: None)  # what a watchlist row on auto reads
    await paper_quoted(session)
    assert session.view.first_feed("INFY") == str(PAPER)
    session.bus.publish(Quote("INFY", bid=D("1523.30"), ask=D("1523.35"), source="KITE-1"))
    shown.take()
    await asyncio.sleep(0.1)  # the paper market ticks on
    assert session.view.first_feed("INFY") == "KITE-1"
    quote = shown.take().get("INFY")
    assert quote is None or quote.source == "KITE-1", "the paper market's ticks still reach the auto row"
    session.bus.publish(Quote("INFY", bid=D("1523.40"), source="KITE-1"))
    quote = shown.take()["INFY"]
    assert (quote.source, quote.bid, quote.ask) == ("KITE-1", D("1523.40"), D("1523.35"))
    assert session.quotes.latest("INFY", str(PAPER)).source == str(PAPER)  # type: ignore[union-attr]


async def test_a_brokers_feed_that_quoted_first_keeps_the_auto_row(session: TradingSession) -> None:
    session.bus.publish(Quote("TCS", bid=D("3900.00"), ask=D("3900.05"), source="KITE-1"))
    session.bus.publish(Quote("TCS", bid=D("150.00"), ask=D("150.02"), source="IB-1"))
    assert session.view.first_feed("TCS") == "KITE-1", "one broker's feed never takes another's row"
