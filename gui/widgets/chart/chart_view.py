"""ChartView: one symbol's candles and volume, timeframes, crosshair, your orders and fills. objectName 'chartView'.

It only draws and reports what the trader does; ChartController (gui/controllers/chart.py) feeds it and
sends the orders. Callbacks the controller sets: on_timeframe(interval), on_move(line, price),
on_cancel(line, screen_pos), on_place(price, screen_pos), on_move_bracket(line, price),
on_cancel_bracket(line, screen_pos).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.domain import Fill, Order, OrderOrigin
from core.domain.bars import Bar
from core.ports.bar_history import CHART_INTERVALS, INTERVAL_LABELS, ONE_MINUTE
from gui.widgets.chart.bracket_lines import BracketLeg, BracketLine
from gui.widgets.chart.candles import CandleItem, VolumeItem
from gui.widgets.chart.order_lines import OrderLine, line_price
from gui.widgets.chart.order_lines_item import OrderLinesItem
from gui.widgets.chart.overlays import AveragePriceLine, FillMarkers
from gui.widgets.chart.plot_axes import paint_axes, setup_axes
from gui.widgets.chart.series import BarSeries
from gui.widgets.chart.time_axis import TimeAxis

VISIBLE_BARS = 120
"""How many bars a fresh chart shows."""


class _PriceBox(pg.ViewBox):  # type: ignore[misc]
    """The price pane's view box: a right-click on empty chart asks to place an order at that price."""

    def __init__(self) -> None:
        super().__init__()
        self.on_right_click: Callable[[float, QPoint], None] | None = None
        self.setMenuEnabled(False)

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() == Qt.MouseButton.RightButton and self.on_right_click is not None:
            ev.accept()
            self.on_right_click(self.mapSceneToView(ev.scenePos()).y(), ev.screenPos().toPoint())
            return
        super().mouseClickEvent(ev)


