"""What the chart draws over the candles: working-order lines (draggable), fill markers, the average-price line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt

from core.domain import Fill, Order, OrderType, Side
from gui.models.positions import fmt_avg_cost
from gui.widgets.chart.trade_line import TradeLine

BUY_COLOR = "#2f9e44"
SELL_COLOR = "#e03131"


def order_label(order: Order) -> str:
    """Say what the line is: side, quantity still working, type (e.g. 'BUY 100 LMT')."""
    kind = {OrderType.LIMIT: "LMT", OrderType.STOP: "STP", OrderType.STOP_LIMIT: "STP LMT"}.get(
        order.order_type, order.order_type.value)
    if order.trail is not None:
        kind = f"{'TRAIL LMT' if order.trail.limit_offset is not None else 'TRAIL'} {order.trail.text()}"
    remaining = order.quantity.value - order.filled_qty
    return f"{order.side.value} {remaining.normalize():f} {kind}"


def line_price(order: Order) -> Decimal | None:
    """Return the price the order's line sits at: its stop for a stop order (a trailing order's where the broker
    last put it), else its limit."""
    if order.order_type.is_trailing:
        return None if order.trail_stop is None else order.trail_stop.value
    if order.order_type in (OrderType.STOP, OrderType.STOP_LIMIT) and order.stop_price is not None:
        return order.stop_price.value
    return None if order.limit_price is None else order.limit_price.value


class OrderLine(TradeLine):
    """A working order's horizontal line: drag it to move the order, right-click it to cancel it.

    A trailing order's line follows its stop as the broker moves it and cannot be dragged: the broker's ratchet
    owns that level (a dropped line would be pulled back to a trail from the market at once); to change the trail,
    the trader cancels it and sends a new one.
    """

    def __init__(self, order: Order, price: Decimal, on_moved: Callable[[OrderLine], None],
                 on_cancel: Callable[[OrderLine, QPoint], None]) -> None:
        color = BUY_COLOR if order.side is Side.BUY else SELL_COLOR
        super().__init__(price, on_moved, on_cancel, movable=not order.order_type.is_trailing,
                         pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine),
                         hoverPen=pg.mkPen(color, width=3), label=(text := order_label(order)),
                         labelOpts={"position": 0.05, "color": color, "movable": False, "anchors": [(0, 1), (0, 1)]})
        self.order = order
        self._text = text

    def show_order(self, order: Order, price: Decimal) -> None:
        """Show the order as it is now (the same Order object changes in place as it fills or is modified)."""
        text = order_label(order)
        self.order = order
        if text == self._text and price == self.price and (self.moving or self.value() == float(price)):
            return  # unchanged: the chart shows every line again when any order of its symbol changes
        self.price, self._text = price, text
        self.label.setFormat(text)
        if not self.moving:
            self.setValue(float(price))


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
