"""A process killed while the fills of one commit are being shown: on restart every fill it showed is there,
with its order filled and the position it made."""

from __future__ import annotations

import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderStatus
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.e2e.fill_batch_child import ACCOUNT

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_killed_while_a_batch_of_fills_is_shown_every_fill_shown_survives_with_its_order_and_position(
    tmp_path: Path,
) -> None:
    child = subprocess.run([sys.executable, "-m", "tests.e2e.fill_batch_child", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    shown = (tmp_path / "shown").read_text().split()
    assert len(shown) >= 2, "the kill came while a commit of several fills was shown"
    session = TradingSession(EventBus(), journal := SqliteJournal(tmp_path / "journal.sqlite"))
    try:
        session.restore()
        fills = {f.trade_id: f for f in journal.load().fills}
        assert set(shown) <= set(fills)
        orders = {o.client_order_id: o for o in session.oms.orders()}
        assert all(orders[fills[t].client_order_id].status is OrderStatus.FILLED for t in shown)
        position = session.portfolio.position(ACCOUNT, "AAPL")
        assert position is not None
        assert position.quantity == sum((f.quantity.value for f in fills.values()), Decimal(0))
    finally:
        journal.close()
