"""Market: a seeded random walk of top-of-book quotes, in whole ticks. Pure: no asyncio, no I/O."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from core.domain import Instrument, Quote

_SIZE_LOTS = (1, 20)
_TRADE_LOTS = (1, 10)


@dataclass(slots=True)
class _Book:
    """One instrument's simulated top of book, in ticks (ints) so every price is exactly on tick."""

    instrument: Instrument
    mid: int
    floor: int
    close: Decimal
    last: Decimal
    spread: int = 1
    volume: Decimal = Decimal(0)
    bid_lots: int = 1
    ask_lots: int = 1
    quoted: Quote | None = None
    """The book's quote as it stands, stamped when made (None: made afresh by the next `Market.quote`)."""

    @property
    def tick(self) -> Decimal:
        return self.instrument.tick_size

    @property
    def bid_ticks(self) -> int:
        return self.mid - self.spread // 2

    @property
    def ask_ticks(self) -> int:
        return self.bid_ticks + self.spread

    def quote(self, source: str) -> Quote:
        lot = self.instrument.lot_size
        return Quote.tick(
            symbol=self.instrument.symbol,
            bid=self.bid_ticks * self.tick,
            ask=self.ask_ticks * self.tick,
            last=self.last,
            close=self.close,
            volume=self.volume,
            bid_size=self.bid_lots * lot,
            ask_size=self.ask_lots * lot,
            source=source,
        )


class Market:
    """Simulate top of book for a set of instruments; the same seed gives the same prices.

    Each `step()` moves every instrument's mid by a whole number of ticks (a Gaussian step of
    `step_bps` of the price, rounded stochastically so slow, coarse-ticked names still move),
    sets bid/ask one or two ticks apart, sizes in whole lots, and sometimes prints a trade.
    Prices never fall below 5% of where they started (and never below two ticks).
    """

    def __init__(
        self,
        instruments: Sequence[Instrument],
        start_prices: Mapping[str, Decimal],
        seed: int = 1,
        step_bps: Decimal = Decimal(1),
        closes: Mapping[str, Decimal] | None = None,
        source: str = "",
        volumes: Mapping[str, Decimal] | None = None,
    ) -> None:
        self._source = source
        self._rng = random.Random(seed)
        self._step = step_bps / Decimal(10_000)
        self._books: dict[str, _Book] = {}
        self._mids: Mapping[str, Decimal] | None = None
        self._closes: Mapping[str, Decimal] | None = None
        for instrument in instruments:
            start = start_prices.get(instrument.symbol)
            if start is None or start <= 0:
                raise ValueError(f"{instrument.symbol}: the paper market needs a positive start price")
            mid = int(instrument.make_price(start).value / instrument.tick_size)
            close = (closes or {}).get(instrument.symbol, mid * instrument.tick_size)
            self._books[instrument.symbol] = _Book(
                instrument=instrument, mid=mid, floor=max(2, mid // 20), close=close, last=mid * instrument.tick_size,
                volume=(volumes or {}).get(instrument.symbol, Decimal(0)),
            )

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._books)

    def quote(self, symbol: str) -> Quote:
        """Return the current top of book of symbol (KeyError if the market does not list it).

        The same Quote until the book moves (each order reads it twice or more between two steps), so its stamp
        is when the book last moved or was first read since: what is published as news uses `quote_now`.
        """
        book = self._books[symbol]
        quoted = book.quoted
        if quoted is None:
            quoted = book.quoted = book.quote(self._source)
        return quoted

    def shift(self, symbol: str, ticks: int) -> None:
        """Move symbol's market by ticks at once (a news spike: simulators and tests); its next quote shows it."""
        book = self._books[symbol]
        book.mid += ticks
        book.quoted = self._mids = None

    def quote_now(self, symbol: str) -> Quote:
        """Return the current top of book of symbol stamped now (KeyError if the market does not list it)."""
        quoted = self._books[symbol].quoted = self._books[symbol].quote(self._source)
        return quoted

    def step(self, start: int = 0, stop: int | None = None) -> list[Quote]:
        """Advance every instrument by one tick of time; return the new quotes, in listing order.

        start, stop: advance only the instruments listed in that range. Steps over consecutive ranges that
        cover the listing give the same prices as one step of them all (the walk draws in listing order).
        """
        self._mids = None
        books = self._books.values()
        if start or stop is not None:
            return [self._advance(book) for book in itertools.islice(books, start, stop)]
        return [self._advance(book) for book in books]

    def mids(self) -> Mapping[str, Decimal]:
        """Return each instrument's mid level (on tick), to restart the walk where it stopped.

        The same read-only mapping until the next step: each order reads it twice, between steps.
        """
        mids = self._mids
        if mids is None:
            mids = self._mids = MappingProxyType({symbol: book.mid * book.tick for symbol, book in self._books.items()})
        return mids

    def closes(self) -> Mapping[str, Decimal]:
        """Return each instrument's previous close: the same read-only mapping until the day rolls."""
        closes = self._closes
        if closes is None:
            closes = self._closes = MappingProxyType({symbol: book.close for symbol, book in self._books.items()})
        return closes

    def volumes(self) -> dict[str, Decimal]:
        """Return each instrument's session volume so far (kept across a restart within the session)."""
        return {symbol: book.volume for symbol, book in self._books.items()}

    def roll_day(self) -> None:
        """Start a new session: today's last becomes the previous close; volume restarts at zero."""
        self._closes = None
        for book in self._books.values():
            book.close = book.last
            book.volume = Decimal(0)
            book.quoted = None

    def _advance(self, book: _Book) -> Quote:
        rng = self._rng
        sigma_ticks = float(book.mid * self._step)
        ticks = math.floor(rng.gauss(0.0, sigma_ticks) + rng.random())
        book.mid = max(book.floor, book.mid + ticks)
        book.spread = 1 if rng.random() < 0.7 else 2
        book.bid_lots = rng.randint(*_SIZE_LOTS)
        book.ask_lots = rng.randint(*_SIZE_LOTS)
        if rng.random() < 0.5:
            price_ticks = book.ask_ticks if rng.random() < 0.5 else book.bid_ticks
            book.last = price_ticks * book.tick
            book.volume += rng.randint(*_TRADE_LOTS) * book.instrument.lot_size
        else:
            bid, ask = book.bid_ticks * book.tick, book.ask_ticks * book.tick
            if not bid <= book.last <= ask:  # the book moved through the last print: that took a trade
                book.last = bid if book.last < bid else ask
                book.volume += book.instrument.lot_size
        quoted = book.quoted = book.quote(self._source)
        return quoted
