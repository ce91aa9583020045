"""make_grid_view: a QTableView configured for fast, steady grids (no resize per tick, no style sheet)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyleOptionViewItem, QTableView, QWidget

from gui.models.table_model import RowTableModel
from gui.widgets.cell_delegate import CellDelegate


class GridTableView(QTableView):
    """A QTableView that lets its CellDelegate read selection and state once per paint, not once per cell."""

    def paintEvent(self, event: QPaintEvent) -> None:
        delegate = self.itemDelegate()
        if not isinstance(delegate, CellDelegate):
            super().paintEvent(event)
            return
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        delegate.begin_paint(option.state)
        try:
            super().paintEvent(event)
        finally:
            delegate.end_paint()


def make_grid_view(model: RowTableModel, object_name: str, parent: QWidget | None = None) -> QTableView:
    """Return a read-only, row-selecting view over model that paints its cells with CellDelegate.

    The model repaints only what this view shows.
    """
    view = GridTableView(parent)
    view.setObjectName(object_name)
    view.setModel(model)
    view.setItemDelegate(CellDelegate(view))
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
