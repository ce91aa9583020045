"""A strategy posts an order to the running terminal; it waits for the trader, who approves it; it fills."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QTableView

from core.domain import AccountId, OrderStatus
from core.strategy_client.client import TradeTermClient
from gui.strategy_setup import StrategySetup
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")
TOKEN = "test-token-0123456789abcdef"


@pytest.mark.slow
async def test_a_strategy_order_waits_for_approval_then_fills(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADETERM_API_TOKEN", TOKEN)
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        setup = next(o for o in window.keep_alive if isinstance(o, StrategySetup))
        await until(lambda: setup.server is not None and setup.server.port != 0, "the strategy API to listen")
        assert setup.server is not None
        client = TradeTermClient(setup.server.url, TOKEN, strategy="mean-revert", account=str(ACCOUNT))
        _, ask = window.bridge.bid_ask("MSFT")
        assert ask is not None
        answer = await asyncio.to_thread(client.submit, "MSFT", "BUY", "15", "LMT", str(ask + Decimal("0.05")))
        assert answer["status"] == "PENDING_APPROVAL"
        order = window.session.oms.get(answer["client_order_id"])
        assert order is not None and order.status is OrderStatus.PENDING_APPROVAL
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
