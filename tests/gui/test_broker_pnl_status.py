"""The broker's own P&L for an account shows in that account's status-bar label."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QLabel

from core.domain import AccountId, BrokerPnl
from gui.app import create_main_window


async def test_account_daily_pnl_from_the_broker_shows_in_the_status_bar(tmp_path: Path) -> None:
    window = create_main_window(tmp_path, connect=False)
    try:
        window.session.bus.publish(BrokerPnl(AccountId("PAPER-1"), "AAPL", Decimal("5"), None, None))
        label = window.findChild(QLabel, "status.account.PAPER-1")
        assert "broker day" not in label.text(), "a per-symbol figure is not the account's"
        window.session.bus.publish(BrokerPnl(AccountId("PAPER-1"), None, Decimal("-1234.5"), Decimal("10"), None))
        assert "broker day -1,234.50" in label.text()
    finally:
        window.close()
        await window.shutdown()
