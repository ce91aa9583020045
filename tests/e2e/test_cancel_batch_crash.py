"""A process killed while the cancels of one paper request (a cancel-all's slice, CancelMany) are being shown: on
restart every cancel it showed is cancelled at the broker and in the window, and nothing was sent twice."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.domain import OrderPendingCancel, OrderStatus
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.e2e.cancel_batch_child import ACCOUNT, ORDERS, SHOWN_BEFORE_KILL, paper_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
async def test_killed_while_a_batch_of_cancels_is_shown_every_cancel_shown_stays_cancelled_none_sent_twice(
    tmp_path: Path,
) -> None:
    child = subprocess.run([sys.executable, "-m", "tests.e2e.cancel_batch_child", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    shown = (tmp_path / "shown").read_text().split()
    assert len(shown) == SHOWN_BEFORE_KILL + 1, "the kill came while a batch of cancels was shown"
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    broker = PaperBroker(ACCOUNT, paper_config(tmp_path), bus.publish)
    session.add_account(broker)
    session.restore()
    try:
        await session.connect(ACCOUNT)
        at_broker = (await broker.snapshot()).orders
        assert Counter(o.client_order_id for o in at_broker).most_common(1)[0][1] == 1
        assert len(at_broker) == ORDERS, "every order reached the broker once"
        status = {str(o.client_order_id): o.status for o in at_broker}
        assert all(status[c] is OrderStatus.CANCELED for c in shown), "what was shown cancelled stays cancelled"
        orders = {str(o.client_order_id): o for o in session.oms.orders()}
        assert len(orders) == ORDERS
        assert all(orders[c].status is OrderStatus.CANCELED for c in shown)
        assert all(sum(isinstance(e, OrderPendingCancel) for e in orders[c].events) == 1 for c in shown), \
            "no cancel was asked twice"
        assert {c for c, o in orders.items() if o.is_working} == {c for c, s in status.items()
                                                                  if s is not OrderStatus.CANCELED}
    finally:
        await session.close()
        session.journal.close()
