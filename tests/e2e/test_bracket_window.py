"""Through the real window on the paper account: a bracket from the ticket, its held stop shown in the positions
grid with the held badge, then the stop touched on the account's feed closes the position and the target is
cancelled."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableView

from core.domain import OrderOrigin, OrderStatus, Quote
from core.domain.protection import HELD_BADGE, HeldState
from tests.e2e.window_helpers import cell, click_cell, open_window, until, write_paper_settings


@pytest.mark.slow
async def test_a_bracket_from_the_ticket_is_held_shown_and_stopped_out(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        positions = window.findChild(QTableView, "positionsView")
        await until(lambda: window.session.account_ids() and window.bridge.bid_ask("AAPL")[1] is not None
                    and window.bridge.quotes.row_of("AAPL") is not None, "AAPL quotes")
        account = window.session.account_ids()[0]
        await until(lambda: window.session.account(account).trading.value == "ACTIVE", "an active account")
        _, ask = window.bridge.bid_ask("AAPL")
        assert ask is not None
        window.ticket.set_confirm_required(True)
        click_cell(watchlist, "AAPL", "ask")
        ticket = window.ticket
        quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        quantity.clear()
        QTest.keyClicks(quantity, "100")
        stop, target = ask - Decimal("2.00"), ask + Decimal("3.00")
        QTest.keyClicks(ticket.findChild(QLineEdit, "orderTicket.stopLossEdit"), str(stop))
        QTest.keyClicks(ticket.findChild(QLineEdit, "orderTicket.takeProfitEdit"), str(target))
        risk = ticket.findChild(QLabel, "orderTicket.tradeRiskLabel").text()
        assert risk.startswith("Risk if stopped: 200.00 USD")  # before anything is sent
        assert risk.endswith("Held by TradeTerm (works only while it runs).")
        QTest.keyClick(quantity, Qt.Key.Key_Return)
        await until(lambda: ticket.confirm_dialog is not None, "the confirm")
        dialog = ticket.confirm_dialog
        said = dialog.findChild(QLabel, "orderTicket.confirmDialog.protection")
        assert said is not None, "the confirm says what goes with the entry"
        assert said.text() == (f"With it: a stop-loss SELL 100 at {stop} and a take-profit SELL 100 at {target}, "
                               "armed as the entry fills. Held by TradeTerm (works only while it runs).")
        dialog.findChild(QPushButton, "orderTicket.confirmDialog.sendButton").click()

        key = (account, "AAPL")
        await until(lambda: window.bridge.positions.row_of(key) is not None
                    and cell(positions, key, "quantity") == "100", "the AAPL position")
        await until(lambda: HELD_BADGE in cell(positions, key, "protection"), "the held protection in the grid")
        assert f"SL {stop} ×100" in cell(positions, key, "protection")

        window.session.bus.publish_quotes([Quote("AAPL", bid=stop - Decimal("0.01"), ask=stop, source=account)])
        await until(lambda: any(o.origin is OrderOrigin.PROTECTIVE and o.status is OrderStatus.FILLED
                                for o in window.session.oms.orders(account)), "the stop's fill")
        assert window.session.portfolio.position(account, "AAPL").quantity == 0
        assert {c.state for c in window.session.protection.children(account)} == {HeldState.TRIGGERED,
                                                                                  HeldState.CANCELED}
