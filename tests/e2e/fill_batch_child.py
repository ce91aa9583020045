"""Child process for the fill batch crash test: ten market orders sent at once fill in one turn, their fills
share a journal commit, and the process dies by SIGKILL while that batch is being shown (after the first of
its fills was shown, before the others were).

Each fill shown (FillRecorded) is written to `<data dir>/shown` before the next one is; the process kills
itself on the first fill it shows out of a commit of several fills.

Usage: python -m tests.e2e.fill_batch_child DATA_DIR
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Fill, FillRecorded, Order, OrderEvent, OrderRequest, OrderType, Side
from core.services.bus import EventBus
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")
ORDERS = 10


class BatchJournal(SqliteJournal):
    """The real journal, noting when a commit of several fills has returned."""

    batch_committed = False

    def record_fills(self, fills: Sequence[tuple[Fill, Order | None, OrderEvent | None]]) -> list[bool]:
        recorded = super().record_fills(fills)
        BatchJournal.batch_committed = len(fills) > 1
        return recorded


def paper_config(data_dir: Path) -> PaperConfig:
    return PaperConfig.from_mapping({"state_path": str(data_dir / "paper.json"), "tick_interval_s": 60,
                                     "latency_s": 0.01})


async def main(data_dir: Path) -> None:
    bus = EventBus()
    session = TradingSession(bus, BatchJournal(data_dir / "journal.sqlite"),
                             risk=RiskConfig(RiskLimits(max_orders_per_second=100)))
    shown = os.open(data_dir / "shown", os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def show(event: FillRecorded) -> None:
        os.write(shown, f"{event.fill.trade_id}\n".encode())
        os.fsync(shown)
        if BatchJournal.batch_committed:
            os.kill(os.getpid(), signal.SIGKILL)

    bus.subscribe(FillRecorded, show)
    session.add_account(PaperBroker(ACCOUNT, paper_config(data_dir), bus.publish))
    session.restore()
    await session.connect(ACCOUNT)
    await asyncio.gather(*(session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, str(k), OrderType.MARKET))
                           for k in range(1, ORDERS + 1)))
    raise SystemExit("the child should have been killed")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
