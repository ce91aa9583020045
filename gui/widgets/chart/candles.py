"""CandleItem and VolumeItem: one graphics item each that draws only the bars in view, in screen pixels.

Not one item per bar: each paint slices the visible bars out of the series (binary search on time),
and when there are more bars than pixels it merges neighbours into one candle per pixel column
(first open, highest high, lowest low, last close, summed volume), so a million bars draw as fast as
a screenful. Wicks and bodies are two painter paths per colour, built from numpy arrays. A quote that moves
only the newest bar repaints that bar's rectangle alone (`live_changed`), and a paint draws only the bars in the
rectangle Qt exposes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from gui.widgets.chart.series import BarSeries

UP = QColor("#26a69a")
DOWN = QColor("#ef5350")
_BODY_SHARE = 0.7


class _SeriesItem(pg.GraphicsObject):  # type: ignore[misc]
    """A GraphicsObject over a BarSeries whose bars last `interval` seconds.

    A paint draws only the bars in the rectangle Qt exposes (ItemUsesExtendedStyleOption), and a quote that moves
    only the newest bar (live_changed) asks Qt to repaint that bar's rectangle, not the pane: the other bars'
    pixels stay as they were, and their columns are not even sliced again.
    """

    def __init__(self, series: BarSeries, interval: float) -> None:
        super().__init__()
        self.series = series
        self.interval = interval
        self._bounds = QRectF()
        self._bounds_version = -1
        """The series version the bounds were last found right for (-1: find them again)."""
        self._history_bounds = QRectF()
        self._history_version = -1
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.painted_bars = 0
        """How many candles the last paint drew (after merging): the bench and tests read it."""

    def set_interval(self, interval: float) -> None:
        self.interval = interval
        self.changed()

    def changed(self) -> None:
        """Call after the series changed: recompute the bounds and repaint."""
        self.prepareGeometryChange()
        self._bounds_version = self._history_version = -1
        self.update()

    def live_changed(self, before: NDArray[np.float64]) -> None:
        """Call after only the newest bar's values moved (before: its column until then): repaint just that bar."""
        newest = self._extent(self.series.columns()[:, -1:])
        if self._bounds_version == -1 or not self._bounds.contains(newest):
            self.changed()  # the bar reached past the bounds: Qt must know before they move
            return
        self._bounds_version = self.series.version  # still within them: they hold as they are
        self.update(self._live_rect(before))

    def boundingRect(self) -> QRectF:
        if self._bounds_version != self.series.version:
            self._bounds_version = self.series.version
            self._bounds = self._compute_bounds()
        return self._bounds

    def _compute_bounds(self) -> QRectF:
        """Every bar's rectangle, with a quarter of its height again above and below: room for the newest bar to
        move in without the bounds moving (they only tell Qt where the item draws; the ranges are set apart)."""
        if self.series.size == 0:
            return QRectF()
        if self._history_version != self.series.history_version:
            self._history_version = self.series.history_version
            older = self.series.columns()[:, :-1]
            self._history_bounds = self._extent(older) if older.shape[1] else QRectF()
        bounds = self._extent(self.series.columns()[:, -1:])
        if not self._history_bounds.isNull():
            bounds = bounds.united(self._history_bounds)
        room = bounds.height() / 4
        return bounds.adjusted(0, -room, 0, room)

    def _extent(self, cols: NDArray[np.float64]) -> QRectF:
        """The rectangle bars cols (6 x n, n > 0) span, a whole interval wide each."""
        raise NotImplementedError

    def _live_rect(self, before: NDArray[np.float64]) -> QRectF:
        """The rectangle the newest candle was and is drawn in: before's and its own, or its merged column's."""
        newest = self.series.columns()[:, -1:]
        shown = self.visible()
        if shown is not None and shown[1] != self.interval and shown[0][0, -1] <= newest[0, 0]:
            # merged with its neighbours: their candle's colour and extent may change, redraw its whole column
            return QRectF(float(shown[0][0, -1]), self._bounds.top(), shown[1], self._bounds.height())
        return self._moved_rect(before, newest[:, 0])

    def _moved_rect(self, before: NDArray[np.float64], now: NDArray[np.float64]) -> QRectF:
        """The rectangle whose pixels a bar drawn alone changed in, from before to now (columns)."""
        return self._extent(now.reshape(6, 1)).united(self._extent(before.reshape(6, 1)))

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
        key = (self.series.history_version, i0, i1, int(pixels), self.interval)
        cached = self.series.visible_cache
        if cached is not None and cached[0] == key:
            shown = cached[1]
            if cached[2] != self.series.version and shown[1] != self.interval and i1 == self.series.size:
                _merge_last(shown[0], self.series.columns()[:, i0:i1])  # only the newest bar moved
            self.series.visible_cache = (key, shown, self.series.version)
            return shown  # unmerged, the columns are a view of the series: its newest bar is as it is now
        shown = _merge(self.series.columns()[:, i0:i1], self.series.levels, i0, pixels, self.interval)
        self.series.visible_cache = (key, shown, self.series.version)
        return shown

    def exposed(self, cols: NDArray[np.float64], width: float, option: Any) -> NDArray[np.float64]:
        """Return the columns of cols whose candle meets the rectangle Qt asked this paint to draw."""
        rect = getattr(option, "exposedRect", None)
        if rect is None or rect.isNull() or cols.shape[1] == 0:
            return cols
        t = cols[0]  # oldest first: the exposed candles are one slice of them (a view, no copy)
        return cols[:, int(np.searchsorted(t, rect.left() - width)):int(np.searchsorted(t, rect.right(), "right"))]

    def paint(self, painter: QPainter, option: Any = None, *_args: Any) -> None:
        shown = self.visible()
        if shown is None:
            self.painted_bars = 0
            return
        cols, width = shown
        cols = self.exposed(cols, width, option)
        self.painted_bars = cols.shape[1]
        if cols.shape[1]:
            self.draw(painter, cols, width)

    def draw(self, painter: QPainter, cols: NDArray[np.float64], width: float) -> None:
        """Draw cols (6 x n, n > 0), each candle width seconds wide, in screen pixels."""
        raise NotImplementedError


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


