"""LadderModel: one row per price level at the instrument's tick, columns Buy, Bid, Price, Ask, Sell, Volume.

The controller stages depth, touch, last trade and own orders (by price in ticks) between frames; staging
notes which cells changed (a column at a level) and formats their text once. `flush()` (at most once per
frame, from the frame flusher) tells the view about the changed cells only, in runs per column, so the view
repaints those cells and nothing else: a depth storm costs each ladder one small repaint per frame (its Bid
and Ask cells that changed) however many books arrived in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from core.domain.depth import BookLevel

COLUMNS = ("buy", "bid", "price", "ask", "sell", "volume")
HEADERS = ("Buy", "Bid", "Price", "Ask", "Sell", "Volume")
BUY, BID, PRICE, ASK, SELL, VOLUME = range(len(COLUMNS))
HALF_RANGE = 200
"""Levels above and below the centre the model holds; re-centring moves the window."""
_TEXT_CACHE_MAX = 4096

STALE = QBrush(QColor(150, 150, 150))
_BID_BG = QBrush(QColor(40, 90, 160, 70))
_ASK_BG = QBrush(QColor(170, 50, 50, 70))
_OWN_BG = QBrush(QColor(230, 180, 40, 110))
LAST_BG = QBrush(QColor(120, 120, 120, 60))
VOLUME_BAR = QBrush(QColor(90, 140, 90, 90))
BRUSHES: tuple[QBrush | None, ...] = (_OWN_BG, _BID_BG, None, _ASK_BG, _OWN_BG, None)
"""The background of a cell in each column that has a size at its level (price: LAST_BG on the last trade;
volume: a VOLUME_BAR as long as its share of the session's largest volume at a price)."""

Index = QModelIndex | QPersistentModelIndex


def _changed(old: Mapping[int, Decimal], new: Mapping[int, Decimal]) -> set[int]:
    """Levels whose size appeared, went or changed (the items' symmetric difference, worked out in C)."""
    return {t for t, _size in old.items() ^ new.items()}


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Contiguous (first, last) runs of sorted rows."""
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class LadderModel(QAbstractTableModel):
    """Price levels from `top` (in ticks) down; a Flushable the frame flusher drives.

    `texts[column]` maps a level (ticks) to the text shown there (empty dict for the price column, whose
    text is `price_text(ticks)`): the view paints from these without formatting anything.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tick = Decimal("0.01")
        self.places = 2
        self.top = 0
        self.bids: dict[int, Decimal] = {}
        self.asks: dict[int, Decimal] = {}
        self.buys: dict[int, Decimal] = {}
        self.sells: dict[int, Decimal] = {}
        self.volumes: dict[int, Decimal] = {}
        self.max_volume = Decimal(0)
        self.texts: list[dict[int, str]] = [{} for _ in COLUMNS]
        self.last: int | None = None
        self.best_bid: int | None = None
        self.best_ask: int | None = None
        self.stale = False
        self._rows = 0
        self._prices: dict[int, str] = {}
        self._ticks: dict[Decimal, int] = {}
        self._sizes: dict[Decimal, str] = {}
        self._dirty_cells: dict[int, set[int]] = {}
        """Column -> levels (ticks) whose cell changed since the last flush."""
        self._dirty_all = False
        self._dirty = False
        self._on_pending: Callable[[], None] | None = None

    # --- staging (cheap; any number per frame) --------------------------------------------------

    def reset(self, tick: Decimal, places: int) -> None:
        """Show another instrument: its tick, nothing on the book, no rows until centred."""
        self.beginResetModel()
        self.tick, self.places = tick, places
        self.bids, self.asks, self.buys, self.sells = {}, {}, {}, {}
        self.volumes, self.max_volume = {}, Decimal(0)
        self.texts = [{} for _ in COLUMNS]
        self.last = self.best_bid = self.best_ask = None
        self.stale = False
        self._rows = 0
        self._prices.clear()
        self._ticks.clear()
        self._dirty_cells.clear()
        self._dirty_all = False
        self.endResetModel()

    def ticks(self, price: Decimal) -> int:
        """price in ticks (a Decimal division the first time a price is seen, a look-up after: a book repeats
        its prices)."""
        ticks = self._ticks.get(price)
        if ticks is None:
            if len(self._ticks) >= _TEXT_CACHE_MAX:
                self._ticks.clear()
            ticks = self._ticks[price] = int((price / self.tick).to_integral_value())
        return ticks

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
        self._dirty_cells.clear()
        self.endResetModel()
        return HALF_RANGE

    def set_book(self, bids: Iterable[BookLevel], asks: Iterable[BookLevel]) -> None:
        ticks = self.ticks
        new_bids = {ticks(level.price): level.size for level in bids}
        new_asks = {ticks(level.price): level.size for level in asks}
        changed = _changed(self.bids, new_bids)
        if changed:
            self.bids = new_bids
            self._set_texts(BID, new_bids, changed)
        changed = _changed(self.asks, new_asks)
        if changed:
            self.asks = new_asks
            self._set_texts(ASK, new_asks, changed)

    def set_touch(self, bid: Decimal | None, ask: Decimal | None, last: Decimal | None) -> None:
        self.best_bid = None if bid is None else self.ticks(bid)
        self.best_ask = None if ask is None else self.ticks(ask)
        new_last = None if last is None else self.ticks(last)
        if new_last != self.last:
            changed = {t for t in (self.last, new_last) if t is not None}
            self.last = new_last
            self._stage(PRICE, changed)

    def set_orders(self, buys: Mapping[Decimal, Decimal], sells: Mapping[Decimal, Decimal],
                   marks: Mapping[tuple[str, Decimal], str] | None = None) -> None:
        """Own working quantity by price, per side; marks: ('buy' or 'sell', price) -> a label shown there too
        (a bracket's children: 'SL', 'TP', 'SL held')."""
        marks = marks or {}
        new_buys = {self.ticks(p): q for p, q in buys.items()}
        new_sells = {self.ticks(p): q for p, q in sells.items()}
        self.buys, self.sells = new_buys, new_sells
        for column, key, sizes in ((BUY, "buy", new_buys), (SELL, "sell", new_sells)):
            texts = {t: self.size_text(size) for t, size in sizes.items()}
            for (side, price), label in marks.items():
                if side == key:
                    t = self.ticks(price)
                    texts[t] = f"{texts[t]} {label}" if t in texts else label
            old = self.texts[column]
            changed = {t for t in old.keys() | texts.keys() if old.get(t) != texts.get(t)}
            if changed:
                self.texts[column] = texts
                self._stage(column, changed)

    def set_volume(self, levels: Mapping[Decimal, Decimal], changed: Iterable[Decimal] | None = None) -> None:
        """Session volume by price; changed: the prices that changed since the last call (None: any may have)."""
        ticks, size_text, texts = self.ticks, self.size_text, self.texts[VOLUME]
        if changed is None:
            self.volumes = {ticks(p): v for p, v in levels.items()}
            dirty = set(texts) | set(self.volumes)
            self.texts[VOLUME] = {t: size_text(v) for t, v in self.volumes.items()}
        else:
            dirty = set()
            for price in changed:
                t = ticks(price)
                self.volumes[t] = levels[price]
                texts[t] = size_text(levels[price])
                dirty.add(t)
        top = max(self.volumes.values(), default=Decimal(0))
        if top != self.max_volume:  # every bar's length changes with the largest
            self.max_volume = top
            dirty.update(self.volumes)
        if dirty:
            self._stage(VOLUME, dirty)

    def volume_share(self, ticks: int) -> float:
        """The volume at level ticks as a share of the session's largest at any price (0 to 1)."""
        volume = self.volumes.get(ticks)
        return 0.0 if volume is None or not self.max_volume else float(volume / self.max_volume)

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self._dirty_all = True
            self._stage(PRICE, ())

    def _set_texts(self, column: int, sizes: Mapping[int, Decimal], changed: set[int]) -> None:
        size_text = self.size_text
        self.texts[column] = {t: size_text(size) for t, size in sizes.items()}
        self._stage(column, changed)

    def size_text(self, size: Decimal) -> str:
        """The text of a size (formatted once per distinct size)."""
        text = self._sizes.get(size)
        if text is None:
            if len(self._sizes) >= _TEXT_CACHE_MAX:
                self._sizes.clear()
            text = self._sizes[size] = f"{size.normalize():f}"
        return text

    def price_text(self, ticks: int) -> str:
        """The price of level ticks at the instrument's places (formatted once per level)."""
        text = self._prices.get(ticks)
        if text is None:
            if len(self._prices) >= _TEXT_CACHE_MAX:
                self._prices.clear()
            text = self._prices[ticks] = f"{ticks * self.tick:.{self.places}f}"
        return text

    def _stage(self, column: int, levels: Iterable[int]) -> None:
        self._dirty_cells.setdefault(column, set()).update(levels)
        if not self._dirty:
            self._dirty = True
            if self._on_pending is not None:
                self._on_pending()

    # --- Flushable ------------------------------------------------------------------------------

    @property
    def has_pending(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        """Tell the view which cells changed since the last frame (runs of rows per column): it repaints only those."""
        if not self._dirty:
            return
        self._dirty = False
        cells, self._dirty_cells = self._dirty_cells, {}
        everything, self._dirty_all = self._dirty_all, False
        if not self._rows:
            return
        if everything:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, len(COLUMNS) - 1))
            return
        top, count, index, changed = self.top, self._rows, self.index, self.dataChanged
        for column, levels in cells.items():
            for first, last in runs(top - t for t in levels if 0 <= top - t < count):
                changed.emit(index(first, column), index(last, column))

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
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(column, ticks)
        if role == Qt.ItemDataRole.ForegroundRole and self.stale and COLUMNS[column] in ("bid", "ask"):
            return STALE
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.background(column, ticks)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def text(self, column: int, ticks: int) -> str:
        """What column shows at level ticks (the view paints the same)."""
        if column == PRICE:
            text = self.price_text(ticks)
            return f"▶ {text}" if ticks == self.last else text
        return self.texts[column].get(ticks, "")

    def background(self, column: int, ticks: int) -> QBrush | None:
        if column == PRICE:
            return LAST_BG if ticks == self.last else None
        if column == VOLUME:
            return VOLUME_BAR if ticks in self.volumes else None
        return BRUSHES[column] if ticks in self.texts[column] else None
