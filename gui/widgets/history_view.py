"""HistoryView: every past order, fill and audit entry, a page at a time, with filters, exports and Reconcile now.

A window of its own (objectName 'historyView'), read-only: it shows what its controller
(gui/controllers/history.py) reads from the journal and asks for the rest through its signals.
A date range that is reversed is refused here, with a message, before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from PySide6.QtCore import QDate, Qt, Signal, SignalInstance
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain import Fill, OrderStatus
from core.ports.history import (
    AuditFilter,
    DateRangeError,
    FillFilter,
    OrderFilter,
    OrderRow,
    TimeRange,
)
from core.ports.journal import AuditEntry
from gui.models.history import AUDIT_COLUMNS, COMMISSION_COLUMNS, FILL_COLUMNS, ORDER_COLUMNS, PageTableModel
from gui.widgets.literal_text import literal

ALL = "All"


class HistoryTab(IntEnum):
    ORDERS = 0
    FILLS = 1
    AUDIT = 2


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """What the trader asked to see: the tab and its filter."""

    tab: HistoryTab
    orders: OrderFilter
    fills: FillFilter
    audit: AuditFilter
    account: str | None
    range: TimeRange


def _table(model: PageTableModel, name: str) -> QTableView:
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class HistoryView(QWidget):
    """objectName 'historyView'; children are named 'history.<part>' (docs/ui-objects.md).

    Signals:
        query_requested(HistoryQuery): show the first page of this tab under this filter.
        older_requested(), newer_requested(): the next or previous page.
        export_requested(HistoryQuery): export the tab's rows under its filter (the controller asks where).
        export_pnl_requested(HistoryQuery): export realized P&L per closed trade of the range and account.
        cancel_export_requested(): stop the export under way (nothing is written).
        reconcile_requested(str | None): compare the account's (None: every connected one's) books with the broker.
    """

    query_requested = Signal(object)
    older_requested = Signal()
    newer_requested = Signal()
    export_requested = Signal(object)
    export_pnl_requested = Signal(object)
    cancel_export_requested = Signal()
    reconcile_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("historyView")
        self.setWindowTitle("TradeTerm — history")
        self.orders_model = PageTableModel(ORDER_COLUMNS, self)
        self.fills_model = PageTableModel(FILL_COLUMNS, self)
        self.commissions_model = PageTableModel(COMMISSION_COLUMNS, self)
        self.audit_model = PageTableModel(AUDIT_COLUMNS, self)
        self._build_filters()
        self._build_tabs()
        self._build_footer()
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters)
        layout.addWidget(self.error_label)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(self._footer)
        layout.addWidget(self.status_label)
        self._on_tab_changed(HistoryTab.ORDERS)
        self.resize(1300, 700)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc or Ctrl+W closes the window, as they would a dialog (a window of its own may have no title bar to
        click: a bare X server, a tiling window manager)."""
        if event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Close):
            self.close()
            return
        super().keyPressEvent(event)

    # --- construction ---------------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.account_combo = QComboBox(objectName="history.account")
        self.account_combo.addItem(ALL)
        self.symbol_edit = QLineEdit(objectName="history.symbol", placeholderText="any symbol")
        self.status_combo = QComboBox(objectName="history.status")
        self.status_combo.addItem(ALL)
        self.status_combo.addItems([s.value for s in OrderStatus])
        self.strategy_edit = QLineEdit(objectName="history.strategy", placeholderText="any strategy")
        self.search_edit = QLineEdit(objectName="history.search", placeholderText="search ids, reasons, details")
        self.dates_check = QCheckBox("Dates", objectName="history.useDates")
        today = QDate.currentDate()
        self.from_date = QDateEdit(today.addDays(-7), objectName="history.fromDate")
        self.to_date = QDateEdit(today, objectName="history.toDate")
        for edit in (self.from_date, self.to_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.dates_check.toggled.connect(self.from_date.setEnabled)
        self.dates_check.toggled.connect(self.to_date.setEnabled)
        self.apply_button = QPushButton("Show", objectName="history.applyButton")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        for edit in (self.symbol_edit, self.strategy_edit, self.search_edit):
            edit.returnPressed.connect(self.apply)
        row = QHBoxLayout()
        for label, widget in (("Account", self.account_combo), ("Symbol", self.symbol_edit),
                              ("Status", self.status_combo), ("Strategy", self.strategy_edit),
                              ("Search", self.search_edit)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        for widget in (self.dates_check, self.from_date, QLabel("to"), self.to_date, self.apply_button):
            row.addWidget(widget)
        self._filters = row
        self.error_label = QLabel(objectName="history.error")
        self.error_label.setStyleSheet("color: #d93025")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

    def _build_tabs(self) -> None:
        self.orders_table = _table(self.orders_model, "history.ordersTable")
        self.fills_table = _table(self.fills_model, "history.fillsTable")
        self.commissions_table = _table(self.commissions_model, "history.commissionsTable")
        self.audit_table = _table(self.audit_model, "history.auditTable")
        fills = QSplitter(Qt.Orientation.Vertical)
        fills.addWidget(self.fills_table)
        fills.addWidget(self.commissions_table)
        fills.setSizes([500, 160])
        self.tabs = QTabWidget(objectName="history.tabs")
        self.tabs.addTab(self.orders_table, "Orders")
        self.tabs.addTab(fills, "Fills")
        self.tabs.addTab(self.audit_table, "Audit trail")
        self.tabs.currentChanged.connect(self._on_tab_changed)

    def _build_footer(self) -> None:
        self.newer_button = QPushButton("◀ Newer", objectName="history.newerButton")
        self.older_button = QPushButton("Older ▶", objectName="history.olderButton")
        self.page_label = QLabel(objectName="history.pageLabel")
        self.newer_button.clicked.connect(self.newer_requested)
        self.older_button.clicked.connect(self.older_requested)
        self.export_button = QPushButton("Export CSV…", objectName="history.exportButton")
        self.export_pnl_button = QPushButton(literal("Export realized P&L (FIFO)…"),
                                             objectName="history.exportPnlButton")
        self.progress = QProgressBar(objectName="history.progress")
        self.progress.hide()
        self.cancel_export_button = QPushButton("Cancel export", objectName="history.cancelExportButton")
        self.cancel_export_button.hide()
        self.reconcile_button = QPushButton("Reconcile now…", objectName="history.reconcileButton")
        self.reconcile_button.setToolTip("Compare the account's positions with the broker's (the account filter; "
                                         "All: every connected account)")
        self.export_button.clicked.connect(lambda: self._emit_valid(self.export_requested))
        self.export_pnl_button.clicked.connect(lambda: self._emit_valid(self.export_pnl_requested))
        self.cancel_export_button.clicked.connect(self.cancel_export_requested)
        self.reconcile_button.clicked.connect(lambda: self.reconcile_requested.emit(self._account()))
        row = QHBoxLayout()
        for widget in (self.newer_button, self.page_label, self.older_button):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.progress, self.cancel_export_button, self.export_button, self.export_pnl_button,
                       self.reconcile_button):
            row.addWidget(widget)
        self._footer = row
        self.status_label = QLabel(objectName="history.statusLabel")
        self.status_label.setWordWrap(True)

    # --- what the trader asks -------------------------------------------------------------------

    @property
    def tab(self) -> HistoryTab:
        return HistoryTab(self.tabs.currentIndex())

    def _account(self) -> str | None:
        text = self.account_combo.currentText()
        return None if text == ALL else text

    def query(self) -> HistoryQuery:
        """Return the filter as the controls hold it; raise DateRangeError for a reversed range."""
        span = TimeRange()
        if self.dates_check.isChecked():
            span = TimeRange.of_days(self.from_date.date().toPython(), self.to_date.date().toPython())
        account = self._account()
        symbol = self.symbol_edit.text().strip() or None
        status = self.status_combo.currentText()
        text = self.search_edit.text().strip()
        return HistoryQuery(
            self.tab,
            OrderFilter(account, symbol, () if status == ALL else (OrderStatus(status),),
                        self.strategy_edit.text().strip() or None, span, text),
            FillFilter(account, symbol, span, text),
            AuditFilter((), span, text),
            account, span,
        )

    def _emit_valid(self, signal: SignalInstance) -> bool:
        try:
            query = self.query()
        except DateRangeError as exc:
            self.show_error(str(exc))
            return False
        self.show_error("")
        signal.emit(query)
        return True

    def apply(self) -> bool:
        """Ask for the first page under the filter; a reversed range is refused with a message. Return if asked."""
        return self._emit_valid(self.query_requested)

    def _on_tab_changed(self, index: int) -> None:
        tab = HistoryTab(index)
        self.status_combo.setEnabled(tab is HistoryTab.ORDERS)
        self.strategy_edit.setEnabled(tab is HistoryTab.ORDERS)
        self.symbol_edit.setEnabled(tab is not HistoryTab.AUDIT)
        self.account_combo.setEnabled(tab is not HistoryTab.AUDIT)
        self.apply()

    # --- what the controller shows --------------------------------------------------------------

    def set_accounts(self, accounts: list[str]) -> None:
        current = self.account_combo.currentText()
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        self.account_combo.addItems([ALL, *accounts])
        self.account_combo.setCurrentText(current if current in accounts else ALL)
        self.account_combo.blockSignals(False)

    def show_orders(self, rows: tuple[OrderRow, ...]) -> None:
        self.orders_model.set_rows(rows)

    def show_fills(self, rows: tuple[Fill, ...]) -> None:
        self.fills_model.set_rows(rows)

    def show_audit(self, rows: tuple[AuditEntry, ...]) -> None:
        self.audit_model.set_rows(rows)

    def set_paging(self, page: int, rows: int, has_older: bool, searched_to: datetime | None = None) -> None:
        """Say which page is shown (0 first) and enable the page buttons that lead somewhere.

        searched_to: the search stopped at its budget there; Older searches on.
        """
        text = f"Page {page + 1} · {rows} row(s)"
        if searched_to is not None:
            text += f" · searched back to {searched_to.astimezone():%Y-%m-%d %H:%M}; Older searches further"
        elif has_older:
            text += " · more older"
        self.page_label.setText(text)
        self.newer_button.setEnabled(page > 0)
        self.older_button.setEnabled(has_older)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)

    def set_exporting(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_export_button.setVisible(running)
        self.export_button.setEnabled(not running)
        self.export_pnl_button.setEnabled(not running)
        if running:
            self.progress.setRange(0, 0)

    def set_export_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
