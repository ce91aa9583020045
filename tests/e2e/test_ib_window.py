"""Connect an Interactive Brokers account from the window (TWS simulator on 127.0.0.1) and trade it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox, QWidget

from core.domain import AccountId, OrderStatus
from tests.e2e.window_helpers import open_window, until, write_paper_settings
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors

IB = AccountId("IB-7")


@pytest.mark.slow
async def test_connect_ib_from_the_connections_dialog_then_buy_from_the_ticket(tmp_path: Path) -> None:
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
                status = panel.findChild(QLabel, "ibConnectionPanel.status").text()
                assert "connected" in status.lower()
                assert window.findChild(QLabel, "accountsPanel.state.IB-7") is not None
                assert "active" in window.findChild(QLabel, "status.account.IB-7").text()
                saved = [a for a in window.settings.accounts() if a.id == str(IB)]
                assert saved and saved[0].kind == "ib" and saved[0].settings["port"] == simulator.port

                ticket = window.ticket
                ticket.findChild(QComboBox, "orderTicket.accountCombo").setCurrentText(str(IB))
                symbol = ticket.findChild(QLineEdit, "orderTicket.symbolEdit")
                symbol.setText("AAPL")
                ticket.findChild(QComboBox, "orderTicket.typeCombo").setCurrentIndex(0)  # MKT
                quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
                quantity.setText("10")
                ticket.set_confirm_required(False)
                QTest.keyClick(quantity, Qt.Key.Key_Return)
                await until(lambda: window.session.portfolio.position(IB, "AAPL") is not None
                            and window.session.portfolio.position(IB, "AAPL").quantity == Decimal(10),
                            "the IB position of 10 AAPL")
                (order,) = [o for o in window.session.oms.orders(IB)]
                assert order.status is OrderStatus.FILLED and order.broker_order_id is not None
                await until(lambda: window.bridge.fills.rowCount() == 1, "the IB fill in the fills grid")
                assert window.findChild(QMessageBox, "reconciliationDialog") is None
                window.findChild(QWidget, "connectionsDialog").grab().save(str(tmp_path / "connections.png"))
                window.bridge.flusher.flush_now()
                window.grab().save(str(tmp_path / "window-with-ib.png"))
    finally:
        await simulator.stop()
