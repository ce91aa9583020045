"""CandleItem and VolumeItem: one graphics item each that draws only the bars in view, in screen pixels.

Not one item per bar: each paint slices the visible bars out of the series (binary search on time),
and when there are more bars than pixels it merges neighbours into one candle per pixel column
(first open, highest high, lowest low, last close, summed volume), so a million bars draw as fast as
a screenful. Wicks and bodies are two painter paths per colour, built from numpy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from gui.widgets.chart.series import BarSeries

UP = QColor("#26a69a")
DOWN = QColor("#ef5350")
_BODY_SHARE = 0.7


class _SeriesItem(pg.GraphicsObject):  # type: ignore[misc]
    """A GraphicsObject over a BarSeries whose bars last `interval` seconds."""

    def __init__(self, series: BarSeries, interval: float) -> None:
        super().__init__()
        self.series = series
        self.interval = interval
        self._bounds = QRectF()
        self._bounds_version = -1
        self.painted_bars = 0
        """How many candles the last paint drew (after merging): the bench and tests read it."""

    def set_interval(self, interval: float) -> None:
        self.interval = interval
        self.changed()

    def changed(self) -> None:
        """Call after the series changed: recompute the bounds and repaint."""
        self.prepareGeometryChange()
        self._bounds_version = -1
        self.update()

    def boundingRect(self) -> QRectF:
        if self._bounds_version != self.series.version:
            self._bounds_version = self.series.version
            self._bounds = self._compute_bounds()
        return self._bounds

    def _compute_bounds(self) -> QRectF:
        raise NotImplementedError

    def visible(self) -> tuple[NDArray[np.float64], float] | None:
        """Return the columns of the bars in view (merged to about one a pixel) and their width in seconds."""
        view = self.getViewBox()
        if view is None or self.series.size == 0:
            return None
        (x0, x1), _ = view.viewRange()
        t = self.series.t
        i0 = max(0, int(np.searchsorted(t, x0 - self.interval)))
        i1 = int(np.searchsorted(t, x1 + self.interval, side="right"))
        if i1 <= i0:
            return None
        pixels = max(1.0, view.width())
        key = (self.series.version, i0, i1, int(pixels), self.interval)
        cached = self.series.visible_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        shown = _merge(self.series.columns()[:, i0:i1], self.series.levels, i0, pixels, self.interval)
        self.series.visible_cache = (key, shown)
        return shown


def _merge(cols: NDArray[np.float64], levels: object, i0: int, pixels: float,
           interval: float) -> tuple[NDArray[np.float64], float]:
    """Merge neighbouring bars so about one candle in two pixels remains."""
    count = cols.shape[1]
    if count <= pixels / 2:
        return cols, interval
    step = int(np.ceil(count / (pixels / 2)))
    starts = np.arange(0, count, step)
    ends = np.minimum(starts + step - 1, count - 1)
    merged = np.empty((6, len(starts)), dtype=np.float64)
    merged[0] = cols[0, starts]
    merged[1] = cols[1, starts]
    merged[2] = np.maximum.reduceat(cols[2], starts)
    merged[3] = np.minimum.reduceat(cols[3], starts)
    merged[4] = cols[4, ends]
    merged[5] = np.add.reduceat(cols[5], starts)
    return merged, interval * step


def _pairs(x: NDArray[np.float64], y0: NDArray[np.float64], y1: NDArray[np.float64]) -> Any:
    xs = np.repeat(x, 2)
    ys = np.empty(len(x) * 2, dtype=np.float64)
    ys[0::2] = y0
    ys[1::2] = y1
    return pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)


class CandleItem(_SeriesItem):
    """Candlesticks: a wick from low to high and a body from open to close, green up and red down."""

    def _compute_bounds(self) -> QRectF:
        if self.series.size == 0:
            return QRectF()
        t = self.series.t
        low = float(self.series.column("low").min())
        high = float(self.series.column("high").max())
        return QRectF(float(t[0]), low, float(t[-1] - t[0]) + self.interval, max(high - low, 1e-9))

    def paint(self, painter: QPainter, *_args: Any) -> None:
        shown = self.visible()
        if shown is None:
            self.painted_bars = 0
            return
        cols, width = shown
        transform = painter.transform()
        sx, dx, sy, dy = transform.m11(), transform.m31(), transform.m22(), transform.m32()
        x = (cols[0] + width / 2) * sx + dx
        o, h, lo, c = (cols[i] * sy + dy for i in (1, 2, 3, 4))
        body_px = max(1.0, abs(width * sx) * _BODY_SHARE)
        flat = np.abs(o - c) < 1
        c = np.where(flat, o + 1, c)
        up = cols[4] >= cols[1]
        painter.save()
        painter.resetTransform()
        for mask, color in ((up, UP), (~up, DOWN)):
            if not mask.any():
                continue
            painter.setPen(QPen(color, 1))
            painter.drawPath(_pairs(x[mask], h[mask], lo[mask]))
            if body_px > 2:
                pen = QPen(color, body_px)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                painter.setPen(pen)
                painter.drawPath(_pairs(x[mask], o[mask], c[mask]))
        painter.restore()
        self.painted_bars = cols.shape[1]


class VolumeItem(_SeriesItem):
    """Volume bars from zero, coloured like their candle."""

    def _compute_bounds(self) -> QRectF:
        if self.series.size == 0:
            return QRectF()
        t = self.series.t
        return QRectF(float(t[0]), 0.0, float(t[-1] - t[0]) + self.interval,
                      max(float(self.series.column("volume").max()), 1.0))

    def paint(self, painter: QPainter, *_args: Any) -> None:
        shown = self.visible()
        if shown is None:
            return
        cols, width = shown
        transform = painter.transform()
        sx, dx, sy, dy = transform.m11(), transform.m31(), transform.m22(), transform.m32()
        x = (cols[0] + width / 2) * sx + dx
        top = cols[5] * sy + dy
        base = np.full_like(top, dy)
        body_px = max(1.0, abs(width * sx) * _BODY_SHARE)
        up = cols[4] >= cols[1]
        painter.save()
        painter.resetTransform()
        thin = body_px < 2  # a hairline: the raster engine's fast path, not a stroked polygon per bar
        for mask, color in ((up, UP), (~up, DOWN)):
            if mask.any():
                pen = QPen(color, 0 if thin else body_px)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                painter.setPen(pen)
                painter.drawPath(_pairs(x[mask], base[mask], top[mask]))
        painter.restore()
