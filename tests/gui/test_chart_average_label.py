"""The chart's average-price label reads like the Positions table, not like a raw Decimal division."""

from __future__ import annotations

from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from gui.widgets.chart.overlays import AveragePriceLine


def test_the_average_price_label_is_rounded_to_the_positions_tables_places() -> None:
    _app = QApplication.instance() or QApplication([])
    plot = pg.PlotWidget()
    line = AveragePriceLine()
    plot.addItem(line)
    plot.setYRange(185, 195)
    # 250 @ 189.04 then 25 @ 188.78: the portfolio's average is 189.0163636..., which the label used to print whole
    line.show_position(Decimal(275), Decimal("51979.50") / Decimal(275), 2)
    assert line.label is not None
    plot.resize(600, 400)
    plot.show()
    QApplication.processEvents()
    assert line.label.textItem.toPlainText() == "POS 275 @ 189.016"
    assert line.value() == float(Decimal("51979.50") / Decimal(275))
