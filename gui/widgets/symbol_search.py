"""SymbolSearchPopup: type a symbol or name, see what every connected broker lists, pick one with Enter.

The popup owns no search: it emits `query_changed` once typing pauses (debounced) and `chosen` for the
picked row; its controller (gui/controllers/symbol_search.py) runs the search on the loop and calls
`show_results` / `show_error` with the answer, so the GUI thread never waits for a broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.ports.symbol_search import InstrumentMatch

DEBOUNCE_MS = 30
"""Typing pauses this long before a search starts; each later keystroke cancels the search still running."""
COLUMNS: tuple[tuple[str, str], ...] = (
    ("symbol", "Symbol"), ("name", "Name"), ("venue", "Exchange"), ("currency", "Currency"), ("type", "Type"),
    ("account", "Account"),
)
AnyIndex = QModelIndex | QPersistentModelIndex


def cell_text(match: InstrumentMatch, key: str) -> str:
    if key == "type":
        return match.kind_text
    if key == "account":
        return str(match.account_id)
    return str(getattr(match, key))


class SearchResultsModel(QAbstractTableModel):
    """The found instruments, one row each, columns declared once in COLUMNS."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.matches: list[InstrumentMatch] = []

    def set_matches(self, matches: Sequence[InstrumentMatch]) -> None:
        self.beginResetModel()
        self.matches = list(matches)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008  (Qt's signature)
        return 0 if parent.isValid() else len(self.matches)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return cell_text(self.matches[index.row()], COLUMNS[index.column()][0])

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None


class SymbolSearchPopup(QDialog):
    """objectName 'symbolSearch'; children symbolSearch.query, symbolSearch.results, symbolSearch.status.

    Signals: query_changed(str) when typing pauses for DEBOUNCE_MS; chosen(InstrumentMatch) on Enter or
    double-click of a row (Enter in the query picks the selected row, else the first).
    """

    query_changed = Signal(str)
    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("symbolSearch")
        self.setWindowTitle("Find a symbol")
        self.setModal(False)
        self.resize(760, 420)
        self.query = QLineEdit()
        self.query.setObjectName("symbolSearch.query")
        self.query.setPlaceholderText("Symbol or name, e.g. AAPL, ES 2027, AAPL C 200, NIFTY FUT, 600519")
        self.query.setClearButtonEnabled(True)
        self.model = SearchResultsModel(self)
        self.results = QTableView()
        self.results.setObjectName("symbolSearch.results")
        self.results.setModel(self.model)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.verticalHeader().hide()
        self.results.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setObjectName("symbolSearch.status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget in (self.query, self.results, self.status):
            layout.addWidget(widget)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_query)
        self.query.textEdited.connect(lambda _text: self._debounce.start())
        self.query.installEventFilter(self)
        self.results.doubleClicked.connect(lambda index: self._choose(index.row()))
        self.results.installEventFilter(self)

    def open_search(self) -> None:
        """Show the popup with the query selected, ready to type."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.query.setFocus()
        self.query.selectAll()

    def show_results(self, matches: Sequence[InstrumentMatch], message: str, notes: Sequence[str] = ()) -> None:
        self.model.set_matches(matches)
        if matches:
            self.results.selectRow(0)
            self.results.resizeColumnsToContents()
        self.status.setText("\n".join([message, *notes]))

    def show_busy(self, text: str) -> None:
        self.status.setText(text)

    def show_error(self, text: str) -> None:
        self.status.setText(text)

    def selected_match(self) -> InstrumentMatch | None:
        rows = self.results.selectionModel().selectedRows()
        row = rows[0].row() if rows else 0
        return self.model.matches[row] if 0 <= row < len(self.model.matches) else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if watched is self.query and self._debounce.isActive():
                    self._debounce.stop()
                    self._emit_query()  # Enter before the pause: search now, pick later
                    return True
                match = self.selected_match()
                if match is not None:
                    self.chosen.emit(match)
                return True
            if watched is self.query and key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.matches:
                current = self.results.currentIndex().row()
                step = 1 if key == Qt.Key.Key_Down else -1
                self.results.selectRow(max(0, min(len(self.model.matches) - 1, current + step)))
                return True
        return super().eventFilter(watched, event)

    def _emit_query(self) -> None:
        self.query_changed.emit(self.query.text())

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.model.matches):
            self.chosen.emit(self.model.matches[row])
