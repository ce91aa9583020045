"""HistoryController: open the history window, read its pages off the GUI thread, export, and Reconcile now.

Every read runs in a worker thread (asyncio.to_thread) on the reader's own read-only connection, so
neither the window nor the journal's writer ever waits for it. A page that arrives after the
trader asked for another is dropped. Exports stream to a temporary file renamed at the end; the
progress bar follows them and Cancel leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.domain import AccountId, ConnectionState
from core.ports.history import CommissionTotal, Cursor, HistoryQueries, Page
from core.services.books_check import BooksCheck, check_books
from core.services.history_export import (
    ExportCancelled,
    ExportError,
    export_audit,
    export_fills,
    export_orders,
    export_pnl,
)
from core.services.session import TradingSession
from gui.async_op import OpReporter, run_op
from gui.widgets.history_view import HistoryQuery, HistoryTab, HistoryView

AskReconciliation = Callable[[AccountId, Sequence[str]], object]
_NOUNS = {HistoryTab.ORDERS: "orders", HistoryTab.FILLS: "fills", HistoryTab.AUDIT: "audit"}


class HistoryController:
    """Serve one HistoryView: its pages, its exports and its Reconcile now."""

    def __init__(self, parent: QWidget, session: TradingSession, reporter: OpReporter,
                 open_history: Callable[[], HistoryQueries], ask_reconciliation: AskReconciliation) -> None:
        self._parent = parent
        self._session = session
        self._reporter = reporter
        self._open_history = open_history
        self._ask_reconciliation = ask_reconciliation
        self._reader: HistoryQueries | None = None
        self._reader_lock = threading.Lock()
        self.view: HistoryView | None = None
        self._query: HistoryQuery | None = None
        self._cursors: list[Cursor | None] = [None]
        self._page = 0
        self._generation = 0
        self._cancel = threading.Event()
        self.export_dialog: QFileDialog | None = None
        self.loaded: asyncio.Future[Any] | None = None
        """The read under way (tests and the bench await it)."""
        self.totals_loaded: asyncio.Future[Any] | None = None
        """The commission totals' read under way."""

    @classmethod
    def install(cls, window: Any, open_history: Callable[[], HistoryQueries]) -> HistoryController:
        """Add the toolbar's History action to window (a MainWindow); return the controller to keep alive."""
        controller = cls(window, window.session, window.reporter, open_history, window.accounts.ask_reconciliation)
        window.add_tool_action("History…", "action.history", "Ctrl+Shift+H", controller.open)
        window.shutdown_hooks.append(controller.close)
        return controller

    # --- the window -----------------------------------------------------------------------------

    def open(self) -> HistoryView:
        """Show the history window (made on first use) with the newest page of its tab."""
        if self.view is None:
            view = HistoryView(self._parent)
            view.query_requested.connect(self._on_query)
            view.older_requested.connect(self._on_older)
            view.newer_requested.connect(self._on_newer)
            view.export_requested.connect(self._on_export)
            view.export_pnl_requested.connect(self._on_export_pnl)
            view.cancel_export_requested.connect(self._cancel.set)
            view.reconcile_requested.connect(self.reconcile_now)
            self.view = view
            run_op(self._reporter, "Read the journal's accounts", asyncio.to_thread(self._accounts),
                   on_success=view.set_accounts)
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        self.view.apply()
        return self.view

    async def close(self) -> None:
        """Close the window and the reader (TradeTerm is shutting down); a read under way finishes first."""
        self._generation += 1
        self._cancel.set()
        if self.view is not None:
            self.view.close()
        await asyncio.to_thread(self._close_reader)

    def _close_reader(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def reader(self) -> HistoryQueries:
        """Return the reader, opened on first use (in the worker thread that needs it)."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = self._open_history()
            return self._reader

    def _accounts(self) -> list[str]:
        return sorted(set(self.reader().accounts()) | {str(a) for a in self._session.account_ids()})

    # --- pages ----------------------------------------------------------------------------------

    def _on_query(self, query: HistoryQuery) -> None:
        self._query = query
        self._cursors = [None]
        self._load(0)

    def _on_older(self) -> None:
        if self._page + 1 < len(self._cursors):
            self._load(self._page + 1)

    def _on_newer(self) -> None:
        if self._page > 0:
            self._load(self._page - 1)

    def _load(self, page: int) -> None:
        query = self._query
        if query is None:
            return
        self._generation += 1
        generation = self._generation
        cursor = self._cursors[page]

        def shown(result: Page[Any]) -> None:
            if generation == self._generation:
                self._show(query, page, result)
                if query.tab is HistoryTab.FILLS and page == 0:
                    self._load_totals(query, generation)

        def failed(exc: BaseException) -> None:
            if generation == self._generation and self.view is not None:
                self.view.show_error(f"Cannot read the history: {exc}")

        self.loaded = run_op(self._reporter, "Read history", asyncio.to_thread(self._fetch, query, cursor),
                             on_success=shown, on_error=failed)

    def _fetch(self, query: HistoryQuery, cursor: Cursor | None) -> Page[Any]:
        reader = self.reader()
        if query.tab is HistoryTab.ORDERS:
            return reader.orders_page(query.orders, cursor)
        if query.tab is HistoryTab.FILLS:
            return reader.fills_page(query.fills, cursor)
        return reader.audit_page(query.audit, cursor)

    def _load_totals(self, query: HistoryQuery, generation: int) -> None:
        """Sum the commissions of every fill the filter passes (a pass over them all), after the page shows."""
        def shown(totals: list[CommissionTotal]) -> None:
            if generation == self._generation and self.view is not None:
                self.view.commissions_model.set_rows(totals)

        self.totals_loaded = run_op(self._reporter, "Sum commissions",
                                    asyncio.to_thread(lambda: self.reader().commission_totals(query.fills)),
                                    on_success=shown)

    def _show(self, query: HistoryQuery, page: int, result: Page[Any]) -> None:
        view = self.view
        if view is None:
            return
        rows = result.rows
        if query.tab is HistoryTab.ORDERS:
            view.show_orders(rows)
        elif query.tab is HistoryTab.FILLS:
            view.show_fills(rows)
        else:
            view.show_audit(rows)
        self._page = page
        del self._cursors[page + 1:]
        if result.next is not None:
            self._cursors.append(result.next)
        view.set_paging(page, len(rows), result.next is not None, result.searched_to)

    # --- exports --------------------------------------------------------------------------------

    def _ask_path(self, title: str, name: str, then: Callable[[str], None]) -> None:
        dialog = QFileDialog(self.view, title, str(Path.home() / name), "CSV files (*.csv)")
        dialog.setObjectName("history.exportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(then)
        self.export_dialog = dialog
        dialog.open()

    def _on_export(self, query: HistoryQuery) -> None:
        noun = _NOUNS[query.tab]
        self._ask_path(f"Export {noun} to CSV", f"tradeterm-{noun}.csv", lambda path: self.export_to(query, path))

    def _on_export_pnl(self, query: HistoryQuery) -> None:
        self._ask_path("Export realized P&L (FIFO) to CSV", "tradeterm-realized-pnl.csv",
                       lambda path: self.export_to(query, path, pnl=True))

    def export_to(self, query: HistoryQuery, path: str, pnl: bool = False) -> asyncio.Future[int]:
        """Export the query's rows (or realized P&L) to path in a worker thread, with progress; return the task."""
        view = self.view
        assert view is not None
        loop = asyncio.get_running_loop()
        self._cancel.clear()
        cancel = self._cancel

        def progress(done: int, total: int) -> None:
            if cancel.is_set():
                raise ExportCancelled("Export cancelled; nothing was written.")
            loop.call_soon_threadsafe(view.set_export_progress, done, total)

        def work() -> int:
            reader = self.reader()
            if pnl:
                return export_pnl(reader, query.range, path, query.account, progress)
            if query.tab is HistoryTab.ORDERS:
                return export_orders(reader, query.orders, path, progress)
            if query.tab is HistoryTab.FILLS:
                return export_fills(reader, query.fills, path, progress)
            return export_audit(reader, query.audit, path, progress)

        what = "closed trade(s)" if pnl else _NOUNS[query.tab]

        def done(count: int) -> None:
            view.set_exporting(False)
            view.show_error("")
            view.show_status(f"Exported {count} {what} to {path}.")

        def failed(exc: BaseException) -> None:
            view.set_exporting(False)
            if isinstance(exc, ExportCancelled):
                view.show_status(str(exc))
            elif isinstance(exc, ExportError):
                view.show_error(str(exc))
            else:
                view.show_error(f"The export failed ({exc}); nothing was written.")

        view.set_exporting(True)
        view.show_status(f"Exporting {what} to {path}…")
        return run_op(self._reporter, f"Export {what}", asyncio.to_thread(work), on_success=done, on_error=failed)

    # --- reconcile now --------------------------------------------------------------------------

    def reconcile_now(self, account: str | None) -> list[asyncio.Future[BooksCheck]]:
        """Compare the account's (None: every connected account's) positions with the broker's, changing nothing.

        A difference opens the reconciliation view, where the trader may adopt the broker's positions.
        """
        view = self.view
        accounts = [AccountId(account)] if account else [
            a for a in self._session.account_ids()
            if self._session.account(a).connection is ConnectionState.CONNECTED]
        if not accounts:
            self._say("No account is connected: connect one, then reconcile it.")
            return []
        checks = []
        for account_id in accounts:
            def done(check: BooksCheck) -> None:
                if check.ok:
                    self._say(f"{check.account_id}: the books agree with the broker's "
                              f"({check.positions_checked} position(s) compared).")
                else:
                    self._say(f"{check.account_id}: {len(check.differences)} difference(s); see the "
                              "reconciliation view.")
                    self._ask_reconciliation(check.account_id, check.differences)

            def failed(exc: BaseException, account_id: AccountId = account_id) -> None:
                self._say(f"{account_id}: cannot reconcile now: {exc}")

            checks.append(run_op(self._reporter, f"Reconcile {account_id}", check_books(self._session, account_id),
                                 disable=view.reconcile_button if view is not None else None,
                                 on_success=done, on_error=failed))
        return checks

    def _say(self, text: str) -> None:
        if self.view is not None:
            self.view.show_status(text)
        else:
            QMessageBox.information(self._parent, "Reconcile now", text)
