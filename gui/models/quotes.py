"""QuotesTableModel: the watchlist grid, one row per symbol, updated in place once per frame."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from core.domain import Instrument, Quote
from gui.models.columns import LEFT, LOSS, MUTED, RIGHT, Column, sign_color
from gui.models.format import DASH, fmt_percent, fmt_price, fmt_qty, fmt_signed, shown
from gui.models.table_model import RowTableModel

DEFAULT_PRICE_PLACES = 2
WATCH_ROW_MIME = "application/x-tradeterm-watchlist-row"
"""What a watchlist row carries while dragged: its symbol (UTF-8); only a drop on the same grid takes it."""
_DRAG = Qt.ItemFlag.ItemIsDragEnabled
_DROP_BETWEEN = Qt.ItemFlag.ItemIsDropEnabled
_HUNDRED = Decimal(100)

InstrumentFinder = Callable[[str, "str | None"], "Instrument | None"]
"""(symbol, account or None) -> that account's instrument for symbol (the session catalog's `find`)."""


@dataclass(slots=True, eq=False)
class QuoteRow:
    """The last known top of book of one symbol; None fields have not been received yet."""

    symbol: str
    places: int = DEFAULT_PRICE_PLACES
    currency: str = ""
    chosen: str | None = None
    """The feed the trader chose for this row, or None: the first feed that quotes the symbol."""
    source: str = ""
    """The feed whose quote the row shows."""
    error: str | None = None
    """What the row's feed answered instead of quotes (IB 101 max tickers, 200 no definition)."""
    down: bool = False
    """The connection of the row's feed is down: its figures are the last it sent, not live."""
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    close: Decimal | None = None
    volume: Decimal | None = None
    name: str = ""

    @property
    def change(self) -> Decimal | None:
        """Last minus previous close; without a last trade (an FX pair: OANDA's and IB's quote bids and asks only)
        the mid, (bid + ask) / 2, minus previous close; None while these are unknown."""
        close = self.close
        if close is None:
            return None
        if self.last is not None:
            return self.last - close
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2 - close

    @property
    def change_pct(self) -> Decimal | None:
        """Change as a percentage of the previous close, or None."""
        change = self.change
        if change is None or not self.close:
            return None
        return change / self.close * _HUNDRED


def _feed_text(row: QuoteRow) -> str:
    if row.error is not None:
        return f"⚠ {row.error}"
    if row.down:
        return f"⚠ {row.chosen or row.source} down"
    if row.chosen is not None:
        return row.chosen
    return f"auto: {row.source}" if row.source else "auto"


def _feed_color(row: QuoteRow) -> QColor | None:
    return LOSS if row.error is not None or row.down else None


def _live_color(row: QuoteRow) -> QColor | None:
    return MUTED if row.down else None


def _change_color(row: QuoteRow) -> QColor | None:
    return MUTED if row.down else sign_color(row.change)


def _change_pct_color(row: QuoteRow) -> QColor | None:
    if row.down:
        return MUTED
    return sign_color(shown(row.change_pct))  # "0.00%" stays uncolored even when the change is not zero


QUOTE_COLUMNS = (
    Column("symbol", "Symbol", lambda r: r.symbol, LEFT),
    Column("bid", "Bid", lambda r: fmt_price(r.bid, r.places), RIGHT, _live_color),
    Column("ask", "Ask", lambda r: fmt_price(r.ask, r.places), RIGHT, _live_color),
    Column("last", "Last", lambda r: fmt_price(r.last, r.places), RIGHT, _live_color),
    Column("change", "Chg", lambda r: fmt_signed(r.change, r.places), RIGHT, _change_color),
    Column("change_pct", "Chg %", lambda r: fmt_percent(r.change_pct), RIGHT, _change_pct_color),
    Column("volume", "Volume", lambda r: fmt_qty(r.volume), RIGHT, _live_color),
    Column("currency", "Ccy", lambda r: r.currency or "—", LEFT),
    Column("feed", "Feed", _feed_text, LEFT, _feed_color),
    Column("name", "Name", lambda r: r.name or DASH, LEFT),
)


