"""TimeAxis: the chart's UTC time axis, a cheaper stand-in for pyqtgraph's DateAxisItem.

DateAxisItem converts every candidate tick to local time in Python, for several zoom levels, on every
pan frame (a fifth of a frame's time in bench/chart.py). Bars here are UTC, so the ticks are plain
multiples of one step chosen from the span (a minute to a year), a few dozen numbers computed in
numpy, labelled with one strftime each; months and years step on calendar boundaries.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyqtgraph as pg

MINUTE, HOUR, DAY = 60, 3600, 86400
_STEPS = (MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY,
          7 * DAY, 14 * DAY)
_MONTHS = (1, 3, 6, 12, 24, 60, 120)
_PIXELS_PER_TICK = 110


class TimeAxis(pg.AxisItem):  # type: ignore[misc]
    """A bottom axis of POSIX seconds (UTC): one level of ticks, about one per 110 pixels."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.enableAutoSIPrefix(False)
        self._step = float(MINUTE)
        self._months = 0

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        span = max(maxVal - minVal, 1.0)
        wanted = span / max(1.0, size / _PIXELS_PER_TICK)
        step = next((s for s in _STEPS if s >= wanted), None)
        if step is not None:
            self._step, self._months = float(step), 0
            first = math.ceil(minVal / step) * step
            return [(float(step), np.arange(first, maxVal, step, dtype=np.float64).tolist())]
        months = next((m for m in _MONTHS if m * 30 * DAY >= wanted), _MONTHS[-1])
        self._step, self._months = float(months * 30 * DAY), months
        return [(self._step, _month_ticks(minVal, maxVal, months))]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if self._months >= 12:
            pattern = "%Y"
        elif self._months:
            pattern = "%b %Y"
        elif self._step >= DAY:
            pattern = "%d %b"
        else:
            pattern = "%H:%M"
        return [_utc(v).strftime(pattern) if -1e11 < v < 1e11 else "" for v in values]


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _month_ticks(low: float, high: float, months: int) -> list[float]:
    start = _utc(max(low, 0.0))
    index = (start.year * 12 + start.month - 1) // months * months
    ticks: list[float] = []
    while True:
        year, month = divmod(index, 12)
        if year > 9999:
            break
        moment = datetime(year, month + 1, 1, tzinfo=UTC).timestamp()
        if moment > high:
            break
        if moment >= low:
            ticks.append(moment)
        index += months
    return ticks
