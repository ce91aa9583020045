"""CoreBridge's signals carry the domain's types: an AccountId (None for every account) and the state enums."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from core.domain import (
    AccountId,
    BrokerPnl,
    ConnectionChanged,
    ConnectionState,
    ReconciliationRequired,
    TradingState,
    TradingStateChanged,
)
from core.services.bus import EventBus
from core.services.quote_cache import QuoteCache
from gui.bridge import CoreBridge
from gui.widgets.accounts_panel import AccountsPanel
from tests.gui.test_bridge_quotes import portfolio_on

PAPER = AccountId("PAPER-1")


def bridge_on(bus: EventBus) -> CoreBridge:
    return CoreBridge(bus, QuoteCache(bus), portfolio_on(bus))


def test_a_connection_change_arrives_as_the_account_id_and_the_state(qtbot: QtBot) -> None:
    bus = EventBus()
    bridge = bridge_on(bus)
    logged: list[tuple[str, str]] = []
    bridge.on_log_line(lambda level, text: logged.append((level, text)))
    with qtbot.waitSignal(bridge.connection_changed) as changed:
        bus.publish(ConnectionChanged(PAPER, ConnectionState.FAILED, "refused"))
    account, state, message = changed.args
    assert type(account) is AccountId and account == PAPER
    assert state is ConnectionState.FAILED and message == "refused"
    assert logged == [("ERROR", "PAPER-1: failed (refused)")]


def test_a_global_trading_state_has_no_account_and_an_accounts_has_its_id(qtbot: QtBot) -> None:
    bus = EventBus()
    bridge = bridge_on(bus)
    with qtbot.waitSignal(bridge.trading_state_changed) as everywhere:
        bus.publish(TradingStateChanged(None, TradingState.HALTED, "Kill switch pulled by ana."))
    assert everywhere.args == [None, TradingState.HALTED, "Kill switch pulled by ana."]
    assert everywhere.args[1] is TradingState.HALTED
    with qtbot.waitSignal(bridge.trading_state_changed) as one:
        bus.publish(TradingStateChanged(PAPER, TradingState.REDUCING, "Daily loss near its limit."))
    assert type(one.args[0]) is AccountId and one.args[1] is TradingState.REDUCING


def test_a_mismatch_and_the_brokers_pnl_name_the_account_by_its_id(qtbot: QtBot) -> None:
    bus = EventBus()
    bridge = bridge_on(bus)
    with qtbot.waitSignal(bridge.reconciliation_required) as mismatch:
        bus.publish(ReconciliationRequired(PAPER, ("MSFT: 30 -> 0",)))
    assert type(mismatch.args[0]) is AccountId and mismatch.args[1] == ["MSFT: 30 -> 0"]
    pnl = BrokerPnl(PAPER, None, Decimal("-5"), None, None)
    with qtbot.waitSignal(bridge.broker_pnl) as broker:
        bus.publish(pnl)
    assert type(broker.args[0]) is AccountId and broker.args[1] is pnl


def test_the_accounts_panel_shows_the_typed_states_and_asks_with_the_account_id(qtbot: QtBot) -> None:
    panel = AccountsPanel([(PAPER, "paper")])
    qtbot.addWidget(panel)
    bus = EventBus()
    bridge = bridge_on(bus)
    bridge.connection_changed.connect(panel.set_connection)
    bus.publish(ConnectionChanged(PAPER, ConnectionState.CONNECTED))
    assert "Connected" in panel.findChild(QLabel, "accountsPanel.state.PAPER-1").text()
    with qtbot.waitSignal(panel.disconnect_requested) as asked:
        panel.findChild(QPushButton, "accountsPanel.connectButton.PAPER-1").click()
    assert type(asked.args[0]) is AccountId and asked.args[0] == PAPER
