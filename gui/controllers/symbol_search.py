"""SymbolSearchController: Ctrl+K opens the search popup; searches run on the loop; a pick joins the watchlist.

Typing searches every connected account (core.services.symbol_search) after a short pause; a newer query
cancels the one still running, so results never arrive out of order. Picking a row loads the instrument on
its account (IB: contract details); on success it joins the session, the watchlist and the ticket, and a
failure is shown in the popup with the broker's reason and nothing is added.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from core.domain import AccountId, ConnectionState, Instrument, Side
from core.domain.watchlist import WatchRow
from core.ports.symbol_search import InstrumentMatch
from core.services.symbol_search import SearchResult, SymbolSearchService
from gui.async_op import run_op
from gui.widgets.main_window import MainWindow
from gui.widgets.symbol_search import SymbolSearchPopup


class SavedMatches(Protocol):
    """Where picked instruments are kept across restarts (core.storage.found_instruments.FoundInstruments)."""

    def load(self) -> list[InstrumentMatch]: ...

    def for_account(self, account_id: AccountId) -> list[InstrumentMatch]: ...

    def add(self, match: InstrumentMatch) -> None: ...


class WatchlistSettings(Protocol):
    def watchlist(self) -> Sequence[str]: ...

    def set_watchlist(self, symbols: Sequence[str]) -> None: ...


def add_to_watchlist(window: MainWindow, instrument: Instrument, account_id: str, row: WatchRow | None) -> str:
    """Offer a found instrument everywhere and put it on the current watchlist, quoted from its account's feed;
    return what was done, in a trader's words. row: the symbol's row before the pick, if it had one."""
    window.refresh_instruments()
    window.watchlists.add(instrument.symbol, account_id)
    if row is None:
        return f"Added {instrument.symbol} ({account_id}) to the watchlist."
    if row.feed == account_id:
        return f"{instrument.symbol} ({account_id}) is already on the watchlist."
    return f"{instrument.symbol} is already on the watchlist: it is now quoted from {account_id}."


class SymbolSearchController:
    """Open the popup, run its searches off the GUI path, add the picked instrument."""

    def __init__(self, window: MainWindow, settings: WatchlistSettings, saved: SavedMatches | None = None,
                 service: SymbolSearchService | None = None) -> None:
        self.window = window
        self.settings = settings
        self.saved = saved
        self.service = service or SymbolSearchService(window.session)
        self.popup: SymbolSearchPopup | None = None
        self._running: asyncio.Future[SearchResult] | None = None
        self._restored: set[AccountId] = set()

    @classmethod
    def install(cls, window: MainWindow, settings: WatchlistSettings,
                saved: SavedMatches | None = None) -> SymbolSearchController:
        """Add the Find symbol action (Ctrl+K) to the window and load the instruments added in earlier runs as
        their accounts connect; return the controller (kept alive by the window)."""
        controller = cls(window, settings, saved)
        window.add_tool_action("Find symbol…", "action.symbolSearch", "Ctrl+K", controller.open)
        window.ticket.search_requested.connect(controller.open_with)  # an unknown symbol typed in the ticket
        window.watchlists.search_requested.connect(controller.open_with)  # ... or in the watchlist's add line
        window.keep_alive.append(controller)
        if saved is not None:
            try:
                saved.load()
            except ValueError as exc:  # refused by name and left alone; this run's picks are not saved
                window.log_view.add("ERROR", str(exc))
            window.bridge.connection_changed.connect(controller._on_connection_changed)
        return controller

    def _on_connection_changed(self, account_id: AccountId, state: ConnectionState, _message: str) -> None:
        """Load the instruments picked in earlier runs on an account once it first connects."""
        if state is not ConnectionState.CONNECTED or account_id in self._restored or self.saved is None:
            return
        self._restored.add(account_id)
        for match in self.saved.for_account(account_id):
            self._restore(match)

    def _restore(self, match: InstrumentMatch) -> None:
        def failed(exc: BaseException) -> None:
            self.window.log_view.add("WARNING", f"{match.account_id}: {match.symbol}, added from a search earlier, "
                                                f"could not be loaded: {exc}")

        run_op(self.window.reporter, f"Load {match.symbol}", self.service.add(match),
               on_success=lambda _instrument: self.window.refresh_instruments(),  # its row is saved already
               on_error=failed)

    def open(self) -> SymbolSearchPopup:
        if self.popup is None:
            self.popup = SymbolSearchPopup(self.window)
            self.popup.query_changed.connect(self.search)
            self.popup.chosen.connect(self.add)
        self.popup.open_search()
        return self.popup

    def open_with(self, text: str) -> SymbolSearchPopup:
        """Open the popup searching for text (a symbol the trader typed that no account lists)."""
        popup = self.open()
        popup.query.setText(text)
        self.search(text)
        return popup

    def search(self, query: str) -> None:
        popup = self.popup
        assert popup is not None
        if self._running is not None and not self._running.done():
            self._running.cancel()
        try:
            self.service.check_query(query)
        except ValueError as exc:
            popup.show_error(str(exc))
            return
        popup.show_busy(f"Searching {query.strip()!r}…" if query.strip() else "")
        self._running = run_op(self.window.reporter, "Symbol search", self.service.search(query),
                               on_success=lambda result: popup.show_results(result.matches, result.message,
                                                                            result.notes),
                               on_error=lambda exc: popup.show_error(f"The search failed: {exc}"))

    def add(self, match: InstrumentMatch) -> None:
        popup = self.popup
        assert popup is not None
        before = next((r for r in self.window.watchlists.current.rows if r.symbol == match.symbol), None)
        popup.show_busy(f"Loading {match.symbol} from {match.account_id}…")

        def added(instrument: Instrument) -> None:
            if self.saved is not None:
                self.saved.add(match)
            done = add_to_watchlist(self.window, instrument, str(match.account_id), before)
            self.window.ticket.prefill(instrument.symbol, Side.BUY, account=str(match.account_id))
            popup.show_busy(done)

        run_op(self.window.reporter, f"Add {match.symbol}", self.service.add(match), on_success=added,
               on_error=lambda exc: popup.show_error(f"{match.symbol} was not added: {exc}"))
