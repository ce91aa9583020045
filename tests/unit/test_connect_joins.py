"""A connect while another of the same account is under way joins it: one broker session, not two."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, TradingState
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")


class CountingPaper(PaperBroker):
    """The paper broker, counting the sessions it is asked to open (a Kite connect opens a session and a ticker)."""

    connects = 0

    async def connect(self) -> None:
        self.connects += 1
        await asyncio.sleep(0.05)  # the broker's login takes a while: the trader clicks Connect meanwhile
        await super().connect()


async def test_a_connect_click_during_the_starts_connect_joins_it(tmp_path: Path) -> None:
    """The start's connect and a Connect click made two Kite sessions with two tickers; after a login the old
    ticker's reconnect with the ended token failed the account again (tests/e2e/test_kite_relogin_window.py)."""
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    broker = CountingPaper(ACCOUNT, config, bus.publish)
    session.add_account(broker)
    session.restore()
    try:
        first, second = await asyncio.gather(session.connect(ACCOUNT), session.connect(ACCOUNT))
        assert broker.connects == 1, "one broker session"
        assert first is second
        assert session.account(ACCOUNT).trading is TradingState.ACTIVE
        await session.connect(ACCOUNT)  # once it is over, a connect is a new one
        assert broker.connects == 2
    finally:
        await session.close()
        session.journal.close()
