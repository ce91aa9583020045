"""The drawdown over N days in the real window: set in settings, breached by a real paper trade's loss, shown in the
Trading indicator and the log; opening orders refused, closing ones sent; still held after a restart."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side, TradingState
from core.services.session import OrderRefused
from core.storage.settings import SettingsStore
from gui.widgets.main_window import MainWindow
from gui.widgets.trading_state import TradingStateWidget
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def indicator(window: MainWindow) -> TradingStateWidget:
    found = window.findChild(TradingStateWidget, "status.tradingState")
    assert found is not None
    return found


async def test_a_drawdown_over_days_beyond_its_limit_holds_the_account_to_closing_orders_across_a_restart(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path, fee_bps="50")  # 0.5% commission: a round of buying loses at once
    SettingsStore(tmp_path / "settings.json").set_risk(
        {"accounts": {"PAPER-1": {"rolling_drawdown_days": "3", "rolling_drawdown_limit": "25"}}})
    async with open_window(tmp_path) as window:
        session = window.session
        bought = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, Decimal(30), OrderType.MARKET))
        assert bought.status is OrderStatus.FILLED  # ~5,700 USD of AAPL: ~28 USD of commission and spread
        await until(lambda: session.account(ACCOUNT).trading is TradingState.REDUCING, "PAPER-1 reducing")
        reason = session.account(ACCOUNT).reason
        assert reason.startswith("Drawdown ") and "from the equity peak of the last 3 days" in reason
        assert "is beyond the 25.00 USD limit: only orders that reduce a position are allowed." in reason
        assert "1 account reducing" in indicator(window).text()
        assert reason in indicator(window).toolTip()
        assert f"PAPER-1: reducing — {reason}" in window.log_view.toPlainText()
        with pytest.raises(OrderRefused, match="may only reduce positions"):
            await session.submit(OrderRequest(ACCOUNT, "MSFT", Side.BUY, Decimal(1), OrderType.MARKET))
        sold = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, Decimal(10), OrderType.MARKET))
        assert sold.status is OrderStatus.FILLED, "closing part of the position is allowed"
    async with open_window(tmp_path, active=False) as window:
        session = window.session
        await until(lambda: session.account(ACCOUNT).trading is TradingState.REDUCING, "PAPER-1 still reducing")
        assert "from the equity peak of the last 3 days" in session.account(ACCOUNT).reason
