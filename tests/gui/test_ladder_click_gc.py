"""A ladder click makes its order with automatic garbage collection held off: a young pass falling due while the
controller checks the click and builds the request (2 clicks in 100 in bench.ladder, 0.2 ms each) waits until the
order is out, as it already did inside the order path's first step (gui/async_op.start_eagerly). Before, such a
pass ran in the middle of the click, before the order's bytes left."""

from __future__ import annotations

import gc
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from gui.widgets.ladder.model import COLUMNS
from tests.gui.ladder_helpers import shown_ladder


def test_a_level_click_is_handled_with_garbage_collection_held_off_then_left_as_it_was(qtbot: QtBot) -> None:
    with shown_ladder(qtbot, 420, 700) as (model, widget):
        row = model.row_of_price(Decimal("99.95"))
        assert row is not None
        point = widget.table.visualRect(model.index(row, COLUMNS.index("buy"))).center()
        clicks: list[tuple[str, Decimal, bool]] = []
        widget.on_level_click = lambda column, price: clicks.append((column, price, gc.isenabled()))
        was = gc.isenabled()
        gc.enable()
        try:
            QTest.mouseClick(widget.table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             point)
            after = gc.isenabled()
        finally:
            if not was:
                gc.disable()
    assert clicks == [("buy", Decimal("99.95"), False)], "the click's order was made with the collector on"
    assert after, "the collector stayed off after the click"
