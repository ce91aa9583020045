"""A click on the ladder leaves its levels where they are. Before, a click on the half-hidden level at the foot of
the view scrolled every level up a row some 0.6 s later (the item view's own press handling brings a clicked cell
into full view once no double click came): the price under the pointer changed without the trader scrolling, and
an armed click in the next half second was refused as "the levels moved under the pointer"."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.controllers.ladder import MOVED_GUARD_S
from gui.widgets.ladder.model import COLUMNS
from tests.gui.ladder_helpers import shown_ladder


def test_a_click_on_the_half_hidden_foot_level_does_not_scroll_the_levels_after_it(qtbot: QtBot) -> None:
    with shown_ladder(qtbot, 420, 700) as (model, widget):
        table = widget.table
        height = table.viewport().height()
        row = table.rowAt(height - 1)
        cell = table.visualRect(model.index(row, COLUMNS.index("buy")))
        assert cell.bottom() >= height, "the foot level must be cut off by the view's edge for this test"
        point = QPoint(cell.center().x(), height - 2)
        price = model.price_of_row(row)
        clicks: list[tuple[str, Decimal]] = []
        widget.on_level_click = lambda column, clicked: clicks.append((column, clicked))

        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        qtbot.wait(QApplication.doubleClickInterval() + 400)  # past the view's delayed scroll to the clicked cell

        assert clicks == [("buy", price)]
        assert model.price_of_row(table.rowAt(point.y())) == price, "the levels moved under the pointer"
        assert not widget.moved_within(MOVED_GUARD_S), "an armed click now would be refused"


def test_a_click_gives_the_levels_the_keyboard_so_esc_asks_to_cancel_the_symbols_orders(qtbot: QtBot) -> None:
    with shown_ladder(qtbot, 420, 700) as (model, widget):
        widget.account_combo.setFocus()
        table = widget.table
        row = model.row_of_price(Decimal("99.95"))
        assert row is not None
        point = table.visualRect(model.index(row, COLUMNS.index("sell"))).center()
        asked: list[bool] = []
        widget.cancel_symbol_requested.connect(lambda: asked.append(True))

        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

        assert asked == [True]


def test_a_press_then_release_across_a_recentring_of_the_levels_sends_no_click(qtbot: QtBot) -> None:
    with shown_ladder(qtbot, 420, 700) as (model, widget):
        table = widget.table
        row = model.row_of_price(Decimal("99.95"))
        assert row is not None
        point = table.visualRect(model.index(row, COLUMNS.index("buy"))).center()
        clicks: list[tuple[str, Decimal]] = []
        widget.on_level_click = lambda column, clicked: clicks.append((column, clicked))

        QTest.mousePress(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        model.centre_on(Decimal("150.00"))  # the market ran away: the row under the pointer is another price now
        QTest.mouseRelease(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)

        assert clicks == [], "a level the trader never pressed was clicked"
