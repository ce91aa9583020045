"""OrderLinesItem: one graphics item that draws the working orders' lines and labels in view, in screen pixels.

Not a pyqtgraph InfiniteLine with a TextItem label per order: with 200 orders resting on the charted symbol,
each paint asked every line and label for its bounds (96,000 TextItem.boundingRect calls in a profile of
bench/click_to_wire), every pan, zoom and fit of the price range re-placed every label, and each new order
built a line, a label and its pens. Here an order's change files its line at its level (a dict and a sorted
list of prices), a paint draws only the levels in view (binary search on price) with labels kept as
QStaticText, and a change outside the view repaints nothing.

Orders at one price and side share a line and a label that counts them (gui/widgets/chart/order_lines.py).
The mouse: pyqtgraph asks the item's shape (a band a few pixels high around each line in view) whether the
pointer is on a line, so a drag anywhere else pans the chart. A drag on a line moves the newest movable order
of that level, the others stay (one drag moves one order, as when each order had its own line); a right-click
reports the newest order there.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QStaticText, QTransform

from core.domain import Order
from gui.widgets.chart.order_lines import BUY_COLOR, SELL_COLOR, LevelKey, OrderLevel, OrderLine

ON_LINE_PX = 4.5
"""How close to a line (pixels) the pointer grabs it: the old line's pen and hover margin plus the click radius."""
LABEL_AT = 0.05
"""Where a label starts, as a share of the pane's width from its left (the newest bars are at the right)."""
_LOWEST, _HIGHEST = "", "~"
"""Sort before and after every side at one price (bounds for a binary search of LevelKeys)."""


DASH_PX, GAP_PX, LINE_PX, HOVER_PX = 8, 1, 1, 3
"""A line is dashed, DASH_PX on and GAP_PX off, LINE_PX high; under the pointer it is solid and HOVER_PX high
(as pyqtgraph drew the dashed pen of 1.5 each order's line had)."""
LABEL_GAP_PX = 4
"""The label's margin: from the pane's left edge (at LABEL_AT) and from its line."""


class _Style:
    """How one side's lines are painted: a dashed band (a texture: a dashed pen cost 90 µs a line), solid under
    the pointer, the label in the same colour."""

    def __init__(self, color: str) -> None:
        self.color = QColor(color)
        tile = QImage(DASH_PX + GAP_PX, LINE_PX, QImage.Format.Format_ARGB32_Premultiplied)
        tile.fill(Qt.GlobalColor.transparent)
        tile_painter = QPainter(tile)
        tile_painter.fillRect(0, 0, DASH_PX, LINE_PX, self.color)
        tile_painter.end()
        self.dashes = QBrush(tile)
        self.text = QPen(self.color)


