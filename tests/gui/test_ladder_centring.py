"""The ladder opens on the market even when it is centred before its dock has its final height: when the view
grows (or shrinks) afterwards, the market is centred again, until the trader scrolls it himself."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QAbstractSlider
from pytestqt.qtbot import QtBot

from gui.widgets.ladder.model import LadderModel
from gui.widgets.ladder.widget import LadderWidget
from tests.gui.ladder_helpers import shown_ladder

TICK = Decimal("0.01")


@pytest.fixture
def ladder(qtbot: QtBot) -> Iterator[tuple[LadderModel, LadderWidget]]:
    """A ladder shown at a provisional height (a dock before the window's layout settles), centred on 100.00."""
    with shown_ladder(qtbot, 420, 300) as shown:
        yield shown


def rows_off_the_middle(model: LadderModel, widget: LadderWidget) -> int:
    """How many rows the best bid sits from the middle of the levels the trader sees (negative: above)."""
    table = widget.table
    bid_row = model.row_of_price(Decimal("100.00"))
    assert bid_row is not None
    middle_row = table.rowAt(table.viewport().height() // 2)
    return bid_row - middle_row


def test_the_market_is_centred_again_when_the_view_gets_its_final_height(
        ladder: tuple[LadderModel, LadderWidget], qtbot: QtBot) -> None:
    model, widget = ladder
    assert abs(rows_off_the_middle(model, widget)) <= 1, "centred at the provisional height"
    widget.resize(420, 900)  # the dock's final height: three times the rows
    qtbot.waitUntil(lambda: widget.table.viewport().height() > 600)
    assert abs(rows_off_the_middle(model, widget)) <= 1, \
        f"the market is {rows_off_the_middle(model, widget)} rows off the middle of the final view"


def test_a_view_the_trader_scrolled_stays_where_he_put_it_when_it_grows(
        ladder: tuple[LadderModel, LadderWidget], qtbot: QtBot) -> None:
    _, widget = ladder
    bar = widget.table.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd)  # the trader pages down, away from the market
    top = bar.value()
    widget.resize(420, 900)
    qtbot.waitUntil(lambda: widget.table.viewport().height() > 600)
    assert bar.value() == top
