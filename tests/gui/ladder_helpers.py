"""A ladder widget shown at a given size, centred on a 100.00 / 100.01 market (the ladder widget tests' start)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from pytestqt.qtbot import QtBot

from gui.widgets.ladder.model import LadderModel
from gui.widgets.ladder.widget import LadderWidget

TICK = Decimal("0.01")


@contextmanager
def shown_ladder(qtbot: QtBot, width: int, height: int) -> Iterator[tuple[LadderModel, LadderWidget]]:
    model = LadderModel()
    model.reset(TICK, 2)
    widget = LadderWidget(model)
    qtbot.addWidget(widget)
    widget.resize(width, height)
    model.set_touch(Decimal("100.00"), Decimal("100.01"), None)
    widget.show()
    qtbot.waitExposed(widget)
    widget.centre()
    qtbot.wait(20)  # the centring's second scroll, once the rows are laid out
    try:
        yield model, widget
    finally:
        widget.close()
