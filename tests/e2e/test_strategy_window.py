"""A strategy gets its token from the panel, posts an order; it waits for the trader, who approves it; it fills."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QTableView

from core.domain import AccountId, OrderStatus
from core.strategy_client.client import ApiRefused, TradeTermClient
from gui.controllers.strategies import StrategySetup
from gui.widgets.api_token_panel import ApiTokenPanel
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")
RETIRED_TOKEN = "old-shared-token-0123456789abcdef"


@pytest.mark.slow
async def test_a_strategy_order_waits_for_approval_then_fills(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADETERM_API_TOKEN", RETIRED_TOKEN)  # the retired shared token lets nobody in
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        setup = next(o for o in window.keep_alive if isinstance(o, StrategySetup))
        await until(lambda: setup.server is not None and setup.server.port != 0, "the strategy API to listen")
        assert setup.server is not None
        panel = window.findChild(ApiTokenPanel, "apiTokenPanel")
        QTest.keyClicks(panel.findChild(QLineEdit, "apiToken.nameEdit"), "mean-revert")
        QTest.mouseClick(panel.findChild(QPushButton, "apiToken.createButton"), Qt.MouseButton.LeftButton)
        panel.select("mean-revert")
        QTest.mouseClick(panel.findChild(QPushButton, "apiToken.copyButton"), Qt.MouseButton.LeftButton)
        token = QApplication.clipboard().text()
        assert len(token) >= 32 and token not in (tmp_path / "settings.json").read_text(encoding="utf-8")
        client = TradeTermClient(setup.server.url, token, account=str(ACCOUNT))
        _, ask = window.bridge.bid_ask("MSFT")
        assert ask is not None
        answer = await asyncio.to_thread(client.submit, "MSFT", "BUY", "15", "LMT", str(ask + Decimal("0.05")))
        assert answer["status"] == "PENDING_APPROVAL"
        order = window.session.oms.get(answer["client_order_id"])
        assert order is not None and order.status is OrderStatus.PENDING_APPROVAL
        assert order.strategy_id == "mean-revert"
        snapshot = await window.session.account(ACCOUNT).adapter.snapshot()
        assert snapshot.orders == (), "nothing reaches the broker before a person approves"

        view = window.findChild(QTableView, "approvalsView")
        await until(lambda: view.model().rowCount() == 1, "the order in the approval queue")
        view.selectRow(0)
        QTest.mouseClick(window.findChild(QPushButton, "approvalQueue.approveButton"), Qt.MouseButton.LeftButton)
        await until(lambda: order.status is OrderStatus.FILLED, "the approved order to fill")
        await until(lambda: view.model().rowCount() == 0, "the queue to empty")
        status = await asyncio.to_thread(client.status, answer["client_order_id"])
        assert status["status"] == "FILLED"
        unauthorized = TradeTermClient(setup.server.url, "wrong-token", strategy="mean-revert")
        with pytest.raises(Exception, match=r"401|token"):
            await asyncio.to_thread(unauthorized.submit, "MSFT", "BUY", "1", "MKT")
        retired = TradeTermClient(setup.server.url, RETIRED_TOKEN, strategy="mean-revert")
        with pytest.raises(ApiRefused) as refused:
            await asyncio.to_thread(retired.submit, "MSFT", "BUY", "1", "MKT")
        assert refused.value.status == 401 and refused.value.code == "token_retired"


def test_an_api_port_in_the_settings_that_is_no_tcp_port_is_refused_before_anything_opens(tmp_path: Path) -> None:
    """A port the API could never listen on is a settings error like any other: named, and nothing is started."""
    from core.storage.settings import SettingsError, SettingsStore
    from gui.app import create_main_window

    write_paper_settings(tmp_path)
    store = SettingsStore(tmp_path / "settings.json")
    store.save({**store.load(), "api_port": 70000})
    with pytest.raises(SettingsError, match=r"settings\.json: api_port: .*got 70000"):
        create_main_window(tmp_path, "paper")
    assert not (tmp_path / "journal.sqlite").exists()


async def test_auto_approve_set_in_the_settings_file_is_announced_and_shown_in_the_approvals_dock(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QLabel

    from core.domain import LogMessage
    from core.storage.settings import SettingsStore
    from gui.app import create_main_window

    write_paper_settings(tmp_path)
    store = SettingsStore(tmp_path / "settings.json")
    store.save({**store.load(), "strategies": {
        "momo": {"activated_at": datetime.now(UTC).isoformat(), "auto_approve": True},
        "calm": {"activated_at": datetime.now(UTC).isoformat()},
    }})
    window = create_main_window(tmp_path, "paper", api_port=0)
    said: list[LogMessage] = []
    window.session.bus.subscribe(LogMessage, said.append)
    window.show()
    try:
        await until(lambda: any("Auto-approve is ON" in m.text for m in said), "the auto-approve warning")
        (warning,) = [m for m in said if "Auto-approve is ON" in m.text]
        assert warning.level == "WARNING" and "momo" in warning.text and "calm" not in warning.text
        label = window.findChild(QLabel, "approvalQueue.autoApproveLabel")
        assert label is not None and not label.isHidden()
        assert "momo" in label.text() and "calm" not in label.text()
    finally:
        window.close()
        await window.shutdown()
