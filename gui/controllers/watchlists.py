"""WatchlistsController: the named watchlists (tabs), their rows and each row's feed, saved and restored.

The public entry for other views: `add(symbol, account_id)` puts a symbol on the current watchlist,
quoted from that account's feed (the symbol search popup calls it). `search_requested(text)` asks
for the search when the trader typed a symbol no account lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from core.domain import AccountId
from core.domain.market_data_error import MarketDataError
from core.domain.watchlist import Watchlist, WatchlistsDocument, WatchlistsError, WatchRow
from core.services.session import TradingSession
from gui.async_op import OpReporter, run_op
from gui.bridge import CoreBridge
from gui.frame_feed import QuoteWatch
from gui.widgets.watchlist_panel import WatchlistPanel

if TYPE_CHECKING:
    from gui.dialogs.reference_feeds import ReferenceFeedsDialog

DEFAULT_NAME = "Main"


class WatchlistFile(Protocol):
    """Where the watchlists are kept (core/storage/watchlists.py WatchlistStore; gui never imports storage)."""

    refused: str | None

    def load(self) -> WatchlistsDocument | None: ...

    def save(self, document: WatchlistsDocument) -> None: ...


class MemoryWatchlists:
    """Watchlists kept for this run only (a window built without a data folder)."""

    refused: str | None = None

    def load(self) -> WatchlistsDocument | None:
        return None

    def save(self, document: WatchlistsDocument) -> None:
        pass


class WatchlistsController(QObject):
    """Keep the watchlists document, show its current list in the grid, and save every change atomically.

    Each row is quoted from its own feed: rows on auto share the bridge's watch (each symbol's first
    feed), rows with a chosen feed get one frame-feed watch per feed. Nothing here runs per tick.

    Events:
        search_requested(str text): the trader typed text, which no account lists (connect to the search).
        changed(): the lists, the current list or a row's feed changed (after it was saved).
    """

    search_requested = Signal(str)
    changed = Signal()

    def __init__(self, session: TradingSession, bridge: CoreBridge, panel: WatchlistPanel, store: WatchlistFile,
                 legacy: Sequence[str], reporter: OpReporter, log: Callable[[str, str], None]) -> None:
        super().__init__(panel)
        self._session, self._bridge, self._panel, self._store = session, bridge, panel, store
        self._reporter, self._log = reporter, log
        self._watches: dict[str, QuoteWatch] = {}
        self._errors: dict[tuple[str, str], str] = {}
        self._default = False
        self.document = self._load(legacy)
        for account, feed in self.document.reference_feeds.items():
            session.references.choose(account, feed)
        bridge.quotes.listed_only = True
        bridge.market_data_error.connect(self._on_market_data_error)
        bridge.feed_live.connect(lambda account, live: bridge.quotes.set_feed_down(account, not live))
        panel.tab_selected.connect(self.select)
        panel.tab_added.connect(self.add_list)
        panel.tab_renamed.connect(self.rename_list)
        panel.name_problem = self.name_problem
        panel.tab_removed.connect(self.remove_list)
        panel.symbol_added.connect(lambda symbol, feed: self.add(symbol, feed or None))
        panel.symbol_removed.connect(self.remove)
        panel.symbol_moved.connect(self.move)
        panel.symbol_dropped.connect(self.move_before)
        panel.feed_chosen.connect(lambda symbol, feed: self.set_feed(symbol, feed or None))
        self.refresh()

    # --- public ---------------------------------------------------------------------------------

    @property
    def current(self) -> Watchlist:
        """Return the watchlist shown."""
        return self.document.lists[self.document.current]

    def add(self, symbol: str, account_id: str | None = None) -> bool:
        """Put symbol on the current watchlist, quoted from account_id's feed (None: its first feed).

        A symbol already there keeps its place and takes the feed given. A symbol no account lists is not
        added: `search_requested` is emitted with it and False returned.
        """
        instrument = self._session.view.instrument(symbol, account_id)
        if instrument is None:
            self._log("WARNING", f"Unknown symbol {symbol.strip()!r}: search for it (Ctrl+K) to add it.")
            self.search_requested.emit(symbol.strip())
            return False
        if account_id is not None and account_id not in self._accounts():
            self._log("ERROR", f"Cannot quote {instrument.symbol} from {account_id}: there is no such account.")
            return False
        name = instrument.symbol
        rows = list(self.current.rows)
        at = next((i for i, row in enumerate(rows) if row.symbol == name), None)
        if at is None:
            rows.append(WatchRow(name, account_id))
        elif rows[at].feed != account_id:
            rows[at] = WatchRow(name, account_id)
        else:
            return True
        self._change(rows)
        return True

    def remove(self, symbol: str) -> None:
        """Take symbol off the current watchlist."""
        self._change([row for row in self.current.rows if row.symbol != symbol])

    def move(self, symbol: str, delta: int) -> None:
        """Move symbol's row delta places (negative: up) on the current watchlist."""
        rows = list(self.current.rows)
        at = next((i for i, row in enumerate(rows) if row.symbol == symbol), None)
        if at is None:
            return
        to = max(0, min(len(rows) - 1, at + delta))
        rows.insert(to, rows.pop(at))
        self._change(rows, moved=(symbol, to))

    def move_before(self, symbol: str, before: int) -> None:
        """Move symbol's row to just before the row now at `before` (the row count: the end); saved at once."""
        at = next((i for i, row in enumerate(self.current.rows) if row.symbol == symbol), None)
        if at is not None:
            self.move(symbol, (before - 1 if before > at else before) - at)

    def set_feed(self, symbol: str, feed: str | None) -> None:
        """Quote symbol's row on the current watchlist from feed (None: the first feed that quotes it)."""
        rows = [WatchRow(row.symbol, feed) if row.symbol == symbol else row for row in self.current.rows]
        self._change(rows)

    def add_list(self, name: str) -> None:
        """Add an empty watchlist named name and show it."""
        if self._name_taken(name):
            return
        lists = (*self.document.lists, Watchlist(name))
        self._commit(replace(self.document, lists=lists, current=len(lists) - 1))

    def rename_list(self, index: int, name: str) -> None:
        """Rename the watchlist at index."""
        if self._name_taken(name, index) or not 0 <= index < len(self.document.lists):
            return
        lists = list(self.document.lists)
        lists[index] = replace(lists[index], name=name)
        self._commit(replace(self.document, lists=tuple(lists)))

    def remove_list(self, index: int) -> None:
        """Remove the watchlist at index (never the last one)."""
        lists = list(self.document.lists)
        if len(lists) < 2 or not 0 <= index < len(lists):
            self._log("WARNING", "The last watchlist cannot be removed; add another first.")
            return
        del lists[index]
        self._commit(replace(self.document, lists=tuple(lists), current=min(self.document.current, len(lists) - 1)))

    def select(self, index: int) -> None:
        """Show the watchlist at index."""
        if 0 <= index < len(self.document.lists) and index != self.document.current:
            self._commit(replace(self.document, current=index))

    def set_reference_feed(self, account_id: str, feed: str | None) -> None:
        """Price account_id (an account without market data) from feed's quotes, labelled so; None: none."""
        self._session.references.choose(account_id, feed)
        references = {a: f for a, f in self.document.reference_feeds.items() if a != account_id}
        if feed is not None:
            references[account_id] = feed
        self._commit(replace(self.document, reference_feeds=references), reshow=False)

    def open_reference_feeds(self) -> ReferenceFeedsDialog:
        """Open the dialog that chooses each account's reference feed (see `set_reference_feed`)."""
        from gui.dialogs.reference_feeds import ReferenceFeedsDialog  # a dialog: loaded when first opened

        dialog = ReferenceFeedsDialog(self._accounts(), self._session.references.chosen(), self.set_reference_feed,
                                      self._panel.window())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def refresh(self) -> None:
        """Re-read the instruments and accounts (one was added or connected) and show the current list again."""
        instruments = self._session.view.instruments()
        self._bridge.quotes.set_catalog(self._session.view.instrument)  # each row: its own feed's instrument
        self._panel.set_feeds(self._accounts())
        if self._default:  # never saved: the default list follows what the accounts list
            known = set(self.current.symbols())
            extra = tuple(WatchRow(s) for s in instruments if s not in known)
            if extra:
                lists = (replace(self.current, rows=self.current.rows + extra), *self.document.lists[1:])
                self.document = replace(self.document, lists=lists)
        self._show()

    # --- inside ---------------------------------------------------------------------------------

    def _load(self, legacy: Sequence[str]) -> WatchlistsDocument:
        try:
            document = self._store.load()
        except WatchlistsError as exc:
            self._log("ERROR", str(exc))
            document = None
        if document is None:
            self._default = not legacy and self._store.refused is None
            symbols = list(legacy) or list(self._session.view.instruments())
            document = WatchlistsDocument((Watchlist(DEFAULT_NAME, tuple(WatchRow(s) for s in symbols)),))
        return document

    def _accounts(self) -> list[str]:
        return [str(account) for account in self._session.view.account_ids()]

    def name_problem(self, name: str, index: int | None = None) -> str | None:
        """Return why name cannot be given to a new list (index None) or to the list at index; None if it can."""
        name = name.strip()
        if not name:
            return "A watchlist needs a name."
        if any(w.name == name for i, w in enumerate(self.document.lists) if i != index):
            return f"There is already a watchlist named {name!r}: choose another name."
        return None

    def _name_taken(self, name: str, index: int | None = None) -> bool:
        problem = self.name_problem(name, index)
        if problem is not None:
            self._log("WARNING", problem)
        return problem is not None

    def _change(self, rows: list[WatchRow], moved: tuple[str, int] | None = None) -> None:
        lists = list(self.document.lists)
        lists[self.document.current] = replace(self.current, rows=tuple(rows))
        document = replace(self.document, lists=tuple(lists))
        if moved is not None:  # a move keeps the rows and their figures: move the one row
            self._save(document)
            self._bridge.quotes.move(*moved)
            return
        self._commit(document)

    def _commit(self, document: WatchlistsDocument, reshow: bool = True) -> None:
        self._save(document)
        if reshow:
            self._show()

    def _save(self, document: WatchlistsDocument) -> None:
        self.document, self._default = document, False
        try:
            self._store.save(document)
        except WatchlistsError as exc:
            self._log("ERROR", f"Watchlist change not saved: {exc}")
        self.changed.emit()

    def _show(self) -> None:
        """Show the current list's rows, each from its feed: rows, watches, figures already known, errors."""
        model, view, rows = self._bridge.quotes, self._session.view, self.current.rows
        self._panel.show_tabs([w.name for w in self.document.lists], self.document.current)
        if model.symbols() != [row.symbol for row in rows]:
            model.clear()
            for row in rows:
                model.set_feed(row.symbol, row.feed)
            model.watch([row.symbol for row in rows])
        else:
            for row in rows:
                if model.chosen_feed(row.symbol) != row.feed:
                    model.set_feed(row.symbol, row.feed)
        self._rewatch(rows)
        for row in rows:
            feed = row.feed or view.first_feed(row.symbol)
            quote = None if feed is None else view.quote_of(row.symbol, feed)
            if quote is not None:
                model.show_quote(quote)
                self._errors.pop((feed or "", row.symbol), None)
            elif feed is not None and (feed, row.symbol) in self._errors:
                model.set_error(row.symbol, self._errors[(feed, row.symbol)])
        model.flush()
        for row in rows:
            if row.feed is not None:
                self._stream(row.feed, row.symbol)

    def _rewatch(self, rows: Sequence[WatchRow]) -> None:
        by_feed: dict[str | None, list[str]] = {None: []}
        for row in rows:
            by_feed.setdefault(row.feed, []).append(row.symbol)
        self._bridge.quote_watch.change(by_feed.pop(None))
        model = self._bridge.quotes
        for feed in [f for f in self._watches if f not in by_feed]:
            self._watches.pop(feed).cancel()
        for feed, symbols in by_feed.items():
            assert feed is not None
            watch = self._watches.get(feed)
            if watch is None:
                self._watches[feed] = self._bridge.feed.watch_quotes(symbols, model.show_quotes, feed=feed,
                                                                     paint_with=model)
            else:
                watch.change(symbols, feed=feed)

    def _stream(self, feed: str, symbol: str) -> None:
        if self._session.view.instrument(symbol, feed) is None:
            return  # found by a search in an earlier run: its account loads it again once connected

        def failed(exc: BaseException) -> None:
            self._show_error(feed, symbol, f"{feed}: {exc}")

        def streamed(_: None) -> None:
            if self._errors.pop((feed, symbol), None) is not None and self._bridge.quotes.chosen_feed(symbol) == feed:
                self._bridge.quotes.set_error(symbol, None)

        run_op(self._reporter, f"Quotes of {symbol} from {feed}",
               self._session.stream_quotes(AccountId(feed), symbol), on_success=streamed, on_error=failed)

    def _show_error(self, feed: str, symbol: str, text: str) -> None:
        self._errors[(feed, symbol)] = text
        model = self._bridge.quotes
        if symbol in self.current.symbols() and model.feed_of(symbol) in (feed, None):
            model.set_error(symbol, text)

    def _on_market_data_error(self, event: MarketDataError) -> None:
        self._log("WARNING", f"{event.symbol}: {event.describe()}")
        self._show_error(str(event.account_id), event.symbol, event.describe())
