"""Child process for the cancel batch crash test: 60 resting orders, then a cancel-all, whose slices go to the
paper broker in one request each (CancelMany) and are synced and reported together; the process dies by SIGKILL
while the second slice's cancels are being shown (after some of them were shown, before the others were).

Each cancel shown (an OrderUpdated whose order is CANCELED) is written to `<data dir>/shown` before the next one
is; the process kills itself on the first cancel it shows past SHOWN_BEFORE_KILL.

Usage: python -m tests.e2e.cancel_batch_child DATA_DIR
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, OrderUpdated, Side
from core.services.bus import EventBus
from core.services.cancel_all import CANCEL_SLICE
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")
ORDERS = 60
SHOWN_BEFORE_KILL = CANCEL_SLICE + 5
"""Into the second slice: its first cancels shown, the rest of its batch not yet."""


class CountsBatches(PaperBroker):
    """The real paper broker, noting the largest request of cancels it answered."""

    largest = 0

    async def cancel_orders(self, orders: Sequence[Order]) -> None:
        CountsBatches.largest = max(CountsBatches.largest, len(orders))
        await super().cancel_orders(orders)


def paper_config(data_dir: Path) -> PaperConfig:
    return PaperConfig.from_mapping({"state_path": str(data_dir / "paper.json"), "tick_interval_s": 60})


async def main(data_dir: Path) -> None:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(data_dir / "journal.sqlite"),
                             risk=RiskConfig(RiskLimits(max_orders_per_second=1000, max_orders_per_minute=1000)))
    session.add_account(CountsBatches(ACCOUNT, paper_config(data_dir), bus.publish))
    session.restore()
    await session.connect(ACCOUNT)
    for k in range(ORDERS):  # buys under the market (inside the collar) rest
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT,
                                          str(Decimal("181.00") - Decimal("0.01") * k)))
    shown = os.open(data_dir / "shown", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    count = [0]

    def show(event: OrderUpdated) -> None:
        if event.order.status is not OrderStatus.CANCELED:
            return
        os.write(shown, f"{event.order.client_order_id}\n".encode())
        os.fsync(shown)
        count[0] += 1
        if count[0] > SHOWN_BEFORE_KILL and CountsBatches.largest > 1:
            os.kill(os.getpid(), signal.SIGKILL)

    bus.subscribe(OrderUpdated, show)
    await session.cancel_all(ACCOUNT)
    raise SystemExit("the child should have been killed")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
