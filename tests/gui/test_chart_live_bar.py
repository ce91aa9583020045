"""A quote that moves only the chart's newest bar repaints that bar, and the trader sees what a full repaint shows.

Each quote of the charted symbol moves the newest bar (a few a second per feed); redrawing the whole history for
it cost the window more CPU than anything else it did while idle. The other bars keep their pixels; the newest
bar's rectangle is drawn again, so the screen must match a chart painted from scratch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from core.domain import OrderAccepted, OrderSubmitted, OrderType, Side
from core.domain.bars import Bar
from gui.widgets.chart.chart_view import ChartView
from tests.factories import make_instrument, make_order

BARS = 2_000
T0 = 1.7e9


class _Paints(QObject):
    """Count the paints of a widget (the chart's panes: their viewport)."""

    def __init__(self, chart: ChartView) -> None:
        super().__init__(chart)
        self.count = 0
        chart.plots.viewport().installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        self.count += event.type() == QEvent.Type.Paint
        return False


def _chart() -> ChartView:
    QApplication.instance() or QApplication([])
    chart = ChartView()
    chart.resize(900, 500)
    chart.set_symbol("AAPL")
    t = T0 + np.arange(BARS) * 60.0
    close = 100 + np.sin(np.arange(BARS) / 7.0)
    open_ = np.concatenate([[100.0], close[:-1]])
    chart.show_history(np.vstack([t, open_, np.maximum(open_, close) + 0.2, np.minimum(open_, close) - 0.2, close,
                                  10 + np.arange(BARS) % 7.0]))
    chart.show()
    _settle()
    chart.update_bars([_newest(chart, f"{chart.series.columns()[4, -1]:.6f}")])  # follows the newest bar: the
    _settle()  # time axis settles on the range it keeps after the first paint at the chart's size
    return chart


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _newest(chart: ChartView, close: str, high: str | None = None, volume: str = "12") -> Bar:
    t, open_, bar_high, low, *_ = chart.series.columns()[:, -1]
    return Bar(symbol="AAPL", source="", interval=timedelta(minutes=1), start=datetime.fromtimestamp(t, UTC),
               open=Decimal(f"{open_:.6f}"), high=Decimal(high or f"{bar_high:.6f}"), low=Decimal(f"{low:.6f}"),
               close=Decimal(close), volume=Decimal(volume))


def _on_screen(chart: ChartView) -> QImage:
    """What the screen shows of the chart's panes now (the window's backing store, not a fresh render)."""
    screen = QGuiApplication.primaryScreen()
    plots = chart.plots
    return screen.grabWindow(chart.window().winId(), *_within_window(chart), plots.width(), plots.height()).toImage()


def _within_window(chart: ChartView) -> tuple[int, int]:
    corner = chart.plots.mapTo(chart.window(), chart.plots.rect().topLeft())
    return corner.x(), corner.y()


def _painted_afresh(chart: ChartView) -> QImage:
    return chart.plots.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def test_a_quote_that_moves_the_newest_bar_redraws_that_bar_and_leaves_the_others_pixels() -> None:
    chart = _chart()
    low, high = float(chart.series.columns()[3, -1]), float(chart.series.columns()[2, -1])
    order = make_order(make_instrument(), Side.BUY, "10", OrderType.LIMIT, f"{(low + high) / 2:.2f}")
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, None))
    chart.update_orders([order])  # its line and label cross the newest bar: they are repainted with it
    _settle()
    paints = _Paints(chart)
    for step, fraction in enumerate((0.9, 0.1, 0.5, 0.95)):  # the close wanders inside the bar: no axis moves
        chart.update_bars([_newest(chart, f"{low + (high - low) * fraction:.6f}", volume=str(12 + step))])
        _settle()
        assert paints.count == step + 1, "the newest bar moved and was not repainted"
        assert chart.candles.painted_bars <= 2, "a quote that moved only the newest bar redrew the history"
    assert _on_screen(chart).convertToFormat(QImage.Format.Format_RGB32) == _painted_afresh(chart)


def test_zoomed_out_the_newest_candle_merges_its_neighbours_and_is_still_drawn_as_a_full_repaint_draws_it() -> None:
    chart = _chart()
    first, last = float(chart.series.t[0]), float(chart.series.t[-1])
    chart.price_plot.setXRange(first, last + 60, padding=0)  # every bar in view: several bars a candle
    _settle()
    assert chart.candles.painted_bars < BARS
    low, high = float(chart.series.columns()[3, -1]), float(chart.series.columns()[2, -1])
    for step, fraction in enumerate((0.05, 0.95, 0.02)):  # the merged candle turns from red to green and back
        chart.update_bars([_newest(chart, f"{low + (high - low) * fraction:.6f}", volume=str(20 + step))])
        _settle()
        assert _on_screen(chart).convertToFormat(QImage.Format.Format_RGB32) == _painted_afresh(chart)


def test_the_newest_bar_reaching_a_new_high_is_drawn_whole_and_the_price_axis_makes_room() -> None:
    chart = _chart()
    top = float(chart.series.column("high").max())
    (_, before_high) = chart.price_box.viewRange()[1]
    chart.update_bars([_newest(chart, f"{top + 1.5:.6f}", high=f"{top + 2:.6f}")])
    _settle()
    assert chart.price_box.viewRange()[1][1] > before_high
    assert _on_screen(chart).convertToFormat(QImage.Format.Format_RGB32) == _painted_afresh(chart)


def test_a_bar_the_same_as_the_one_shown_repaints_nothing() -> None:
    chart = _chart()
    chart.update_bars([_newest(chart, "100.5")])
    _settle()
    paints = _Paints(chart)
    chart.update_bars([_newest(chart, "100.5")])
    _settle()
    assert paints.count == 0


def test_the_volume_scale_holds_while_the_newest_bars_growing_volume_stays_under_its_top() -> None:
    chart = _chart()
    volume_box = chart.volume_plot.getViewBox()
    tallest = float(chart.series.column("volume").max())
    chart.update_bars([_newest(chart, "100.5", volume=str(tallest + 1))])  # the live bar is the largest in view
    _settle()
    top = volume_box.viewRange()[1][1]
    assert top > tallest + 1
    for grown in (1.01, 1.02, 1.03):  # each trade adds to it
        chart.update_bars([_newest(chart, "100.5", volume=f"{(tallest + 1) * grown:.4f}")])
        _settle()
        assert volume_box.viewRange()[1][1] == top, "the volume scale moved with every trade"
        assert chart.candles.painted_bars <= 2, "the volume's growth repainted the whole chart"
    chart.update_bars([_newest(chart, "100.5", volume=str(top * 2))])  # past the top: the scale makes room
    _settle()
    assert volume_box.viewRange()[1][1] > top * 2
    assert _on_screen(chart).convertToFormat(QImage.Format.Format_RGB32) == _painted_afresh(chart)
