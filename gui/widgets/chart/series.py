"""BarSeries: one symbol's bars as growable float arrays (time, open, high, low, close, volume), oldest first.

The chart draws from these arrays, never from Bar objects: a million bars are six numpy arrays.
`upsert` puts the live bar in place (the same start replaces the newest, a later one is appended).
`version` counts every change; `history_version` only those that touch more than the newest bar's values (a
bar appended, an older bar replaced, new history), so a drawing of the bars before the newest caches on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from core.domain.bars import Bar

FIELDS = ("t", "open", "high", "low", "close", "volume")


class BarSeries:
    """Bars in columns; `t` is each bar's start in POSIX seconds."""

    def __init__(self) -> None:
        self._data = np.zeros((6, 256), dtype=np.float64)
        self.size = 0
        self.version = 0
        """Grows by one at each change (a drawing caches on it)."""
        self.history_version = 0
        """Grows by one at each change that is not only the newest bar's values moving in place."""
        self.visible_cache: tuple[object, tuple[NDArray[np.float64], float], int] | None = None
        """The bars in view as last merged (shared by the candles, the volume and the range fit), their cache key
        and the version they are of."""
        self.levels: object = None

    def column(self, name: str) -> NDArray[np.float64]:
        return self._data[FIELDS.index(name), : self.size]

    @property
    def t(self) -> NDArray[np.float64]:
        return self._data[0, : self.size]

    def columns(self) -> NDArray[np.float64]:
        """Return the 6 x size view (t, open, high, low, close, volume)."""
        return self._data[:, : self.size]

    def newest(self) -> NDArray[np.float64] | None:
        """Return a copy of the newest bar's column (t, open, high, low, close, volume), None when there is none."""
        return self._data[:, self.size - 1].copy() if self.size else None

    def set_arrays(self, columns: NDArray[np.float64]) -> None:
        """Replace every bar with columns (6 x n, oldest first)."""
        self._data = np.array(columns, dtype=np.float64, copy=True)
        self.size = self._data.shape[1]
        self._grow(self.size + 1)
        self._changed(history=True)

    def set_bars(self, bars: Sequence[Bar]) -> None:
        self.set_arrays(_columns(bars))

    def upsert(self, bars: Iterable[Bar]) -> bool:
        """Put each bar in place: replace the bar with its start, or append it when it is newer than all.

        Return whether any bar changed (a bar the same as the one in place changes nothing, not even `version`).
        """
        changed = history = False
        for bar in bars:
            row = _row(bar)
            if self.size and row[0] <= self._data[0, self.size - 1]:
                at = int(np.searchsorted(self._data[0, : self.size], row[0]))
                if at < self.size and self._data[0, at] == row[0] and tuple(self._data[:, at]) != row:
                    self._data[:, at] = row
                    changed = True
                    history = history or at < self.size - 1
                continue  # an old bar that is not in the series: history has it or not, leave it
            self._grow(self.size + 1)
            self._data[:, self.size] = row
            self.size += 1
            changed = history = True
        if changed:
            self._changed(history)
        return changed

    def clear(self) -> None:
        self.size = 0
        self._changed(history=True)

    def _changed(self, history: bool) -> None:
        self.version += 1
        if history:
            self.history_version += 1

    def _grow(self, needed: int) -> None:
        if needed > self._data.shape[1]:
            bigger = np.zeros((6, max(needed, self._data.shape[1] * 2)), dtype=np.float64)
            bigger[:, : self.size] = self._data[:, : self.size]
            self._data = bigger


def _row(bar: Bar) -> tuple[float, ...]:
    return (bar.start.timestamp(), float(bar.open), float(bar.high), float(bar.low), float(bar.close),
            float(bar.volume))


def _columns(bars: Sequence[Bar]) -> NDArray[np.float64]:
    if not bars:
        return np.zeros((6, 0), dtype=np.float64)
    return np.array([_row(bar) for bar in bars], dtype=np.float64).T
