"""Texts with '&' in buttons and menus show as written and make no keyboard shortcut ('P&L', a symbol like M&M)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPoint
from PySide6.QtGui import QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from core.domain import AccountId, Position
from gui.controllers.position_menu import PositionMenu
from gui.models.table_model import RawRole
from gui.widgets.history_view import HistoryView
from tests.factories import make_instrument


def shown(text: str) -> str:
    """What Qt paints for a button or menu text: '&&' is one '&', a single '&' marks a shortcut and is not drawn."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def test_the_history_pnl_export_reads_p_and_l_with_no_alt_shortcut(qtbot: QtBot) -> None:
    view = HistoryView()
    qtbot.addWidget(view)
    text = view.export_pnl_button.text()
    assert shown(text) == "Export realized P&L (FIFO)…", "it showed 'Export realized PL' with the L underlined"
    assert QKeySequence.mnemonic(text).isEmpty()


def test_a_positions_menu_names_a_symbol_with_an_ampersand_as_written(qtbot: QtBot) -> None:
    grid, model = QTableView(), QStandardItemModel(1, 1)
    qtbot.addWidget(grid)
    grid.setModel(model)
    item = QStandardItem("M&M")
    item.setData(Position(AccountId("KITE-1"), make_instrument("M&M", currency="INR"), quantity=Decimal(5)), RawRole)
    model.setItem(0, 0, item)
    menu = PositionMenu(grid, lambda _index: None, lambda _account, _symbol: None).build(model.index(0, 0))
    assert menu is not None
    texts = [action.text() for action in menu.actions()]
    assert [shown(t) for t in texts] == ["Close long 5 M&M on KITE-1 on the ticket",
                                         "Flatten M&M on KITE-1 at market…"]
    assert all(QKeySequence.mnemonic(t).isEmpty() for t in texts), "Alt+M would have flattened M&M"


def test_the_column_chooser_names_daily_p_and_l_as_the_header_does(qtbot: QtBot) -> None:
    from gui.models.positions import PositionsTableModel
    from gui.widgets.column_chooser import ColumnChooser, GridColumns

    grid = QTableView(objectName="positionsView")
    qtbot.addWidget(grid)
    model = PositionsTableModel()
    grid.setModel(model)
    chooser = ColumnChooser(grid, GridColumns(), lambda _name, _columns: None, {})
    chooser._on_menu_requested(QPoint(5, 5))  # a right-click on the header
    menu = chooser.menu
    assert menu is not None
    texts = {a.objectName(): a.text() for a in menu.actions()}
    assert shown(texts["columnChooser.daily_pnl"]) == "Daily P&L"
    assert QKeySequence.mnemonic(texts["columnChooser.daily_pnl"]).isEmpty()


def test_the_email_settings_alert_box_reads_price_or_p_and_l(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QCheckBox

    from gui.dialogs.email_settings import EmailSettingsDialog

    async def no_test(_values: object, _password: object) -> None:
        return None

    dialog = EmailSettingsDialog({}, False, lambda _values, _password: None, no_test)
    qtbot.addWidget(dialog)
    text = dialog.findChild(QCheckBox, "emailSettings.notify.alert").text()
    assert shown(text) == "Price or P&L alert (those set to e-mail)", "it read 'Price or PL alert', L underlined"
    assert QKeySequence.mnemonic(text).isEmpty()


def test_a_watchlist_named_r_and_d_shows_as_named_and_renames_from_its_name(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QTabBar

    from gui.widgets.watchlist_panel import WatchlistPanel

    panel = WatchlistPanel(QTableView())
    qtbot.addWidget(panel)
    panel.show_tabs(["Main", "R&D"], 1)
    tabs = panel.findChild(QTabBar, "watchlist.tabs")
    assert [shown(tabs.tabText(i)) for i in range(tabs.count())] == ["Main", "R&D"]
    assert QKeySequence.mnemonic(tabs.tabText(1)).isEmpty(), "Alt+D would have switched to it"
    panel._on_rename()
    assert panel.name_dialog is not None and panel.name_dialog.textValue() == "R&D"


def test_the_tickets_search_offer_for_m_and_x_reads_as_typed(qtbot: QtBot) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit, QPushButton

    from gui.widgets.order_ticket import OrderTicketWidget

    ticket = OrderTicketWidget()
    qtbot.addWidget(ticket)
    ticket.show()
    QTest.keyClicks(ticket.findChild(QLineEdit, "orderTicket.symbolEdit"), "M&X")
    text = ticket.findChild(QPushButton, "orderTicket.searchButton").text()
    assert shown(text) == "Search for “M&X”… (Ctrl+K)" and QKeySequence.mnemonic(text).isEmpty()
