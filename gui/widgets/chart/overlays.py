"""What the chart draws over the candles besides orders: fill markers, the average-price line.

Working orders' lines: gui/widgets/chart/order_lines_item.py; a position's protective children: bracket_lines.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import Qt

from core.domain import Fill, Side
from gui.models.positions import fmt_avg_cost
from gui.widgets.chart.order_lines import BUY_COLOR, SELL_COLOR


class FillMarkers(pg.ScatterPlotItem):  # type: ignore[misc]
    """Your fills: a green triangle up under a buy, a red triangle down over a sell; hover for the details."""

    def __init__(self) -> None:
        super().__init__(hoverable=True, tip=lambda x, y, data: data, pxMode=True, size=12)
        self.fills: dict[object, Fill] = {}

    def show_fills(self, fills: Iterable[Fill], bar_seconds: float) -> None:
        for fill in fills:
            self.fills[fill.trade_id] = fill
        spots = []
        for fill in self.fills.values():
            buy = fill.side is Side.BUY
            moment = fill.ts.timestamp() if isinstance(fill.ts, datetime) else float(fill.ts)
            x = moment - moment % bar_seconds + bar_seconds / 2
            spots.append({"pos": (x, float(fill.price.value)), "symbol": "t1" if buy else "t",
                          "brush": pg.mkBrush(BUY_COLOR if buy else SELL_COLOR), "pen": pg.mkPen("k"),
                          "data": _fill_tip(fill)})
        self.setData(spots)

    def clear_fills(self) -> None:
        self.fills.clear()
        self.setData([])


def _fill_tip(fill: Fill) -> str:
    return (f"{fill.side.value} {fill.quantity.value.normalize():f} @ {fill.price.value}\n"
            f"order {fill.client_order_id}  trade {fill.trade_id}\n{fill.ts:%Y-%m-%d %H:%M:%S}")


class AveragePriceLine(pg.InfiniteLine):  # type: ignore[misc]
    """The position's average price, labelled with its size."""

    def __init__(self) -> None:
        super().__init__(angle=0, movable=False, pen=pg.mkPen("#f59f00", width=1, style=Qt.PenStyle.DotLine))
        self.label: pg.InfLineLabel | None = None
        """Made when a position first shows: a label follows every pan and zoom, even on a hidden line."""
        self.setVisible(False)

    def show_position(self, quantity: Decimal, average: Decimal | None, price_places: int) -> None:
        """Show the line at the average, labelled like the Positions table: tick places plus one, not 189.0166..."""
        if average is None or quantity == 0:
            self.setVisible(False)
            return
        self.setValue(float(average))
        text = f"POS {quantity.normalize():f} @ {fmt_avg_cost(average, price_places)}"
        if self.label is None:
            # mid-line, above it: order labels sit at the left, the axis and the newest bars at the right
            self.label = pg.InfLineLabel(self, text=text, position=0.5, color="#f59f00",
                                         anchors=[(0.5, 1), (0.5, 1)])
        else:
            self.label.setFormat(text)
        self.setVisible(True)
        self.label.valueChanged()  # the label skips its text while the line is hidden: write it now it shows