class QuotesTableModel(RowTableModel):
    """Watchlist rows keyed by symbol (RawRole answers a QuoteRow).

    The model neither merges partial ticks nor chooses a feed: it shows the merged quotes the frame
    feed hands it once per frame (`show_quotes`), each already from the feed its symbol is shown
    from (core's QuoteCache does both, in one place). A field never received shows an em dash.

    On a watchlist (`listed_only`) a row can be dragged between two others; the model does not reorder
    itself, it says where the trader dropped it and the watchlist's controller moves it (and saves).

    Events:
        row_dropped(str symbol, int before): symbol's row was dropped before the row now at `before`
            (the row count: at the end).
    """

    row_dropped = Signal(str, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(QUOTE_COLUMNS, parent=parent)
        self._listed: dict[str, Instrument] = {}
        self._find: InstrumentFinder | None = None
        self._states: dict[str, QuoteRow] = {}
        self._feeds: dict[str, str] = {}
        self._chosen: dict[str, str] = {}
        self._down: set[str] = set()
        self.listed_only = False
        """True: show only the rows `watch` added (a watchlist); False: a quote of a new symbol adds its row."""

    # --- drag to reorder (a watchlist's rows) -----------------------------------------------------

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Rows drag; drops land between rows only (never on one: a drop reorders, it never overwrites)."""
        base = super().flags(index)
        if not self.listed_only:
            return base
        return base | _DRAG if index.isValid() else base | _DROP_BETWEEN

    def mimeTypes(self) -> list[str]:
        return [WATCH_ROW_MIME]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:
        data = QMimeData()
        rows = sorted({index.row() for index in indexes if index.isValid()})
        if rows:
            data.setData(WATCH_ROW_MIME, str(self.key_at(rows[0])).encode("utf-8"))
        return data

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        """Say where a dragged row was dropped (row_dropped); the grid's rows are the controller's to move."""
        if not self.listed_only or not data.hasFormat(WATCH_ROW_MIME) or parent.isValid():
            return False
        symbol = bytes(data.data(WATCH_ROW_MIME).data()).decode("utf-8")
        if self.row_of(symbol) is None:
            return False
        self.row_dropped.emit(symbol, row if row >= 0 else self.rowCount())
        return True

    def feed_of(self, symbol: str) -> str | None:
        """Return the feed (account) symbol's row quotes from: the chosen one, else the one it has shown, else None."""
        return self._chosen.get(symbol) or self._feeds.get(symbol)

    def chosen_feed(self, symbol: str) -> str | None:
        """Return the feed the trader chose for symbol's row, or None (the first feed that quotes it)."""
        return self._chosen.get(symbol)

    def set_feed(self, symbol: str, feed: str | None) -> None:
        """Quote symbol's row from feed (None: the first feed that quotes it); its old figures are cleared."""
        if feed is None:
            self._chosen.pop(symbol, None)
        else:
            self._chosen[symbol] = feed
        self._feeds.pop(symbol, None)
        state = self._states.get(symbol)
        if state is not None:
            state.chosen, state.source, state.error = feed, "", None
            state.down = feed is not None and feed in self._down
            state.bid = state.ask = state.last = state.close = state.volume = None
            self._restyle(state)
            self.mark_dirty(symbol)

    def set_feed_down(self, feed: str, down: bool) -> None:
        """Mark the rows shown from feed as not live (its connection is down: muted figures, the Feed column says
        so) or live again."""
        if down:
            self._down.add(feed)
        else:
            self._down.discard(feed)
        for symbol, state in self._states.items():
            if (state.chosen or state.source) == feed and state.down != down:
                state.down = down
                self.mark_dirty(symbol)

    def set_error(self, symbol: str, text: str | None) -> None:
        """Show text (the feed's error) on symbol's row instead of its feed, until its next quote."""
        state = self._states.get(symbol)
        if state is not None and state.error != text:
            state.error = text
            self.mark_dirty(symbol)

    def error_of(self, symbol: str) -> str | None:
        """Return the feed error symbol's row shows, or None."""
        state = self._states.get(symbol)
        return None if state is None else state.error

    def symbols(self) -> list[str]:
        """Return the symbols of the rows, in the order shown (staged rows last)."""
        return [str(key) for key in self.row_keys()] + [s for s in self._states if self.row_of(s) is None]

    def set_catalog(self, find: InstrumentFinder | None) -> None:
        """Format each row with find(symbol, feed): the instrument of the account the row quotes from.

        A row tied to a feed (chosen, or the one whose quote it shows) takes that account's places, currency and
        name (INFY from Kite: NSE in INR; from IB: the ADR in USD); a row no feed has quoted yet takes the
        catalog's instrument for the symbol until its first quote says whose it is.
        """
        self._find = find
        for state in self._states.values():
            self._restyle(state)

    def set_instruments(self, instruments: Iterable[Instrument]) -> None:
        """Use each instrument's price places and name for its symbol where the catalog has none (see set_catalog)."""
        for instrument in instruments:
            self._listed[instrument.symbol] = instrument
            state = self._states.get(instrument.symbol)
            if state is not None:
                self._restyle(state)

    def watch(self, symbols: Iterable[str]) -> None:
        """Add a row for each symbol not shown yet, empty until its first quote."""
        for symbol in symbols:
            if symbol not in self._states:
                self.upsert(symbol, self._state_for(symbol))

    def show_quotes(self, quotes: Mapping[str, Quote]) -> None:
        """Show a frame's merged quotes, by symbol, updating rows in place in one pass (a new symbol adds a row)."""
        feeds, states = self._feeds, self._states
        changed = []
        for symbol, quote in quotes.items():
            _, bid, ask, last, close, volume, _, _, source, _ = quote  # one step for a tuple
            state = states.get(symbol)
            if state is None:
                if self.listed_only:
                    continue
                state = self._state_for(symbol)
                state.bid, state.ask, state.last, state.close, state.volume = bid, ask, last, close, volume
                feeds[symbol] = state.source = source
                state.down = (state.chosen or source) in self._down
                self._restyle(state)
                self.upsert(symbol, state)
                continue
            state.bid, state.ask, state.last, state.close, state.volume = bid, ask, last, close, volume
            if state.source != source:
                feeds[symbol] = state.source = source
                state.down = (state.chosen or source) in self._down
                self._restyle(state)
            if state.error is not None:
                state.error = None  # the feed quotes the symbol again
            changed.append(symbol)
        self.mark_dirty_many(changed)

    def show_quote(self, quote: Quote) -> None:
        """Show one merged quote in its symbol's row (every field as given: a None field shows a dash)."""
        self.show_quotes({quote.symbol: quote})

    def remove(self, key: object) -> None:
        """Stage the removal of a symbol's row and forget its quote."""
        super().remove(key)
        if isinstance(key, str):
            self._states.pop(key, None)
            self._feeds.pop(key, None)
            self._chosen.pop(key, None)

    def clear(self) -> None:
        """Remove every row and forget every quote and feed choice."""
        super().clear()
        self._states.clear()
        self._feeds.clear()
        self._chosen.clear()

    def _state_for(self, symbol: str) -> QuoteRow:
        chosen = self._chosen.get(symbol)
        state = self._states[symbol] = QuoteRow(symbol, chosen=chosen, down=chosen is not None and chosen in self._down)
        self._restyle(state)
        return state

    def _restyle(self, state: QuoteRow) -> None:
        """Take places, currency and name from the instrument of the row's feed (see set_catalog)."""
        feed = state.chosen or state.source or None
        instrument = None if self._find is None else self._find(state.symbol, feed)
        if instrument is None:
            instrument = self._listed.get(state.symbol)
        if instrument is None:
            return
        shown = (instrument.price_places, instrument.currency, instrument.name)
        if (state.places, state.currency, state.name) != shown:
            state.places, state.currency, state.name = shown
            self.mark_dirty(state.symbol)
