"""The Working orders grid names a resting entry's stop-loss and target that TradeTerm holds: they are no order at
the broker, so they have no row, and the entry looked unprotected. Through the real window, paper broker and journal,
and across a restart."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.domain.protection import Bracket, ProtectionLeg
from tests.e2e.window_helpers import cell, open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


@pytest.mark.slow
async def test_a_resting_entrys_held_stop_and_target_show_in_its_bracket_cell_and_after_a_restart(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await until(lambda: window.bridge.bid_ask("AAPL")[0] is not None, "AAPL's quote")
        bid, _ask = window.bridge.bid_ask("AAPL")
        assert bid is not None
        below = bid - Decimal("3.00")  # rests: its children wait for its fill
        stop, target = below - Decimal("1.5"), below + Decimal("2")
        entry = await window.session.submit_bracket(
            OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=below), Bracket(stop, target))
        assert entry.status is OrderStatus.ACCEPTED
        view = window.orders_view
        key = entry.client_order_id
        await until(lambda: (window.bridge.flusher.flush_now() or True) and view.model().row_of(key) is not None,
                    "the entry in Working orders")
        assert cell(view, key, "bracket") == f"SL {stop:.2f} · TP {target:.2f} (held)"
        header = view.horizontalHeader()
        logical = [header.logicalIndex(v) for v in range(header.count())]
        headers = [view.model().headerData(i, Qt.Orientation.Horizontal) for i in logical if not view.isColumnHidden(i)]
        assert headers.index("Bracket") == headers.index("Status") + 1, "beside the status, not a scroll away"

        window.session.protection.move(key, ProtectionLeg.STOP_LOSS, stop - 1, None)
        window.bridge.flusher.flush_now()
        assert cell(view, key, "bracket") == f"SL {stop - 1:.2f} · TP {target:.2f} (held)", "a moved stop moves"
        window.session.protection.cancel_leg(key, ProtectionLeg.TAKE_PROFIT, "test")
        window.bridge.flusher.flush_now()
        assert cell(view, key, "bracket") == f"SL {stop - 1:.2f} (held)"

    async with open_window(tmp_path) as window:  # restarted: the children were restored before the window
        view = window.orders_view
        await until(lambda: (window.bridge.flusher.flush_now() or True) and view.model().row_of(key) is not None,
                    "the entry in Working orders after the restart")
        assert cell(view, key, "bracket") == f"SL {stop - 1:.2f} (held)"
