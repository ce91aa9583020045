"""TapeModel: time and sales under the ladder — the newest trade prints first (time, price, size, aggressor).

Prints are staged as the frame feed hands them over and inserted in one go per frame; at most MAX_PRINTS stay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from core.domain import Side
from core.domain.tape import TradePrint

MAX_PRINTS = 200
HEADERS = ("Time", "Price", "Size", "Side")
_BUY = QBrush(QColor(30, 130, 60))
_SELL = QBrush(QColor(190, 40, 40))

Index = QModelIndex | QPersistentModelIndex


class TapeModel(QAbstractTableModel):
    """The last MAX_PRINTS trade prints of one symbol, newest first; a Flushable the frame flusher drives."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.places = 2
        self._rows: list[tuple[str, str, str, str, Side | None]] = []
        self._staged: list[TradePrint] = []
        self._on_pending: Callable[[], None] | None = None

    def clear(self, places: int) -> None:
        self.beginResetModel()
        self.places = places
        self._rows.clear()
        self._staged.clear()
        self.endResetModel()

    def add(self, prints: Iterable[TradePrint]) -> None:
        was = bool(self._staged)
        self._staged.extend(prints)
        if not was and self._staged and self._on_pending is not None:
            self._on_pending()

    @property
    def has_pending(self) -> bool:
        return bool(self._staged)

    def flush(self) -> None:
        staged, self._staged = self._staged[-MAX_PRINTS:], []
        if not staged:
            return
        rows = [self._row(p) for p in reversed(staged)]
        self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
        self._rows[:0] = rows
        self.endInsertRows()
        if len(self._rows) > MAX_PRINTS:
            self.beginRemoveRows(QModelIndex(), MAX_PRINTS, len(self._rows) - 1)
            del self._rows[MAX_PRINTS:]
            self.endRemoveRows()

    def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
        self._on_pending = callback
        if callback is not None and self._staged:
            callback()

    def _row(self, trade: TradePrint) -> tuple[str, str, str, str, Side | None]:
        when: datetime = trade.ts.astimezone()
        side = "" if trade.aggressor is None else trade.aggressor.value.capitalize()
        return (when.strftime("%H:%M:%S.%f")[:-3], f"{trade.price:.{self.places}f}", f"{trade.size.normalize():f}",
                side, trade.aggressor)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and row[4] is not None:
            return _BUY if row[4] is Side.BUY else _SELL
        return None
