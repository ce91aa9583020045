"""QuotesTableModel: the watchlist grid, one row per symbol, updated in place on every quote."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from core.domain import Instrument, Quote
from gui.models.columns import LEFT, RIGHT, Column, sign_color
from gui.models.format import fmt_percent, fmt_price, fmt_qty, fmt_signed, shown
from gui.models.table_model import RowTableModel

DEFAULT_PRICE_PLACES = 2
_HUNDRED = Decimal(100)


@dataclass(slots=True, eq=False)
class QuoteRow:
    """The last known top of book of one symbol; None fields have not been received yet."""

    symbol: str
    places: int = DEFAULT_PRICE_PLACES
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    close: Decimal | None = None
    volume: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        """Last minus previous close, or None while either is unknown."""
        if self.last is None or self.close is None:
            return None
        return self.last - self.close

    @property
    def change_pct(self) -> Decimal | None:
        """Change as a percentage of the previous close, or None."""
        change = self.change
        if change is None or not self.close:
            return None
        return change / self.close * _HUNDRED


def _change_color(row: QuoteRow) -> QColor | None:
    return sign_color(row.change)


def _change_pct_color(row: QuoteRow) -> QColor | None:
    return sign_color(shown(row.change_pct))  # "0.00%" stays uncolored even when the change is not zero


QUOTE_COLUMNS = (
    Column("symbol", "Symbol", lambda r: r.symbol, LEFT),
    Column("bid", "Bid", lambda r: fmt_price(r.bid, r.places), RIGHT),
    Column("ask", "Ask", lambda r: fmt_price(r.ask, r.places), RIGHT),
    Column("last", "Last", lambda r: fmt_price(r.last, r.places), RIGHT),
    Column("change", "Chg", lambda r: fmt_signed(r.change, r.places), RIGHT, _change_color),
    Column("change_pct", "Chg %", lambda r: fmt_percent(r.change_pct), RIGHT, _change_pct_color),
    Column("volume", "Volume", lambda r: fmt_qty(r.volume), RIGHT),
)


class QuotesTableModel(RowTableModel):
    """Watchlist rows keyed by symbol (RawRole answers a QuoteRow).

    A quote updates only the fields it carries: a field it leaves None keeps its last known
    value, and a field never received shows an em dash.

    Fed by `take_from(drain)`, the model pulls the quotes that changed since the last frame when it
    is flushed, instead of taking every tick: a row shows one market, that of the first feed
    (account) that quoted its symbol.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(QUOTE_COLUMNS, parent=parent)
        self._places: dict[str, int] = {}
        self._states: dict[str, QuoteRow] = {}
        self._feeds: dict[str, str] = {}

    def take_from(self, drain: Callable[[], Iterable[Quote]]) -> Callable[[], None]:
        """Pull quotes from drain at each flush; return the function to call when drain has new quotes."""
        return self.pull_from(drain, self._take_all)

    def feed_of(self, symbol: str) -> str | None:
        """Return the feed (account) whose quotes symbol's row shows, or None before its first quote."""
        return self._feeds.get(symbol)

    def set_instruments(self, instruments: Iterable[Instrument]) -> None:
        """Use each instrument's price places for its symbol (re-formatting rows already shown)."""
        for instrument in instruments:
            places = instrument.price_places
            self._places[instrument.symbol] = places
            state = self._states.get(instrument.symbol)
            if state is not None and state.places != places:
                state.places = places
                self.mark_dirty(instrument.symbol)

    def watch(self, symbols: Iterable[str]) -> None:
        """Add a row for each symbol not shown yet, empty until its first quote."""
        for symbol in symbols:
            if symbol not in self._states:
                self.upsert(symbol, self._state_for(symbol))

    def _take_all(self, quotes: list[Quote]) -> None:
        """Take a frame's worth of merged quotes as _take does, updating known rows in place in one pass."""
        feeds, states = self._feeds, self._states
        changed = []
        for quote in quotes:
            symbol, bid, ask, last, close, volume, _, _, source, _ = quote  # one step for a tuple
            state = states.get(symbol)
            if state is None:
                self._take(quote)
                continue
            if feeds.setdefault(symbol, source) != source:
                continue
            state.bid, state.ask, state.last, state.close, state.volume = bid, ask, last, close, volume
            changed.append(symbol)
        self.mark_dirty_many(changed)

    def _take(self, quote: Quote) -> None:
        """Show a merged quote from the cache (it carries every field its feed ever sent: copy them all)."""
        symbol = quote.symbol
        if self._feeds.setdefault(symbol, quote.source) != quote.source:
            return
        state = self._states.get(symbol)
        if state is None:
            state = self._state_for(symbol)
        state.bid, state.ask, state.last, state.close, state.volume = (
            quote.bid, quote.ask, quote.last, quote.close, quote.volume)
        self.upsert(symbol, state)

    def update_quote(self, quote: Quote) -> None:
        """Merge quote into its symbol's row (adding the row on the first quote)."""
        state = self._states.get(quote.symbol)
        if state is None:
            state = self._state_for(quote.symbol)
        if quote.bid is not None:
            state.bid = quote.bid
        if quote.ask is not None:
            state.ask = quote.ask
        if quote.last is not None:
            state.last = quote.last
        if quote.close is not None:
            state.close = quote.close
        if quote.volume is not None:
            state.volume = quote.volume
        self.upsert(quote.symbol, state)

    def remove(self, key: object) -> None:
        """Stage the removal of a symbol's row and forget its quote."""
        super().remove(key)
        if isinstance(key, str):
            self._states.pop(key, None)

    def clear(self) -> None:
        """Remove every row and forget every quote."""
        super().clear()
        self._states.clear()

    def _state_for(self, symbol: str) -> QuoteRow:
        state = self._states[symbol] = QuoteRow(symbol, self._places.get(symbol, DEFAULT_PRICE_PLACES))
        return state
