"""TicketQuoteFeed: the order ticket's Bid·Ask follows the frame feed, in the watchlist's turn of each frame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from core.domain import Quote
from core.services.quote_cache import QuoteCache
from gui.frame_feed import FrameFeed, QuoteWatch
from gui.models.flusher import Flushable
from gui.widgets.order_ticket import OrderTicketWidget

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow


class TicketQuoteFeed:
    """Watch the ticket's symbol on the feeds its account is priced from; re-read its quote in the frames they move.

    The ticket shows `QuoteCache.latest(symbol, account)`: the account's own feed, else its reference feed
    (or the quotes of no feed), so both are watched (`QuoteCache.feeds_for`), and the choice between them
    stays the cache's. Another symbol, or another account's feed, wakes nothing. With paint_with the
    watchlist's model, the ticket is brought up to date in the watchlist's turn of the frame, just before
    its grid: both show the same quote in the same frame.
    """

    def __init__(self, feed: FrameFeed, quotes: QuoteCache, ticket: OrderTicketWidget,
                 paint_with: Flushable | None = None) -> None:
        self._feed = feed
        self._quotes = quotes
        self._ticket = ticket
        self._paint_with = paint_with
        self._watches: list[QuoteWatch] = []
        self._watching: list[tuple[str, str]] = []  # each watch's (symbol, feed): re-routing the cache is not free
        self._symbol, self._account = "", ""
        self._stopped = False
        ticket.quoted_changed.connect(self._on_quoted_changed)
        quotes.references.on_change(self._on_reference_chosen)
        self._on_quoted_changed(ticket.current_symbol(), ticket.current_account())

    @classmethod
    def install(cls, window: MainWindow) -> TicketQuoteFeed:
        """Put window's ticket on its bridge's frame feed (the one line MainWindow calls)."""
        bridge = window.bridge
        controller = cls(bridge.feed, bridge.quote_cache, window.ticket, paint_with=bridge.quotes)
        bridge.feed_live.connect(window.ticket.set_feed_live)

        async def stop() -> None:
            controller.stop()

        window.shutdown_hooks.append(stop)
        return controller

    def stop(self) -> None:
        """Stop watching for good: the ticket's quote no longer moves (the window is closing)."""
        self._stopped = True
        self._ticket.quoted_changed.disconnect(self._on_quoted_changed)
        for watch in self._watches:
            watch.cancel()
        self._watches.clear()
        self._watching.clear()

    def _on_quoted_changed(self, symbol: str, account: str) -> None:
        self._symbol, self._account = symbol, account
        self._rewatch()

    def _on_reference_chosen(self, account: str, _feed: str | None) -> None:
        if account == self._account and not self._stopped:
            self._rewatch()
            self._ticket.refresh_quote()  # now priced from another feed

    def _rewatch(self) -> None:
        symbol, account = self._symbol, self._account
        feeds = self._quotes.feeds_for(account) if symbol and account and not self._stopped else ()
        while len(self._watches) > len(feeds):
            self._watches.pop().cancel()
            self._watching.pop()
        for index, feed in enumerate(feeds):
            if index == len(self._watches):
                self._watches.append(self._feed.watch_quotes([symbol], self._on_quotes, feed=feed,
                                                             paint_with=self._paint_with))
                self._watching.append((symbol, feed))
            elif self._watching[index] != (symbol, feed):
                self._watches[index].change([symbol], feed=feed)
                self._watching[index] = (symbol, feed)

    def _on_quotes(self, _quotes: Mapping[str, Quote]) -> None:
        self._ticket.refresh_quote()