class OrderLinesItem(pg.GraphicsObject):  # type: ignore[misc]
    """Draw every working order's line; see the module docstring.

    on_moved(line): a drag ended (line.value() is where it was dropped).
    on_right_click(line, screen_pos): the trader right-clicked a line (not mid-drag).
    """

    def __init__(self, on_moved: Callable[[OrderLine], None],
                 on_right_click: Callable[[OrderLine, QPoint], None]) -> None:
        super().__init__()
        self.lines: dict[str, OrderLine] = {}
        """Every order drawn, by client order id."""
        self._levels: dict[LevelKey, OrderLevel] = {}
        self._accounts: Counter[str] = Counter()
        """How many levels each account has: labels name their account while there are two or more."""
        self._keys: list[LevelKey] = []
        """The levels' keys in price order."""
        self._seq = itertools.count()
        self._on_moved = on_moved
        self._on_right_click = on_right_click
        self._styles = {"BUY": _Style(BUY_COLOR), "SELL": _Style(SELL_COLOR)}
        self._hover: OrderLevel | None = None
        self._drag: tuple[OrderLine, float] | None = None
        """The line being dragged and its offset from the pointer."""
        self._bounds: QRectF | None = None
        self._shape: QPainterPath | None = None
        self._label_px = 20.0
        """A label's height in pixels (measured at each paint)."""
        self.painted_levels = 0
        """How many levels the last paint drew: tests and benches read it."""

    # --- what is drawn --------------------------------------------------------------------------

    def show(self, coid: str, order: Order, price: Decimal) -> OrderLine:
        """Draw order at price (a line for a new one; an old one shows it as it is now)."""
        line = self.lines.get(coid)
        if line is None:
            line = OrderLine(self, order, price, next(self._seq))
            self.lines[coid] = line
            self._file(line, float(price))
        else:
            line.show_order(order, price)
        return line

    def remove(self, coid: str) -> None:
        """Stop drawing the order's line (mid-drag too: its order is no longer working)."""
        line = self.lines.pop(coid, None)
        if line is None:
            return
        if self._drag is not None and self._drag[0] is line:
            self._drag = None
        line.gone = True
        self._unfile(line)

    def keep_only(self, coids: Iterable[str]) -> None:
        """Stop drawing every order but these."""
        kept = set(coids)
        for coid in [c for c in self.lines if c not in kept]:
            self.remove(coid)

    def labels_at(self, price: float) -> list[str]:
        """Return the labels drawn at price (a buy level's, then a sell level's)."""
        return [self._levels[key].label() for key in self._keys[self._span(price, price)]]

    def within(self, low: float, high: float) -> tuple[float, float] | None:
        """Return the lowest and highest line between low and high (None: no line there)."""
        span = self._span(low, high)
        if span.start >= span.stop:
            return None
        return self._keys[span.start][0], self._keys[span.stop - 1][0]

    def place(self, line: OrderLine, value: float) -> None:
        """Draw line at value (OrderLine.setValue): it leaves its level for the one there."""
        if line.gone:
            line.y = value
            return
        if line.level is not None and line.y == value:
            return
        self._unfile(line)
        self._file(line, value)

    def relabel(self, line: OrderLine) -> None:
        """Say line's order anew in its level's label (it filled in part, its size changed)."""
        if line.level is not None:
            line.level.relabel()
            self._changed_at(line.y)

    def _file(self, line: OrderLine, y: float) -> None:
        line.y = y
        key = (y, line.order.side.value, str(line.order.account_id))
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = OrderLevel(key)
            insort(self._keys, key)
            self._count_account(key[2], 1)
            level.named = len(self._accounts) > 1
        level.lines[line.seq] = line
        level.relabel()
        line.level = level
        self._changed_at(y)

    def _unfile(self, line: OrderLine) -> None:
        level = line.level
        if level is None:
            return
        line.level = None
        del level.lines[line.seq]
        if level.lines:
            level.relabel()
        else:
            del self._levels[level.key]
            del self._keys[bisect_left(self._keys, level.key)]
            self._count_account(level.key[2], -1)
            if self._hover is level:
                self._hover = None
        self._changed_at(line.y)

    def _count_account(self, account: str, change: int) -> None:
        """Count a level of account in or out; when the chart goes from one account's orders to several's (or
        back), every label says its account (or stops saying it)."""
        before = len(self._accounts) > 1
        self._accounts[account] += change
        if self._accounts[account] <= 0:
            del self._accounts[account]
        named = len(self._accounts) > 1
        if named != before:
            for level in self._levels.values():
                level.named = named
                level.relabel()
            self._shape = None
            self.update()

    def _changed_at(self, y: float) -> None:
        """Repaint the band of the line at y and its label, if it is in view; nothing if it is not."""
        view = self.viewRect()
        pixel = self._pixel()
        if view is None or not view.top() - self._label_px * pixel <= y <= view.bottom() + ON_LINE_PX * pixel:
            return
        self._shape = None
        self.update(QRectF(view.left(), y - ON_LINE_PX * pixel, view.width(),
                           (self._label_px + 2 * ON_LINE_PX) * pixel))

    # --- geometry -------------------------------------------------------------------------------

    def _pixel(self) -> float:
        """Return one pixel's height in price (0 before the chart is laid out)."""
        box, view = self.getViewBox(), self.viewRect()
        if box is None or view is None or box.height() <= 0:
            return 0.0
        return float(view.height() / box.height())

    def _span(self, low: float, high: float) -> slice:
        """Return the slice of the sorted keys whose price is from low to high."""
        return slice(bisect_left(self._keys, (low, _LOWEST)), bisect_right(self._keys, (high, _HIGHEST)))

    def _in_view(self, view: QRectF) -> slice:
        """Return the levels whose line or label shows: a line just under the pane still shows its label."""
        pixel = self._pixel()
        return self._span(view.top() - self._label_px * pixel, view.bottom() + ON_LINE_PX * pixel)

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            view = self.viewRect()
            self._bounds = QRectF() if view is None else QRectF(view)
        return self._bounds

    def shape(self) -> QPainterPath:
        """Return a band around each line in view: where the pointer is on a line."""
        if self._shape is None:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.WindingFill)
            view = self.viewRect()
            if view is not None:
                half = ON_LINE_PX * self._pixel()
                for y, _side, _account in self._keys[self._in_view(view)]:
                    path.addRect(QRectF(view.left(), y - half, view.width(), 2 * half))
            self._shape = path
        return self._shape

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()
        self.prepareGeometryChange()
        self._bounds = None
        self._shape = None

    # --- painting -------------------------------------------------------------------------------

    def paint(self, painter: QPainter, *_args: Any) -> None:
        view = self.viewRect()
        if view is None:
            return
        self._label_px = QFontMetricsF(painter.font()).height() + LABEL_GAP_PX
        keys = self._keys[self._in_view(view)]
        self.painted_levels = len(keys)
        if not keys:
            return
        to_screen = painter.transform()
        painter.save()
        painter.resetTransform()
        left = to_screen.map(QPointF(view.left(), 0.0)).x()
        right = to_screen.map(QPointF(view.right(), 0.0)).x()
        at = left + (right - left) * LABEL_AT + LABEL_GAP_PX
        painter.setBrushOrigin(QPointF(left, 0.0))  # every line's dashes start at the pane's left edge
        last: tuple[float, str] | None = None
        shift = width = 0.0
        under = False
        for key in keys:
            level = self._levels[key]
            y = to_screen.map(QPointF(0.0, key[0])).y()
            style = self._styles[key[1]]
            if level is self._hover:
                painter.fillRect(QRectF(left, y - HOVER_PX / 2, right - left, HOVER_PX), style.color)
            else:
                painter.fillRect(QRectF(left, y - LINE_PX / 2, right - left, LINE_PX), style.dashes)
            text = level.drawn
            if not isinstance(text, QStaticText):
                text = QStaticText(level.label())
                text.setTextFormat(Qt.TextFormat.PlainText)
                text.prepare(QTransform(), painter.font())
                level.drawn = text
            painter.setPen(style.text)
            beside = last == (y, key[1])  # another account's at this price and side: its label after the first's
            shift = shift + width + 2 * LABEL_GAP_PX if beside else 0.0
            if not beside:  # a sell at a buy's price: its label under the line, not over the buy's
                under = last is not None and last[0] == y
            top = y + LABEL_GAP_PX if under else y - text.size().height() - LABEL_GAP_PX
            painter.drawStaticText(QPointF(at + shift, top), text)
            width = text.size().width()
            last = (y, key[1])
        painter.restore()

    # --- the mouse ------------------------------------------------------------------------------

    def line_at(self, y: float, movable: bool = False) -> OrderLine | None:
        """Return the newest line (movable: that can be dragged) of the level nearest y, within ON_LINE_PX."""
        near = ON_LINE_PX * self._pixel()
        best: tuple[tuple[float, int], OrderLine] | None = None
        for key in self._keys[self._span(y - near, y + near)]:
            line = self._levels[key].newest(movable)
            if line is not None and (best is None or (abs(key[0] - y), -line.seq) < best[0]):
                best = ((abs(key[0] - y), -line.seq), line)
        return None if best is None else best[1]

    def hoverEvent(self, ev: Any) -> None:
        line = None if ev.isExit() else self.line_at(ev.pos().y(), movable=True)
        level = line.level if line is not None and ev.acceptDrags(Qt.MouseButton.LeftButton) else None
        if level is not self._hover:
            for old in (self._hover, level):
                if old is not None:
                    self._changed_at(old.key[0])
            self._hover = level

    def mouseDragEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            line = self.line_at(ev.buttonDownPos().y(), movable=True)
            if line is None:
                ev.ignore()
                return
            line.moving = True
            self._drag = (line, line.y - ev.buttonDownPos().y())
        if self._drag is None:
            ev.ignore()
            return
        ev.accept()
        line, offset = self._drag
        self.place(line, offset + ev.pos().y())
        if ev.isFinish():
            line.moving = False
            self._drag = None
            self._on_moved(line)

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.RightButton:
            ev.ignore()
            return
        if self._drag is not None:  # a right-click mid-drag puts the line back, as pyqtgraph's lines do
            line, self._drag = self._drag[0], None
            line.moving = False
            line.snap_back()
            ev.accept()
            return
        line = self.line_at(ev.pos().y())
        if line is None:
            ev.ignore()
            return
        ev.accept()
        self._on_right_click(line, ev.screenPos().toPoint())
