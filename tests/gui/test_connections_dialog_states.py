"""The Connect dialog's account list keeps its height whatever a state says: the tabs under it never move."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from core.domain import AccountId, ConnectionState, TradingState
from core.services.session_view import AccountStatus
from gui.dialogs.connections import ConnectionsDialog

KITE = AccountId("KITE-1")
LONG = ("No Kite API key yet: in Connect account… > Zerodha Kite enter your API key and secret, press Save keys, "
        "then Log in.")


def test_a_long_reason_that_clears_does_not_move_the_tabs(qtbot: QtBot) -> None:
    dialog = ConnectionsDialog()
    qtbot.addWidget(dialog)
    dialog.add_panel("Zerodha Kite", QWidget())
    dialog.resize(560, 500)
    dialog.show()
    qtbot.waitExposed(dialog)
    tabs = dialog.findChild(QTabWidget, "connections.tabs")
    dialog.show_states([AccountStatus(KITE, "kite", ConnectionState.FAILED, TradingState.HALTED, LONG, True)])
    qtbot.wait(10)
    failed_at = tabs.mapTo(dialog, tabs.rect().topLeft()).y()
    state = dialog.findChild(QLabel, f"connections.state.{KITE}")
    assert LONG in state.text() and LONG in state.toolTip() and state.property("error") is True
    dialog.show_states([AccountStatus(KITE, "kite", ConnectionState.CONNECTED, TradingState.ACTIVE, "", False)])
    qtbot.wait(10)
    assert tabs.mapTo(dialog, tabs.rect().topLeft()).y() == failed_at, "the tabs stayed where the trader aims"
