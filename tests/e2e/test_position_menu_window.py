"""Through the real window: right-click a position to close it on the ticket or to flatten it alone at market."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Position, Side
from gui.models.table_model import RawRole
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def row_of(window: object, symbol: str) -> QModelIndex:
    model = window.positions_view.model()  # type: ignore[attr-defined]
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        position = index.data(RawRole)
        if isinstance(position, Position) and position.symbol == symbol:
            return index
    raise AssertionError(f"no {symbol} row in the positions grid")


async def test_flatten_from_a_positions_menu_closes_that_position_only_after_asking(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        session = window.session
        for symbol, qty in (("AAPL", "10"), ("MSFT", "5")):
            order = await session.submit(OrderRequest(ACCOUNT, symbol, Side.BUY, qty, OrderType.MARKET))
            assert order.status is OrderStatus.FILLED
        await until(lambda: window.positions_view.model().rowCount() == 2, "two position rows")

        menu = window.position_menu.build(row_of(window, "AAPL"))
        assert menu is not None
        assert [a.text() for a in menu.actions()] == ["Close long 10 AAPL on PAPER-1 on the ticket",
                                                      "Flatten AAPL on PAPER-1 at market…"]
        flatten = next(a for a in menu.actions() if a.objectName() == "positionMenu.flatten")
        flatten.trigger()
        await until(lambda: window.findChild(QMessageBox, "flattenPositionConfirmDialog") is not None, "the confirm")
        box = window.findChild(QMessageBox, "flattenPositionConfirmDialog")
        assert "PAPER-1  long 10 AAPL" in box.text() and "MSFT" not in box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel), "Enter does not flatten"
        assert session.portfolio.position(ACCOUNT, "AAPL").quantity == 10, "nothing sent before the answer"
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

        await until(lambda: session.portfolio.position(ACCOUNT, "AAPL").quantity == Decimal(0), "AAPL to close")
        assert session.portfolio.position(ACCOUNT, "MSFT").quantity == 5, "the other position stays"


async def test_close_from_a_positions_menu_puts_the_close_on_the_ticket(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        session = window.session
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "3", OrderType.MARKET))
        await until(lambda: window.positions_view.model().rowCount() == 1, "the position row")
        menu = window.position_menu.build(row_of(window, "AAPL"))
        assert menu is not None and menu.actions()[0].text() == "Close short 3 AAPL on PAPER-1 on the ticket"
        menu.actions()[0].trigger()
        assert window.ticket.current_symbol() == "AAPL"
        assert window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit").text() == "3"
        assert "Close short 3 AAPL on PAPER-1" in window.ticket.findChild(QLabel, "orderTicket.intentLabel").text()
