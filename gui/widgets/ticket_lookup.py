"""The ticket's reads for the chosen account: the symbols it completes, the instrument a typed symbol is (that
account's own listing), its quote and the side's touch on that account's feed, whether its market is open, and a
number stepped onto the instrument's grid. OrderTicketWidget builds on this."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from PySide6.QtWidgets import QLineEdit, QWidget

from core.domain import Instrument, Quote, Side
from core.domain.order_request import plain
from core.domain.trading_hours import TradingHours
from core.services.instruments import InstrumentCatalog, instrument_for
from gui.widgets.order_confirm import format_price, next_step
from gui.widgets.quantity_input import quantity_step
from gui.widgets.ticket_form import TicketForm
from gui.widgets.ticket_hours import HoursSource
from gui.widgets.ticket_intent import QuoteSource


class TicketLookup(TicketForm):
    """Instruments and market hours as the ticket's account sees them; holds no ticket logic."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._instruments: dict[str, Instrument] = {}
        self._catalog: Mapping[str, Instrument] = self._instruments
        self._keys: dict[str, str] = {}
        self._hours_source: HoursSource | None = None
        self._fixed_quotes: dict[str, Quote] = {}
        self._quote_source: QuoteSource | None = None
        self._looked_up: tuple[str, Instrument | None] | None = None
        """`_lookup`'s answer while a pass of `_one_read` runs (None: not read yet, or no pass)."""
        self._account_read: str | None = None
        """`current_account`'s answer while a pass of `_one_read` runs (None: not read yet, or no pass)."""
        self._passes = 0
        self._feeds_down: set[str] = set()
        """Feeds whose prices stopped (their account's connection or its price stream is down)."""

    def set_feed_live(self, feed: str, live: bool) -> None:
        """Say whether feed's prices are live: the Bid·Ask line says so when it shows that feed's last quote."""
        if live == (feed not in self._feeds_down):
            return
        if live:
            self._feeds_down.discard(feed)
        else:
            self._feeds_down.add(feed)
        self._show_quote()

    def _show_quote(self) -> None:
        """Show the quote line (the ticket's own)."""

    def _stopped_note(self, quote: Quote | None) -> str:
        """Return what the Bid·Ask line adds when its quote is the last of a feed that stopped, else ""."""
        if quote is None or quote.source not in self._feeds_down:
            return ""
        return f" &nbsp;<i>({quote.source}'s prices stopped: last known)</i>"

    @contextmanager
    def _one_read(self) -> Iterator[None]:
        """Read the symbol and account once for the whole of a pass over the fields (a click's passes asked
        `_lookup` some 23 times and `current_account` 35, each reading the symbol field or the account combo
        through Qt); a change of either (or of the instruments) during the pass reads them again."""
        self._passes += 1
        try:
            yield
        finally:
            self._passes -= 1
            if not self._passes:
                self._looked_up = self._account_read = None

    def _forget_lookup(self, *_args: object) -> None:
        """The symbol, the account or the instruments changed: `_lookup` reads the fields again."""
        self._looked_up = self._account_read = None

    def current_account(self) -> str:
        if self._account_read is not None:
            return self._account_read
        account = super().current_account()
        if self._passes:
            self._account_read = account
        return account

    def _refresh(self) -> None:
        """Bring the ticket up to date with its fields (OrderTicketWidget's)."""

    def set_instruments(self, instruments: Mapping[str, Instrument]) -> None:
        """Offer these instruments in the symbol completer and validate against them."""
        self._catalog = instruments  # a session's InstrumentCatalog answers per account (see _lookup)
        self._forget_lookup()
        self._instruments = dict(instruments)
        self._offer_symbols()
        self._refresh()

    def _offer_symbols(self) -> None:
        """Complete the symbols the chosen account lists itself (every symbol when it lists none, or no account)."""
        self._forget_lookup()
        offered = self._instruments
        account = self.current_account()
        if account and isinstance(self._catalog, InstrumentCatalog):
            offered = dict(self._catalog.listed(account)) or offered
        self._keys = {key.casefold(): key for key in self._instruments} | {key.casefold(): key for key in offered}
        if sorted(offered) != self._symbols.stringList():
            self._symbols.setStringList(sorted(offered))

    def _lookup(self) -> tuple[str, Instrument | None]:
        """Return the typed symbol in its canonical spelling, with its instrument (the chosen account's) if known."""
        if self._looked_up is not None:
            return self._looked_up
        text = self._symbol_edit.text().strip()
        key = self._keys.get(text.casefold(), text)
        found = key, instrument_for(self._catalog, key, self.current_account() or None)
        if self._passes:
            self._looked_up = found
        return found

    def _quote(self) -> Quote | None:
        """Return the typed symbol's quote on the chosen account's feed (the fixed quotes while no feed is set)."""
        symbol, account = self._lookup()[0], self.current_account()
        if not symbol:
            return None
        if self._quote_source is not None:
            return self._quote_source(symbol, account) if account else None
        return self._fixed_quotes.get(symbol)

    def set_hours_source(self, source: HoursSource | None) -> None:
        """Ask source(account, instrument) for the market's hours: the ticket says open or closed, and warns a DAY
        order sent while closed."""
        self._hours_source = source
        self.refresh_hours()

    def refresh_hours(self) -> None:
        """Show the market's state now (the hours came, or time moved on)."""
        self._hours_label.show_hours(self._hours(), datetime.now(UTC))

    def _hours(self) -> TradingHours | None:
        (symbol, instrument), account = self._lookup(), self.current_account()
        source = self._hours_source
        if source is None or not account or instrument is None or self._listed_elsewhere(symbol, account):
            return None  # an account's hours for a symbol another account lists would name the wrong market
        return source(account, instrument)

    def _listed_elsewhere(self, symbol: str, account: str) -> list[str]:
        """Return the other accounts that list symbol when account lists instruments but not this one (EUR_USD
        typed with an Alpaca account chosen: OANDA's), else []."""
        catalog = self._catalog
        if not symbol or not isinstance(catalog, InstrumentCatalog) or not catalog.lists_any(account):
            return []
        if catalog.listed_by(symbol, account) is not None:
            return []
        return [other for other in catalog.accounts_listing(symbol) if other != account]

    def _unquoted_note(self, symbol: str, account: str) -> str:
        """What the Bid·Ask line says when account's feed has no quote for symbol: which account to choose, when
        another lists it (first: an OANDA account's id is long, and the line ends at the ticket's width), else that
        the feed has none."""
        others = self._listed_elsewhere(symbol, account)
        if others:
            return (f" &nbsp;<i>(choose {' or '.join(others[:2])} under Account: {account} does not list "
                    f"{symbol})</i>")
        return f" &nbsp;<i>(no quote on {account}'s feed)</i>"

    def _touch(self, instrument: Instrument) -> str:
        """Return the side's natural price on the account's feed (ask to buy, bid to sell) on the tick, or ""."""
        quote = self._quote()
        price = None if quote is None else quote.ask if self._side() is Side.BUY else quote.bid
        return "" if price is None else format_price(instrument.make_price(price).value, instrument)

    def _step(self, edit: QLineEdit, direction: int) -> None:
        """Move the number in edit by one lot (quantity) or one tick (prices), onto the instrument's grid."""
        instrument = self._lookup()[1]
        is_quantity = edit is self._quantity_edit
        if instrument is not None:
            value = next_step(edit.text(), quantity_step(instrument) if is_quantity else instrument.tick_size,
                              direction)
            if value is not None:
                edit.setText(plain(value) if is_quantity else format_price(value, instrument))
