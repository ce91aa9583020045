"""RowTableModel: a QAbstractTableModel over a dict of rows, changed only by flush(), once per frame."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView

from gui.models.columns import Column

Key = Hashable
VisibleProbe = Callable[[], tuple[int, int] | None]
_Cells = tuple[list[str], list[QColor | None]]

RawRole = int(Qt.ItemDataRole.UserRole) + 1
"""data() role answering the row object itself (for click handling and tests)."""
KeyRole = int(Qt.ItemDataRole.UserRole) + 2
"""data() role answering the row's key."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_CHANGED_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole]
_ROOT = QModelIndex()
_AnyIndex = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel):
    """Rows keyed by id, in arrival order or by `sort_key`; every change waits for `flush()`.

    `upsert` and `remove` only stage work and cost a few dict operations; `flush` applies it with
    one insert or remove per contiguous block, formats the dirty rows that are visible in the
    attached view into a per-row cache of strings and colors, and emits one `dataChanged`
    spanning the cells whose text or color changed (a visible row not cached before counts as
    wholly changed; a flush that changes no visible text emits nothing). Dirty rows off screen
    lose their cache entry and are formatted by `data()` or `cell()` when the view scrolls to
    them. A row's `sort_key` value must not change during its life; a row for which `accepts`
    is false is left out (or taken out) at the next flush.
    `dataChanged` covers visible rows only, so attach views directly, not through a proxy model.

    Events (Qt signals, emitted from `flush()` and `clear()` only):
        rowsInserted(parent, first, last): staged rows entered the grid.
        rowsRemoved(parent, first, last): rows were removed or stopped passing `accepts`.
        dataChanged(top_left, bottom_right, roles): one span covering the visible changed cells.
        modelReset(): `clear()` emptied the grid.
    """

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        sort_key: Callable[[Any], Any] | None = None,
        descending: bool = False,
        accepts: Callable[[Any], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._formatters = [column.formatter for column in self._columns]
        self._colorers = [(i, c.color) for i, c in enumerate(self._columns) if c.color is not None]
        self._alignments = [column.alignment for column in self._columns]
        self._sort_key = sort_key
        self._descending = descending
        self._accepts = accepts
        self._rows: dict[Key, Any] = {}
        self._keys: list[Key] = []
        self._sort_values: list[Any] = []
        self._index: dict[Key, int] | None = None
        self._cache: dict[Key, _Cells] = {}
        self._staged: dict[Key, Any] = {}
        self._dirty: set[Key] = set()
        self._removals: set[Key] = set()
        self._pending = False
        self._on_pending: Callable[[], None] | None = None
        self._probe: VisibleProbe | None = None

    # --- feeding ------------------------------------------------------------------------------

    def upsert(self, key: Key, row: Any) -> None:
        """Stage row under key (a new row or a replacement); nothing is emitted until flush()."""
        if key in self._rows:
            self._rows[key] = row
            self._dirty.add(key)
            if self._removals:
                self._removals.discard(key)
        else:
            self._staged[key] = row
        if not self._pending:
            self._mark_pending()

    def remove(self, key: Key) -> None:
        """Stage the removal of key's row; unknown keys are ignored."""
        self._staged.pop(key, None)
        if key in self._rows:
            self._removals.add(key)
            self._dirty.discard(key)
            if not self._pending:
                self._mark_pending()

    def upsert_many(self, items: Iterable[tuple[Key, Any]]) -> None:
        """Stage every (key, row) of items as upsert() would, in one call (a frame's worth of updates)."""
        rows, dirty, removals = self._rows, self._dirty, self._removals
        for key, row in items:
            if key in rows:
                rows[key] = row
                dirty.add(key)
                if removals:
                    removals.discard(key)
            else:
                self._staged[key] = row
        if not self._pending and (dirty or self._staged):
            self._mark_pending()

    def mark_dirty(self, key: Key) -> None:
        """Re-format key's row at the next flush (its object was changed in place)."""
        if key in self._rows:
            self._dirty.add(key)
            if not self._pending:
                self._mark_pending()

    def mark_dirty_many(self, keys: Iterable[Key]) -> None:
        """Re-format the rows of keys at the next flush (mark_dirty for many keys, in one call)."""
        rows = self._rows
        self._dirty.update(key for key in keys if key in rows)
        if self._dirty and not self._pending:
            self._mark_pending()

    def mark_all_dirty(self) -> None:
        """Re-format every row at the next flush (e.g. after a change of display settings)."""
        if self._rows:
            self._dirty.update(self._rows)
            if not self._pending:
                self._mark_pending()

    def clear(self) -> None:
        """Remove every row and all staged work at once."""
        self.beginResetModel()
        for container in (self._rows, self._keys, self._sort_values, self._cache, self._staged, self._dirty,
                          self._removals):
            container.clear()
        self._index = None
        self._pending = False
        self.endResetModel()

    def move(self, key: Key, to: int) -> None:
        """Move key's row to position `to` now (models without sort_key; the trader reorders a list)."""
        if self._sort_key is not None:
            raise ValueError("a sorted model keeps its rows in sort order")
        self.flush()
        if key not in self._rows:
            return
        source = self._keys.index(key)
        to = max(0, min(to, len(self._keys) - 1))
        if to == source:
            return
        self.beginMoveRows(_ROOT, source, source, _ROOT, to + 1 if to > source else to)
        self._keys.insert(to, self._keys.pop(source))
        self._index = None
        self.endMoveRows()

    # --- flushing -----------------------------------------------------------------------------

    @property
    def has_pending(self) -> bool:
        """True when upserts or removals wait for flush()."""
        return self._pending

    def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
        """Call callback whenever the model goes from idle to having pending work."""
        self._on_pending = callback
        if callback is not None and self._pending:
            callback()

    def set_visible_probe(self, probe: VisibleProbe | None) -> None:
        """Ask probe for the (first_row, last_row) on screen at each flush; None from it means none.

        Without a probe every row counts as visible.
        """
        self._probe = probe

    def attach_view(self, view: QTableView) -> None:
        """Show this model in view and repaint only the rows view shows."""
        view.setModel(self)
        self.set_visible_probe(visible_rows_probe(view))

    def flush(self) -> None:
        """Apply staged removals and inserts, re-format dirty rows and repaint."""
        if not self._pending:
            return
        self._pending = False
        doomed, self._removals = self._removals, set()
        staged, self._staged = self._staged, {}
        dirty, self._dirty = self._dirty, set()
        accepts = self._accepts
        if accepts is not None:
            rows = self._rows
            doomed.update(key for key in dirty if not accepts(rows[key]))
            staged = {key: row for key, row in staged.items() if accepts(row)}
        if doomed:
            dirty -= doomed
            self._remove_keys(doomed)
        if staged:
            self._insert(staged)
        if dirty:
            self._refresh(dirty)

    def _mark_pending(self) -> None:
        self._pending = True
        if self._on_pending is not None:
            self._on_pending()

    def _remove_keys(self, doomed: set[Key]) -> None:
        positions = [i for i, key in enumerate(self._keys) if key in doomed]
        for start, end in reversed(_runs(positions)):
            self.beginRemoveRows(_ROOT, start, end)
            for key in self._keys[start : end + 1]:
                del self._rows[key]
                self._cache.pop(key, None)
            del self._keys[start : end + 1]
            if self._sort_key is not None:
                del self._sort_values[start : end + 1]
            self.endRemoveRows()
        self._index = None

    def _insert(self, staged: dict[Key, Any]) -> None:
        self._index = None
        if self._sort_key is None:
            first = len(self._keys)
            self.beginInsertRows(_ROOT, first, first + len(staged) - 1)
            self._rows.update(staged)
            self._keys.extend(staged)
            self.endInsertRows()
            return
        sort_key = self._sort_key
        ordered = sorted(((sort_key(row), key, row) for key, row in staged.items()),
                         key=lambda item: item[0], reverse=self._descending)
        blocks: list[tuple[int, list[tuple[Any, Key, Any]]]] = []
        for item in ordered:
            position = self._position_for(item[0])
            if blocks and blocks[-1][0] == position:
                blocks[-1][1].append(item)
            else:
                blocks.append((position, [item]))
        for position, items in reversed(blocks):
            self._rows.update((key, row) for _, key, row in items)
            self.beginInsertRows(_ROOT, position, position + len(items) - 1)
            self._keys[position:position] = [key for _, key, _ in items]
            self._sort_values[position:position] = [value for value, _, _ in items]
            self.endInsertRows()

    def _position_for(self, value: Any) -> int:
        values = self._sort_values
        if not self._descending:
            return bisect_right(values, value)
        if not values or values[0] < value:  # newer than every row (new orders, newest first): the top, at once
            return 0
        low, high = 0, len(values)
        while low < high:
            middle = (low + high) // 2
            if values[middle] < value:
                high = middle
            else:
                low = middle + 1
        return low

    def _refresh(self, dirty: set[Key]) -> None:
        cache = self._cache
        first, last = self._visible_span()
        shown: list[tuple[int, Key, _Cells | None]] = []
        if first <= last:
            keys = self._keys
            # Look at each shown row, or look each dirty row up in the index: whichever is fewer steps.
            # Rebuilding the index costs a step per row, and every insert drops it (new orders at 1,000/s).
            index_steps = len(dirty) + (len(keys) if self._index is None else 0)
            if last - first < index_steps:
                shown = [(position, keys[position], cache.get(keys[position]))
                         for position in range(first, last + 1) if keys[position] in dirty]
            else:
                index = self._key_index()
                shown = [(index[key], key, cache.get(key)) for key in dirty if first <= index[key] <= last]
        for key in dirty:
            cache.pop(key, None)
        if not shown:
            return
        rows, width = self._rows, len(self._columns)
        top, bottom, left, right = -1, -1, width, -1
        for position, key, old in shown:
            cells = cache[key] = self._format(rows[key])
            span = (0, width - 1) if old is None else _changed_span(old, cells)
            if span is None:
                continue
            top = position if top < 0 else min(top, position)
            bottom = max(bottom, position)
            left, right = min(left, span[0]), max(right, span[1])
        if top >= 0:
            self.dataChanged.emit(self.index(top, left), self.index(bottom, right), _CHANGED_ROLES)

    def _visible_span(self) -> tuple[int, int]:
        count = len(self._keys)
        if self._probe is None:
            return 0, count - 1
        span = self._probe()
        if span is None:
            return 0, -1
        return max(0, span[0]), min(count - 1, span[1])

    def _format(self, row: Any) -> _Cells:
        texts = [formatter(row) for formatter in self._formatters]
        colors: list[QColor | None] = [None] * len(texts)
        for position, color in self._colorers:
            colors[position] = color(row)
        return texts, colors

    def _key_index(self) -> dict[Key, int]:
        if self._index is None:
            self._index = {key: position for position, key in enumerate(self._keys)}
        return self._index

    # --- reading ------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns, in display order."""
        return self._columns

    def cell(self, row: int, column: int) -> tuple[str, QColor | None]:
        """Return the text and color (None: the view's text color) of a cell, formatting its row if needed."""
        texts, colors = self.row_cells(row)
        return texts[column], colors[column]

    def row_cells(self, row: int) -> tuple[Sequence[str], Sequence[QColor | None]]:
        """Return the texts and colors of every cell of the row at position row, formatting it if needed."""
        key = self._keys[row]
        cells = self._cache.get(key)
        if cells is None:
            cells = self._cache[key] = self._format(self._rows[key])
        return cells

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        """Return how column aligns its text in a cell."""
        return self._alignments[column]

    def key_at(self, row: int) -> Key:
        """Return the key of the row at position row."""
        return self._keys[row]

    def row_at(self, row: int) -> Any:
        """Return the row object at position row."""
        return self._rows[self._keys[row]]

    def row_of(self, key: Key) -> int | None:
        """Return key's position in the grid, or None if it is not shown (yet)."""
        return self._key_index().get(key)

    def get(self, key: Key) -> Any | None:
        """Return key's row, shown or staged, or None."""
        row = self._rows.get(key)
        return self._staged.get(key) if row is None else row

    def row_keys(self) -> tuple[Key, ...]:
        """Return the keys shown, top to bottom."""
        return tuple(self._keys)

    # --- Qt overrides -------------------------------------------------------------------------

    def rowCount(self, parent: _AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: _AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _AnyIndex, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY:
            slot = 0
        elif role == _FOREGROUND:
            slot = 1
        elif role == _ALIGNMENT:
            return self._alignments[index.column()] if index.isValid() else None
        elif role == RawRole:
            return self._rows[self._keys[index.row()]] if index.isValid() else None
        elif role == KeyRole:
            return self._keys[index.row()] if index.isValid() else None
        else:
            return None
        row = index.row()
        if row < 0:
            return None
        key = self._keys[row]
        cells = self._cache.get(key)
        if cells is None:
            cells = self._cache[key] = self._format(self._rows[key])
        return cells[slot][index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header
        if role == _ALIGNMENT and orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._alignments[section]  # a number's header sits over its digits
        return None


def visible_rows_probe(view: QTableView) -> VisibleProbe:
    """Return a probe answering the (first_row, last_row) view shows now, or None while it shows none."""

    def probe() -> tuple[int, int] | None:
        try:
            if not view.isVisible():
                return None
        except RuntimeError:  # the view's C++ object was deleted
            return None
        first = view.rowAt(0)
        if first < 0:
            return None
        last = view.rowAt(view.viewport().height() - 1)
        if last < 0:
            model = view.model()
            last = model.rowCount() - 1 if model is not None else first
        return first, last

    return probe


def _changed_span(old: _Cells, new: _Cells) -> tuple[int, int] | None:
    """Return the first and last column whose text or color differs between old and new, or None."""
    if old[0] == new[0] and old[1] == new[1]:
        return None
    cells = zip(old[0], new[0], old[1], new[1], strict=True)
    changed = [column for column, (was, now, was_color, now_color) in enumerate(cells)
               if was != now or was_color != now_color]
    return changed[0], changed[-1]


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Group ascending positions into (start, end) runs of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and runs[-1][1] == position - 1:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs
