"""Through the real window on an IB account (TWS simulator): a bracket from the ticket goes to IB as a native
bracket; the entry fills, IB's stop fills and IB cancels the target; our books follow IB's reports."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox, QTableView, QWidget

from core.domain import AccountId, OrderOrigin, OrderStatus
from core.services.native_bracket import NATIVE_BADGE
from tests.e2e.window_helpers import cell, open_window, until, write_paper_settings
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors

IB = AccountId("IB-7")


@pytest.mark.slow
async def test_a_bracket_from_the_ticket_is_native_at_ib_and_stopped_out_there(tmp_path: Path) -> None:
    simulator = TwsSimulator(tick_interval_s=0.05)
    await simulator.start()
    write_paper_settings(tmp_path)
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                window.findChild(QAction, "action.connections").trigger()
                await until(lambda: window.findChild(QWidget, "ibConnectionPanel") is not None, "the IB panel")
                panel = window.findChild(QWidget, "ibConnectionPanel")
                preset = panel.findChild(QComboBox, "ibConnectionPanel.portPreset")
                preset.setCurrentIndex(preset.count() - 1)  # Custom
                panel.findChild(QSpinBox, "ibConnectionPanel.port").setValue(simulator.port)
                panel.findChild(QSpinBox, "ibConnectionPanel.clientId").setValue(7)
                QTest.mouseClick(panel.findChild(QPushButton, "ibConnectionPanel.connectButton"),
                                 Qt.MouseButton.LeftButton)
                await until(lambda: IB in window.session.account_ids()
                            and window.session.account(IB).trading.value == "ACTIVE", "IB-7 to be active")
                await until(lambda: (q := window.session.quotes.latest("AAPL", IB)) is not None
                            and q.ask is not None, "IB's AAPL quote")
                quote = window.session.quotes.latest("AAPL", IB)
                assert quote is not None and quote.ask is not None
                stop, target = quote.ask - Decimal("5.00"), quote.ask + Decimal("5.00")

                ticket = window.ticket
                ticket.findChild(QComboBox, "orderTicket.accountCombo").setCurrentText(str(IB))
                ticket.findChild(QLineEdit, "orderTicket.symbolEdit").setText("AAPL")
                ticket.findChild(QComboBox, "orderTicket.typeCombo").setCurrentIndex(0)  # MKT
                quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
                quantity.setText("10")
                QTest.keyClicks(ticket.findChild(QLineEdit, "orderTicket.stopLossEdit"), str(stop))
                QTest.keyClicks(ticket.findChild(QLineEdit, "orderTicket.takeProfitEdit"), str(target))
                risk = ticket.findChild(QLabel, "orderTicket.tradeRiskLabel").text()
                assert risk.endswith("Held at the broker (works while TradeTerm is closed)."), risk
                ticket.set_confirm_required(False)
                QTest.keyClick(quantity, Qt.Key.Key_Return)

                await until(lambda: (p := window.session.portfolio.position(IB, "AAPL")) is not None
                            and p.quantity == Decimal(10), "the IB position of 10 AAPL")
                children = [o for o in window.session.oms.orders(IB) if o.origin is OrderOrigin.PROTECTIVE]
                assert len(children) == 2, "the stop and the target are orders of the account, at IB"
                ib_stop = simulator.book.find_by_ref(str(next(o for o in children if o.stop_price is not None)
                                                         .client_order_id))
                assert ib_stop is not None and ib_stop.parent_id != 0, "attached to the entry at IB"
                assert window.session.protection.children(IB) == [], "nothing is held by TradeTerm"
                await until(lambda: all(o.status is OrderStatus.ACCEPTED for o in children), "IB's children")
                key = (IB, "AAPL")
                grid = window.findChild(QTableView, "positionsView")
                await until(lambda: window.bridge.positions.row_of(key) is not None
                            and NATIVE_BADGE in cell(grid, key, "protection"), "the protection in the grid")
                assert f"SL {stop} ×10" in cell(grid, key, "protection")
                assert f"TP {target} ×10" in cell(grid, key, "protection")

                simulator.fill_order(ib_stop, stop)
                await until(lambda: (p := window.session.portfolio.position(IB, "AAPL")) is not None
                            and p.quantity == 0, "the stop to close the position")
                await until(lambda: sorted(o.status for o in children) == sorted(
                    [OrderStatus.FILLED, OrderStatus.CANCELED]), "IB to cancel the target")
    finally:
        await simulator.stop()