class ChartView(QWidget):
    """A candlestick chart with volume below; see the module docstring."""

    _AXES = (("right",), ("right", "bottom"))
    """The axes the price pane and the volume pane show."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.symbol = ""
        self.interval = ONE_MINUTE
        self.series = BarSeries()
        self.bracket_lines: dict[str, BracketLine] = {}
        """A position's stop-loss and take-profit lines, by BracketLeg.key."""
        self.on_timeframe: Callable[[timedelta], None] = lambda interval: None
        self.on_move: Callable[[OrderLine, float], None] = lambda line, price: None
        self.on_cancel: Callable[[OrderLine, QPoint], None] = lambda line, where: None
        self.on_place: Callable[[float, QPoint], None] = lambda price, where: None
        self.on_move_bracket: Callable[[BracketLine, float], None] = lambda line, price: None
        self.on_cancel_bracket: Callable[[BracketLine, QPoint], None] = lambda line, where: None
        self._reset_span = True
        self._fit_band: tuple[float, float] | None = None
        """The prices whose lines the last _fit_y counted (near its last close): a line moving outside it does not
        change the range, so update_orders refits only for a line inside it (before or after) or a moved average."""
        self._fitted_average: tuple[bool, float] | None = None
        self._build()

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel("No symbol", objectName="chartView.symbol")
        self._titled = ("", "")
        self.pin = QCheckBox("Pin", objectName="chartView.pin")
        self.pin.setToolTip("Keep this symbol when the watchlist selection changes")
        self.timeframes = QButtonGroup(self)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        for interval in CHART_INTERVALS:
            label = INTERVAL_LABELS[interval]
            button = QPushButton(label, objectName=f"chartView.timeframe.{label}", checkable=True)
            button.setFixedWidth(40)
            button.setChecked(interval == self.interval)
            button.clicked.connect(lambda _=False, i=interval: self._on_timeframe(i))
            self.timeframes.addButton(button)
            header.addWidget(button)
        header.addWidget(self.pin)
        self.readout = QLabel("", objectName="chartView.readout")
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("chartView.plots")
        # The status floats over the top of the panes, outside the layout: a status line that came and went moved
        # the panes by its height under a still pointer (a press aimed at an order's line caught the empty chart),
        # and a line kept for it took the price pane's height.
        self.status = QLabel("", self.plots, objectName="chartView.status")
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setAutoFillBackground(True)
        self.status.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.status.hide()
        self.price_box = _PriceBox()
        self.price_box.on_right_click = lambda price, where: self.on_place(price, where)
        self.price_plot = self.plots.addPlot(row=0, col=0, viewBox=self.price_box)
        self.volume_plot = self.plots.addPlot(row=1, col=0, axisItems={"bottom": TimeAxis()})
        self.plots.ci.layout.setRowStretchFactor(0, 4)
        self.plots.ci.layout.setRowStretchFactor(1, 1)
        self.volume_plot.setXLink(self.price_plot)
        self.volume_plot.setMouseEnabled(y=False)
        setup_axes(self.price_plot, self._AXES[0])  # the volume pane's time axis serves both: one date axis, not two
        setup_axes(self.volume_plot, self._AXES[1])
        self.price_plot.setMouseEnabled(y=False)
        self.volume_plot.getAxis("right").setStyle(maxTickLevel=0, maxTextLevel=0)  # a rough scale: major ticks only
        self.candles = CandleItem(self.series, self.interval.total_seconds())
        self.volume = VolumeItem(self.series, self.interval.total_seconds())
        self.price_plot.addItem(self.candles)
        self.volume_plot.addItem(self.volume)
        self.order_item = OrderLinesItem(lambda line: self.on_move(line, line.value()),
                                         lambda line, where: self.on_cancel(line, where))
        self.price_plot.addItem(self.order_item, ignoreBounds=True)
        self.fills = FillMarkers()
        self.price_plot.addItem(self.fills)
        self.average_line = AveragePriceLine()
        self.price_plot.addItem(self.average_line, ignoreBounds=True)
        self._cross_v = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", width=1))
        self._cross_h = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#888888", width=1))
        for line in (self._cross_v, self._cross_h):
            line.setZValue(-10)
            self.price_plot.addItem(line, ignoreBounds=True)
        self.price_plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.price_plot.sigXRangeChanged.connect(lambda *_: self._fit_y())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(header)
        layout.addWidget(self.plots, 1)
        layout.addWidget(self.readout)
        self._apply_palette()

    # --- what the controller shows --------------------------------------------------------------

    def show_title(self) -> None:
        """'AAPL · IB-1  5m (live bars only)': the symbol, its feed, the timeframe shown, and a note."""
        feed, note = self._titled
        self.title.setText(f"{self.symbol}" + (f" · {feed}" if feed else "") + f"  {INTERVAL_LABELS[self.interval]}"
                           + (f"  ({note})" if note else ""))

    def set_symbol(self, symbol: str, note: str = "", feed: str = "") -> None:
        """Chart symbol; the title names the feed (the account whose prices and orders these are) when given."""
        self.symbol = symbol
        self._titled = (feed, note)
        self.show_title()
        self.series.clear()
        self._reset_span = True
        self.fills.clear_fills()
        self.show_orders([])
        self.show_brackets([])
        self.average_line.show_position(Decimal(0), None, 0)
        self._changed(follow=True)

    def set_served(self, intervals: Iterable[timedelta] | None, why: str = "") -> None:
        """Grey the timeframes the broker cannot serve (None: every one is served from live bars)."""
        served = None if intervals is None else set(intervals)
        for button, interval in zip(self.timeframes.buttons(), CHART_INTERVALS, strict=True):
            ok = served is None or interval in served
            button.setEnabled(ok)
            button.setToolTip("" if ok else why or "The broker does not serve this timeframe.")

    def show_status(self, text: str) -> None:
        """Say text over the top of the panes (empty: say nothing); the panes never move for it."""
        self.status.setText(text)
        self.status.setToolTip(text)
        self.status.setVisible(bool(text))
        self._place_status()

    def _place_status(self) -> None:
        width = max(60, self.plots.width() - 8)
        self.status.setFixedWidth(width)
        self.status.setFixedHeight(self.status.heightForWidth(width) if self.status.text() else 0)
        self.status.move(4, 4)
        self.status.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_status()

    def show_history(self, columns: NDArray[np.float64] | Sequence[Bar]) -> None:
        """Replace the bars with history (a 6 x n array or Bars), keeping live bars newer than it."""
        live = self.series.columns()[:, :].copy()
        if isinstance(columns, np.ndarray):
            self.series.set_arrays(columns)
        else:
            self.series.set_bars(columns)
        if live.shape[1]:
            newest = self.series.t[-1] if self.series.size else -np.inf
            keep = live[:, live[0] > newest]
            if keep.shape[1]:
                self.series.set_arrays(np.concatenate([self.series.columns(), keep], axis=1))
        self._changed(follow=True)

    def update_bars(self, bars: Iterable[Bar]) -> None:
        """Put the frame's live bars in place; keep the newest bar in view if it was.

        A quote that moves only the newest bar repaints that bar's rectangle, not the panes (the other bars, the
        axes and the lines keep their pixels); bars as they are shown already repaint nothing.
        """
        follow = self._is_following()
        history, before = self.series.history_version, self.series.newest()
        if not self.series.upsert(bars):
            return
        if before is None or self.series.history_version != history:
            self._changed(follow=follow)
            return
        self.candles.live_changed(before)
        self.volume.live_changed(before)
        if follow:
            self._show_newest()
        else:
            self._fit_y()

    @property
    def order_lines(self) -> Mapping[str, OrderLine]:
        """The working orders drawn, by client order id."""
        return self.order_item.lines

    def show_orders(self, orders: Iterable[Order]) -> None:
        """Draw a line for each working order with a price (protective ones are bracket lines); remove the others."""
        shown = {str(order.client_order_id): order for order in orders}
        self.order_item.keep_only(shown)
        self.update_orders(shown.values())

    def update_orders(self, orders: Iterable[Order]) -> None:
        """Show these orders as they are now (a line for each working one, none for the others); keep the other lines.

        The frame's changed orders only: redrawing all of a symbol's lines each frame took 52 ms a frame with
        2,500 orders resting on it while a cancel-all took them down. The price axis is fitted again only when a
        changed line is (or was) near enough to the market to count in it, or the average price line moved.
        """
        refit = False
        for order in orders:
            coid = str(order.client_order_id)
            price = line_price(order)
            before = self.order_item.lines.get(coid)
            refit = refit or (before is not None and self._in_fit_band(before.y))
            if (price is None or not order.is_working or order.symbol != self.symbol
                    or order.origin is OrderOrigin.PROTECTIVE):
                self.order_item.remove(coid)
            else:
                self.order_item.show(coid, order, price)
                refit = refit or self._in_fit_band(float(price))
        if refit or self._fitted_average != self._average_seen():
            self._fit_y()

    def show_brackets(self, legs: Iterable[BracketLeg]) -> None:
        """Draw a line for each live protective child of the shown symbol's position; remove the others."""
        wanted = {leg.key: leg for leg in legs}
        for key in [k for k in self.bracket_lines if k not in wanted]:
            self.price_plot.removeItem(self.bracket_lines.pop(key))
        for key, leg in wanted.items():
            line = self.bracket_lines.get(key)
            if line is None:
                line = BracketLine(leg, lambda ln: self.on_move_bracket(ln, ln.value()),
                                   lambda ln, where: self.on_cancel_bracket(ln, where))
                self.bracket_lines[key] = line
                self.price_plot.addItem(line, ignoreBounds=True)
            else:
                line.show_leg(leg)
        self._fit_y()

    def add_fills(self, fills: Iterable[Fill]) -> None:
        self.fills.show_fills([f for f in fills if f.symbol == self.symbol], self.interval.total_seconds())

    # --- view -----------------------------------------------------------------------------------

    def _changed(self, follow: bool) -> None:
        self.candles.changed()
        self.volume.changed()
        if follow and self.series.size:
            self._show_newest()
        else:
            self._fit_y()

    def _show_newest(self) -> None:
        seconds = self.interval.total_seconds()
        (x0, x1), _ = self.price_box.viewRange()
        span = x1 - x0
        if self._reset_span or span < seconds * 5 or self._fresh_span():
            span, self._reset_span = seconds * VISIBLE_BARS, False
        right = float(self.series.t[-1]) + seconds * 3
        _set_range(self.price_box, 0, right - span, right)
        self._fit_y()

    def _fresh_span(self) -> bool:
        (x0, x1), _ = self.price_box.viewRange()
        return (x1 - x0) > self.interval.total_seconds() * VISIBLE_BARS * 50 or x1 < 1e6

    def _is_following(self) -> bool:
        if not self.series.size:
            return True
        (_, x1), _ = self.price_box.viewRange()
        return x1 >= float(self.series.t[-1])

    def _fit_y(self) -> None:
        shown = self.candles.visible()
        if shown is None:
            return
        cols, _ = shown
        low, high = float(cols[3].min()), float(cols[2].max())
        last = float(cols[4][-1])
        near = abs(last) * 0.05  # your orders and average price in view too, when near the market
        for line in (*self.bracket_lines.values(), self.average_line):
            if line.isVisible() and abs(line.value() - last) <= near:
                low, high = min(low, line.value()), max(high, line.value())
        self._fit_band = (last - near, last + near)
        self._fitted_average = self._average_seen()
        orders = self.order_item.within(last - near, last + near)
        if orders is not None:
            low, high = min(low, orders[0]), max(high, orders[1])
        pad = max((high - low) * 0.08, abs(high) * 1e-4)
        _set_range(self.price_box, 1, low - pad, high + pad)
        _set_range(self.volume_plot.getViewBox(), 1, 0.0, volume_top(float(cols[5].max())))

    def _in_fit_band(self, price: float) -> bool:
        """True when a line at price counts in the price axis's range (_fit_y: near the last close), or no fit yet."""
        band = self._fit_band
        return band is None or band[0] <= price <= band[1]

    def _average_seen(self) -> tuple[bool, float]:
        return self.average_line.isVisible(), self.average_line.value()

    def _on_timeframe(self, interval: timedelta) -> None:
        if interval == self.interval:
            return
        self.interval = interval
        self._reset_span = True
        self.series.clear()
        self.candles.set_interval(interval.total_seconds())
        self.volume.set_interval(interval.total_seconds())
        self.on_timeframe(interval)

    def select_timeframe(self, interval: timedelta) -> None:
        """Switch to interval as a click on its button would."""
        self.timeframes.buttons()[CHART_INTERVALS.index(interval)].click()

    def _on_mouse_moved(self, scene_pos: Any) -> None:
        if not self.price_plot.sceneBoundingRect().contains(scene_pos):
            return
        point = self.price_box.mapSceneToView(scene_pos)
        self._cross_v.setPos(point.x())
        self._cross_h.setPos(point.y())
        moment = datetime.fromtimestamp(max(0.0, point.x()), UTC)
        text = f"{moment:%Y-%m-%d %H:%M} UTC   price {point.y():.4f}"
        at = int(np.searchsorted(self.series.t, point.x(), side="right")) - 1
        if 0 <= at < self.series.size:
            t, o, h, lo, c, v = self.series.columns()[:, at]
            if point.x() < t + self.interval.total_seconds():
                text += f"   O {o:g}  H {h:g}  L {lo:g}  C {c:g}  V {v:g}"
        self.readout.setText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        (x0, x1), _ = self.price_box.viewRange()
        span = x1 - x0
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            shift = span * 0.1 * (-1 if key == Qt.Key.Key_Left else 1)
            self.price_plot.setXRange(x0 + shift, x1 + shift, padding=0)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            factor = 0.8 if key != Qt.Key.Key_Minus else 1.25
            self.price_plot.setXRange(x1 - span * factor, x1, padding=0)
        elif key == Qt.Key.Key_End:
            self._show_newest()
        else:
            super().keyPressEvent(event)

    # --- theme ----------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    def _apply_palette(self) -> None:
        paint_axes(self.plots, self.palette(), [(self.price_plot, self._AXES[0]), (self.volume_plot, self._AXES[1])])