def _merge_last(merged: NDArray[np.float64], cols: NDArray[np.float64]) -> None:
    """Merge the last candle of merged again from cols (the bars merged was made of): the newest bar moved."""
    start = int(np.searchsorted(cols[0], merged[0, -1]))
    group = cols[:, start:]
    merged[2, -1] = group[2].max()
    merged[3, -1] = group[3].min()
    merged[4, -1] = group[4, -1]
    merged[5, -1] = group[5].sum()


_FEW = 8
"""Up to this many segments a path is built point by point: arrayToQPath's own cost is some 25 us a call."""


def _pairs(x: NDArray[np.float64], y0: NDArray[np.float64], y1: NDArray[np.float64]) -> Any:
    """Return a path of one vertical segment (x, y0) - (x, y1) per bar."""
    if len(x) <= _FEW:  # a live bar's repaint: one or two candles
        path = QPainterPath()
        for xi, a, b in zip(x.tolist(), y0.tolist(), y1.tolist(), strict=True):
            path.moveTo(xi, a)
            path.lineTo(xi, b)
        return path
    xs = np.repeat(x, 2)
    ys = np.empty(len(x) * 2, dtype=np.float64)
    ys[0::2] = y0
    ys[1::2] = y1
    return pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)


class CandleItem(_SeriesItem):
    """Candlesticks: a wick from low to high and a body from open to close, green up and red down."""

    def _extent(self, cols: NDArray[np.float64]) -> QRectF:
        t = cols[0]
        low, high = float(cols[3].min()), float(cols[2].max())
        return QRectF(float(t[0]), low, float(t[-1] - t[0]) + self.interval, max(high - low, 1e-9))

    def draw(self, painter: QPainter, cols: NDArray[np.float64], width: float) -> None:
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


class VolumeItem(_SeriesItem):
    """Volume bars from zero, coloured like their candle."""

    def _extent(self, cols: NDArray[np.float64]) -> QRectF:
        """From zero to the bars' summed volume: zoomed out, a bar is several bars' volume merged, and it must be
        inside the bounds (those of the largest bar alone left a merged bar's top unpainted as it grew)."""
        t = cols[0]
        return QRectF(float(t[0]), 0.0, float(t[-1] - t[0]) + self.interval, max(float(cols[5].sum()), 1.0))

    def _moved_rect(self, before: NDArray[np.float64], now: NDArray[np.float64]) -> QRectF:
        """Only between the old and the new top while its colour holds: the bar's foot (on the time axis) stays."""
        if (before[4] >= before[1]) != (now[4] >= now[1]):
            return super()._moved_rect(before, now)
        low, high = sorted((float(before[5]), float(now[5])))
        return QRectF(float(now[0]), low, self.interval, max(high - low, 1e-9))

    def draw(self, painter: QPainter, cols: NDArray[np.float64], width: float) -> None:
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
