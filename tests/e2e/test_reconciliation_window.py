"""Books that differ from the broker's: the account halts, the trader sees why and can adopt the broker's state."""

from __future__ import annotations

import getpass
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QListWidget, QPushButton, QTableView, QWidget

from core.domain import AccountId, OrderRequest, OrderType, Side
from core.ports.errors import BrokerError
from tests.e2e.window_helpers import cell, model_of, open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


async def test_a_position_the_broker_lost_halts_the_account_until_the_trader_adopts_the_broker_state(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await window.session.submit(OrderRequest(ACCOUNT, "MSFT", Side.BUY, "30", OrderType.MARKET))
    (tmp_path / "paper" / "PAPER-1.json").unlink()  # the broker's books no longer hold the position

    async with open_window(tmp_path, active=False) as window:
        await until(lambda: window.findChild(QWidget, "reconciliationDialog") is not None, "the reconciliation view")
        dialog = window.findChild(QWidget, "reconciliationDialog")
        lines = dialog.findChild(QListWidget, "reconciliation.differences")
        assert [lines.item(i).text() for i in range(lines.count())] == [
            "MSFT: TradeTerm has 30, the broker has 0"
        ]
        assert window.session.account(ACCOUNT).trading.value == "HALTED"
        try:
            await window.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "1", OrderType.MARKET))
            raise AssertionError("an order went through a halted account")
        except BrokerError:
            raise
        except Exception as refused:
            assert "halted" in str(refused).lower()

        QTest.mouseClick(dialog.findChild(QPushButton, "reconciliation.acceptButton"), Qt.MouseButton.LeftButton)
        await until(lambda: window.session.account(ACCOUNT).trading.value == "ACTIVE", "the account to resume")
        position = window.session.portfolio.position(ACCOUNT, "MSFT")
        assert position is not None and position.quantity == Decimal(0)
        # Nothing was executed: the fills grid and the toast say it was an adjustment, not a SELL at the broker.
        fills = window.findChild(QTableView, "fillsView")
        await until(lambda: any("ADJ-" in str(key) for key in model_of(fills).row_keys()), "the adjustment row")
        (adjustment,) = [key for key in model_of(fills).row_keys() if "ADJ-" in str(key)]
        assert cell(fills, adjustment, "side") == "SELL adj."
        side = [column.key for column in model_of(fills).columns].index("side")
        assert fills.columnWidth(side) >= fills.fontMetrics().horizontalAdvance("SELL adj.") + 8, (
            "the whole of it shows, not SE…j.")
        toast = window.findChild(QLabel, "toast")
        await until(lambda: toast is not None and toast.text().startswith("Adjustment (the broker's position "
                                                                           "adopted, nothing executed): SELL 30 MSFT"),
                    f"the toast to say adjustment, not {toast.text() if toast else None!r}")
        said = [record.getMessage() for record in caplog.records]
        assert any("adopted the broker's positions" in line for line in said), said
        assert not any("did not place" in line for line in said), "an adoption is not a foreign order's fill"
    with sqlite3.connect(f"file:{tmp_path / 'journal.sqlite'}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT actor, action, detail FROM audit WHERE action = 'accept broker state'").fetchall()
    conn.close()
    assert len(rows) == 1 and rows[0][0] == getpass.getuser() and "MSFT: 30 -> 0" in rows[0][2]


async def test_a_reconnect_while_halted_lists_its_differences_in_the_one_dialog_and_adopting_closes_it(
    tmp_path: Path,
) -> None:
    """Each reconnect of a halted account reconciles again: one dialog for the account, not one more under it that
    is still there, listing a difference, after the trader has adopted the broker's positions in the top one."""
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await window.session.submit(OrderRequest(ACCOUNT, "MSFT", Side.BUY, "30", OrderType.MARKET))
    (tmp_path / "paper" / "PAPER-1.json").unlink()

    async with open_window(tmp_path, active=False) as window:
        def shown() -> list[QWidget]:
            return [w for w in window.findChildren(QWidget, "reconciliationDialog") if w.isVisible()]

        await until(lambda: len(shown()) == 1, "the reconciliation view")
        await window.session.disconnect(ACCOUNT)
        await window.session.connect(ACCOUNT)  # reconciled again: the same difference
        await until(lambda: window.session.account(ACCOUNT).connection.value == "CONNECTED", "the reconnect")
        (dialog,) = shown()
        lines = dialog.findChild(QListWidget, "reconciliation.differences")
        assert [lines.item(i).text() for i in range(lines.count())] == ["MSFT: TradeTerm has 30, the broker has 0"]
        QTest.mouseClick(dialog.findChild(QPushButton, "reconciliation.acceptButton"), Qt.MouseButton.LeftButton)
        await until(lambda: window.session.account(ACCOUNT).trading.value == "ACTIVE", "the account to resume")
        await until(lambda: shown() == [], "no reconciliation view left open")
