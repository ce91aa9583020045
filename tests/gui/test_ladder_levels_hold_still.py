"""A one-click ladder's levels never move under the trader's pointer when its lines change: a status line that
appears after a click ("BUY 5 AAPL LMT 188.83 — accepted"), a refusal too long for one line, or a position and
depth line that grow. Before, the status line appeared above the levels and pushed them down a row, so the next
click, aimed at 188.82, bought at 188.83 (seen in the window under Xvfb)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from gui.widgets.ladder.model import LadderModel
from gui.widgets.ladder.widget import LadderWidget
from tests.gui.ladder_helpers import shown_ladder


@pytest.fixture
def ladder(qtbot: QtBot) -> Iterator[tuple[LadderModel, LadderWidget]]:
    with shown_ladder(qtbot, 300, 600) as shown:  # a narrow dock: long lines would wrap
        yield shown


def price_under(widget: LadderWidget, point: QPoint) -> Decimal | None:
    """The price of the level at point (in the ladder's own coordinates), as a click there would take it."""
    table = widget.table
    row = table.rowAt(table.viewport().mapFrom(widget, point).y())
    return None if row < 0 else widget.model.price_of_row(row)


def test_the_level_under_the_pointer_stays_when_the_ladders_lines_change(
        ladder: tuple[LadderModel, LadderWidget], qtbot: QtBot) -> None:
    model, widget = ladder
    table = widget.table
    row = model.row_of_price(Decimal("99.95"))
    assert row is not None
    pointer = table.viewport().mapTo(widget, table.visualRect(model.index(row, 0)).center())
    assert price_under(widget, pointer) == Decimal("99.95")

    widget.show_status("BUY 5 AAPL LMT 99.96 — accepted")
    qtbot.wait(20)
    assert price_under(widget, pointer) == Decimal("99.95"), "the status line pushed the levels down"
    widget.show_status("Refused: the order's notional 1,000,000.00 USD is over the account's limit of 500,000.00 "
                       "USD (max_order_notional); lower the quantity or raise the limit in Risk limits.", ok=False)
    widget.position_label.setText("Position +1,000 @ 99.9512 · P&L -12 ticks, -120.00 USD · day -1,234.56 USD")
    widget.depth_label.setText("Market depth is stale: last book 12 s ago. IB stopped sending depth (error 317).")
    qtbot.wait(20)
    assert price_under(widget, pointer) == Decimal("99.95"), "a line wrapped and moved the levels"
    assert "max_order_notional" in widget.status_label.text(), "the whole refusal is kept (elided on screen)"
    widget.show_status("")
    qtbot.wait(20)
    assert price_under(widget, pointer) == Decimal("99.95"), "the cleared status line pulled the levels up"
