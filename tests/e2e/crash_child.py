"""Child process for the crash tests: journal an order, then die by SIGKILL before or after sending it,
or (cancel) place a resting order, journal its cancel and die before the cancel reaches the broker,
or (modify_before / modify_after) place a resting BUY LMT 10 @ 181.00, journal its change to 20 @ 180.50
and die just before the change reaches the broker, or just after the broker applied it (its answer lost).

Usage: python -m tests.e2e.crash_child DATA_DIR before|after|cancel|modify_before|modify_after
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Event, Order, OrderRequest, OrderType, Price, Quantity, Side
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")


class DiesAroundSend(PaperBroker):
    """The real paper broker, with a process that dies just before or just after the order reaches it,
    or (cancel) just before its cancel does."""

    moment = "before"
    answers_lost = False

    async def submit(self, order: Order) -> None:
        if self.moment == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        await super().submit(order)
        if self.moment == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    async def cancel(self, order: Order) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        if self.moment == "modify_after":
            DiesAroundSend.answers_lost = True
            await super().modify(order, quantity, limit_price, stop_price)
        os.kill(os.getpid(), signal.SIGKILL)


def paper_config(data_dir: Path) -> PaperConfig:
    return PaperConfig.from_mapping({"state_path": str(data_dir / "paper.json"), "tick_interval_s": 60})


async def main(data_dir: Path, moment: str) -> None:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(data_dir / "journal.sqlite"))
    DiesAroundSend.moment = moment
    delivering = [True]

    def sink(event: Event) -> None:
        if delivering[0] and not DiesAroundSend.answers_lost:
            bus.publish(event)

    broker = DiesAroundSend(ACCOUNT, paper_config(data_dir), sink)
    session.add_account(broker)
    session.restore()
    await session.connect(ACCOUNT)
    # The events of the paper broker are reported inside submit(); drop them for "after" so the
    # journal holds only the intent, as when a process dies before the acknowledgement is processed.
    delivering[0] = moment != "after"
    if moment == "cancel":  # a buy under the market (inside the collar) rests; its cancel is journaled, then the kill
        order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, "181.00"))
        await session.cancel(order.client_order_id)
    if moment.startswith("modify"):
        order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, "181.00"))
        await session.modify(order.client_order_id, "20", "180.50")
    await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.MARKET))
    raise SystemExit("the child should have been killed")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
