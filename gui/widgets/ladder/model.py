"""LadderModel: one row per price level at the instrument's tick, columns Buy, Bid, Price, Ask, Sell.

The controller stages depth, touch, last trade and own orders (by price in ticks) between frames; `flush()`
repaints once per frame (one dataChanged over the rows, the view paints only the visible ones). Cells
are computed on paint from a few dicts, so a whole book costs no per-cell work until it is visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from core.domain.depth import BookLevel

COLUMNS = ("buy", "bid", "price", "ask", "sell")
HEADERS = ("Buy", "Bid", "Price", "Ask", "Sell")
HALF_RANGE = 200
"""Levels above and below the centre the model holds; re-centring moves the window."""

_STALE = QBrush(QColor(150, 150, 150))
_BID_BG = QBrush(QColor(40, 90, 160, 70))
_ASK_BG = QBrush(QColor(170, 50, 50, 70))
_OWN_BG = QBrush(QColor(230, 180, 40, 110))
_LAST_BG = QBrush(QColor(120, 120, 120, 60))

Index = QModelIndex | QPersistentModelIndex


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


class LadderModel(QAbstractTableModel):
    """Price levels from `top` (in ticks) down; a Flushable the frame flusher drives."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tick = Decimal("0.01")
        self.places = 2
        self.top = 0
        self.bids: dict[int, Decimal] = {}
        self.asks: dict[int, Decimal] = {}
        self.buys: dict[int, Decimal] = {}
        self.sells: dict[int, Decimal] = {}
        self.last: int | None = None
        self.best_bid: int | None = None
        self.best_ask: int | None = None
        self.stale = False
        self._rows = 0
        self._dirty = False
        self._on_pending: Callable[[], None] | None = None

    # --- staging (cheap; any number per frame) --------------------------------------------------

    def reset(self, tick: Decimal, places: int) -> None:
        """Show another instrument: its tick, nothing on the book, no rows until centred."""
        self.beginResetModel()
        self.tick, self.places = tick, places
        self.bids, self.asks, self.buys, self.sells = {}, {}, {}, {}
        self.last = self.best_bid = self.best_ask = None
        self.stale = False
        self._rows = 0
        self.endResetModel()

    def ticks(self, price: Decimal) -> int:
        return int((price / self.tick).to_integral_value())

    def price_of_row(self, row: int) -> Decimal:
        return (self.top - row) * self.tick

    def row_of_price(self, price: Decimal) -> int | None:
        row = self.top - self.ticks(price)
        return row if 0 <= row < self._rows else None

    def centre_on(self, price: Decimal) -> int:
        """Hold HALF_RANGE levels each side of price; return price's row."""
        self.beginResetModel()
        self.top = self.ticks(price) + HALF_RANGE
        self._rows = 2 * HALF_RANGE + 1
        self.endResetModel()
        return HALF_RANGE

    def set_book(self, bids: Iterable[BookLevel], asks: Iterable[BookLevel]) -> None:
        self.bids = {self.ticks(level.price): level.size for level in bids}
        self.asks = {self.ticks(level.price): level.size for level in asks}
        self._stage()

    def set_touch(self, bid: Decimal | None, ask: Decimal | None, last: Decimal | None) -> None:
        self.best_bid = None if bid is None else self.ticks(bid)
        self.best_ask = None if ask is None else self.ticks(ask)
        self.last = None if last is None else self.ticks(last)
        self._stage()

    def set_orders(self, buys: Mapping[Decimal, Decimal], sells: Mapping[Decimal, Decimal]) -> None:
        """Own working quantity by price, per side."""
        self.buys = {self.ticks(p): q for p, q in buys.items()}
        self.sells = {self.ticks(p): q for p, q in sells.items()}
        self._stage()

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self._stage()

    def _stage(self) -> None:
        if not self._dirty:
            self._dirty = True
            if self._on_pending is not None:
                self._on_pending()

    # --- Flushable ------------------------------------------------------------------------------

    @property
    def has_pending(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, len(COLUMNS) - 1))

    def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
        self._on_pending = callback
        if callback is not None and self._dirty:
            callback()

    # --- Qt model -------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        ticks = self.top - index.row()
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(column, ticks)
        if role == Qt.ItemDataRole.ForegroundRole and self.stale and column in ("bid", "ask"):
            return _STALE
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(column, ticks)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def cell(self, column: int, ticks: int) -> tuple[str, QBrush | None]:
        """Return the text and background of column at price level ticks (the table's own paint reads this)."""
        key = COLUMNS[column]
        return self._text(key, ticks), self._background(key, ticks)

    def _text(self, column: str, ticks: int) -> str:
        if column == "price":
            text = f"{ticks * self.tick:.{self.places}f}"
            return f"▶ {text}" if ticks == self.last else text
        size = {"buy": self.buys, "bid": self.bids, "ask": self.asks, "sell": self.sells}[column].get(ticks)
        return "" if size is None else _qty(size)

    def _background(self, column: str, ticks: int) -> QBrush | None:
        if (column == "buy" and ticks in self.buys) or (column == "sell" and ticks in self.sells):
            return _OWN_BG
        if column == "bid" and ticks in self.bids:
            return _BID_BG
        if column == "ask" and ticks in self.asks:
            return _ASK_BG
        if column == "price" and ticks == self.last:
            return _LAST_BG
        return None
