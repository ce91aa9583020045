"""A journal written by an earlier release opens in this one with its books whole: positions, working orders and
the held stop-loss and take-profit (tests/fixtures/journal_d255f90, written by build_old_journal.py at d255f90).

Adding a field to a journaled value once made every existing journal unreadable ("instrument: missing field(s)
margin_rate") and the window would not start; this keeps any such change honest."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, OrderStatus, OrderType, Side
from core.domain.protection import ProtectionLeg
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")
RELEASE = Path(__file__).parents[1] / "fixtures" / "journal_d255f90"


async def test_the_d255f90_journal_opens_with_its_positions_orders_and_held_protection(tmp_path: Path) -> None:
    assert (RELEASE / "journal.sqlite").is_file(), f"the release's journal is missing from {RELEASE}"
    shutil.copytree(RELEASE, tmp_path / "data")
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "data" / "journal.sqlite"))
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "data" / "paper.json"), "tick_interval_s": 60})
    session.add_account(PaperBroker(ACCOUNT, config, bus.publish))
    try:
        session.restore()
        positions = {p.symbol: p.quantity for p in session.portfolio.positions() if not p.is_flat}
        assert positions == {"AAPL": Decimal(7), "SPY": Decimal(2)}
        working = sorted((o.symbol, o.side, o.order_type, o.quantity.value) for o in session.oms.orders()
                         if o.status is OrderStatus.ACCEPTED or o.is_working)
        assert ("MSFT", Side.BUY, OrderType.LIMIT, Decimal(5)) in working
        legs = {c.leg for c in session.view.held_children(ACCOUNT, "SPY")}
        assert legs == {ProtectionLeg.STOP_LOSS, ProtectionLeg.TAKE_PROFIT}
        await session.connect(ACCOUNT)
        assert {p.symbol: p.quantity for p in session.portfolio.positions() if not p.is_flat} == positions, \
            "the paper broker's books agree after the reconcile"
    finally:
        await session.close()
        session.journal.close()
