"""make_grid_view: a QTableView configured for fast, steady grids (no resize per tick, no style sheet)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from gui.models.table_model import RowTableModel


def make_grid_view(model: RowTableModel, object_name: str, parent: QWidget | None = None) -> QTableView:
    """Return a read-only, row-selecting view over model; the model paints only what this view shows."""
    view = QTableView(parent)
    view.setObjectName(object_name)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setCornerButtonEnabled(False)
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 6)
    horizontal = view.horizontalHeader()
    horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    horizontal.setDefaultSectionSize(86)
    horizontal.setStretchLastSection(True)
    horizontal.setHighlightSections(False)
    model.attach_view(view)
    horizontal.setResizeContentsPrecision(50)  # fit columns to the first rows, not a scan of thousands
    _fit_columns_once(view, model)
    return view


def _fit_columns_once(view: QTableView, model: RowTableModel) -> None:
    """Size columns to the header and the first rows once; never again per update (it costs a full pass)."""
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    floor = metrics.horizontalAdvance("88,888.88") + 16
    for column in range(model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        header.resizeSection(column, max(floor, metrics.horizontalAdvance(title) + 24))

    def fit() -> None:
        for column in range(model.columnCount()):
            wanted = max(view.sizeHintForColumn(column), header.sectionSizeHint(column)) + 14
            header.resizeSection(column, max(header.sectionSize(column), wanted))

    def on_first_rows() -> None:
        model.rowsInserted.disconnect(on_first_rows)
        QTimer.singleShot(0, view, fit)

    model.rowsInserted.connect(on_first_rows)
