"""The ticket in the real window, as a trader's first hour found it: nothing moves, no stray keys, digits only."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QTableView, QWidget

from tests.e2e.window_helpers import click_cell, open_window, until, until_row, write_paper_settings


def ticket_edit(window: QWidget, name: str) -> QLineEdit:
    edit = window.findChild(QLineEdit, f"orderTicket.{name}")
    assert edit is not None, name
    return edit


@pytest.mark.slow
async def test_a_click_on_a_watchlist_symbol_leaves_the_keys_with_the_watchlist(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until_row(watchlist, "AAPL")
        quantity = ticket_edit(window, "quantityEdit")
        QTest.keyClicks(quantity, "300")
        click_cell(watchlist, "AAPL", "symbol")
        await until(lambda: ticket_edit(window, "symbolEdit").text() == "AAPL", "the ticket to take AAPL")
        assert QApplication.focusWidget() is not quantity
        QTest.keyClick(QApplication.focusWidget() or watchlist, Qt.Key.Key_Down)
        QTest.keyClicks(QApplication.focusWidget() or watchlist, "7")
        assert quantity.text() == "300", "keys typed after a symbol click never reach the quantity"
        click_cell(watchlist, "AAPL", "ask")
        assert QApplication.focusWidget() is quantity, "a click on a price still readies the quantity"


@pytest.mark.slow
async def test_the_tickets_fields_stay_put_while_errors_risk_and_results_come_and_go(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        ticket = window.ticket
        names = ("quantityEdit", "limitPriceEdit", "stopPriceEdit", "tifCombo", "accountCombo", "sendButton")

        def where() -> dict[str, object]:
            return {name: ticket.findChild(QWidget, f"orderTicket.{name}").mapTo(window, ticket.rect().topLeft())
                    for name in names}

        before = where()
        QTest.keyClicks(ticket_edit(window, "symbolEdit"), "AAPL")
        QTest.keyClicks(ticket_edit(window, "quantityEdit"), "0")
        limit = ticket_edit(window, "limitPriceEdit")
        limit.selectAll()
        QTest.keyClicks(limit, "1.003")
        error = ticket.findChild(QLabel, "orderTicket.limitPriceError")
        await until(lambda: error.isVisible() and error.text(), "the limit's error while typing")
        assert where() == before, "an error appeared and moved the fields under it"
        quantity = ticket_edit(window, "quantityEdit")
        quantity.selectAll()
        QTest.keyClicks(quantity, "1000000x")
        quantity_error = ticket.findChild(QLabel, "orderTicket.quantityError")
        await until(lambda: quantity_error.text().startswith("'1000000x' is not a number"), "the quantity's error")
        assert quantity.text() == "1000000x", "kept as typed, never a number of another size"
        assert where() == before, "the quantity's error moved the fields under it"
        quantity.selectAll()
        QTest.keyClicks(quantity, "1000000")
        limit.selectAll()
        QTest.keyClicks(limit, "190.00")
        risk = ticket.findChild(QLabel, "orderTicket.riskLabel")
        await until(lambda: risk.text().startswith("Risk would refuse"), "risk's verdict on a huge order")
        assert where() == before, "risk's line moved the send button"