_VOLUME_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def volume_top(volume: float) -> float:
    """The volume pane's top for a largest bar of volume: a tenth over it, rounded up to 1, 1.2, 1.5, 2, 2.5, 3, 4,
    5, 6 or 8 times a power of ten.

    The live bar is often the largest in view, and its volume grows with each trade: a top of exactly 1.1 times it
    moved the scale, refitted the axis and repainted the whole pane a quote (a third of the chart's quotes on IB's
    simulator); on round steps the scale moves once the volume has grown by a fifth to a third.
    """
    wanted = max(volume, 1.0) * 1.1
    scale = 10.0 ** math.floor(math.log10(wanted))
    return next(step * scale for step in _VOLUME_STEPS if step * scale >= wanted * (1 - 1e-12))


def _set_range(box: pg.ViewBox, axis: int, low: float, high: float) -> None:
    """Show low to high on box's axis (0: time, 1: price); nothing when it shows just that already.

    pyqtgraph's setRange redoes the view's transforms, its range signals and the axes' pictures even for the
    range it shows. Each frame that changes an order refits the price axis (ChartView._fit_y), and each tick
    that moves the newest bar follows it on the time axis (_show_newest): mostly to the range shown already.
    """
    wanted = [low, high]
    if box.state["autoRange"][axis] is False and box.targetRange()[axis] == wanted and box.viewRange()[axis] == wanted:
        return
    if axis == 0:
        box.setXRange(low, high, padding=0)
    else:
        box.setYRange(low, high, padding=0)
