"""make_grid_view: a QTableView configured for fast, steady grids (no resize per tick, no style sheet)."""

from __future__ import annotations

from math import ceil

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QStyleOptionViewItem, QTableView, QWidget

from gui.models.table_model import RowTableModel
from gui.widgets.cell_delegate import CellDelegate


class GridTableView(QTableView):
    """A QTableView whose CellDelegate paints all the cells of a repaint in one pass.

    QTableView paints cell by cell: it builds an option for each, asks the style to fill the
    row's background and calls the delegate, one crossing into Python per cell. This view hands
    the delegate the rows and columns under the repainted area at once (see
    CellDelegate.paint_rows), with the same pixels. Where that layout does not hold (a grid, spans,
    hidden or moved rows, right-to-left, another delegate) it paints as QTableView does.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._has_spans = False

    def setSpan(self, row: int, column: int, row_span: int, column_span: int) -> None:
        self._has_spans = True
        super().setSpan(row, column, row_span, column_span)

    def paintEvent(self, event: QPaintEvent) -> None:
        delegate = self.itemDelegate()
        if not isinstance(delegate, CellDelegate):
            super().paintEvent(event)
            return
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        delegate.begin_paint(option.state)
        try:
            if not self._paint_in_one_pass(event.rect(), delegate, option):
                super().paintEvent(event)
        finally:
            delegate.end_paint()

    def _paint_in_one_pass(self, dirty: QRect, delegate: CellDelegate, option: QStyleOptionViewItem) -> bool:
        """Paint the cells under dirty through delegate.paint_rows; False when QTableView must paint them."""
        vertical, horizontal = self.verticalHeader(), self.horizontalHeader()
        if (not delegate.painting or self.showGrid() or self._has_spans or self.isRightToLeft()
                or vertical.hiddenSectionCount() or vertical.sectionsMoved()):
            return False
        rows = self.model().rowCount()
        if rows == 0 or horizontal.count() == 0:
            return True
        bottom_edge = min(dirty.bottom(), vertical.length() - vertical.offset() - 1)
        right_edge = min(dirty.right(), horizontal.length() - horizontal.offset() - 1)
        top = vertical.visualIndexAt(dirty.top())
        if top < 0 or bottom_edge < dirty.top() or right_edge < dirty.left():
            return True
        bottom = vertical.visualIndexAt(bottom_edge)
        bottom = rows - 1 if bottom < 0 else bottom
        left = max(0, horizontal.visualIndexAt(dirty.left()))
        right = horizontal.visualIndexAt(right_edge)
        right = horizontal.count() - 1 if right < 0 else right
        columns = []
        for visual in range(left, right + 1):
            column = horizontal.logicalIndex(visual)
            if not horizontal.isSectionHidden(column):
                columns.append((column, horizontal.sectionViewportPosition(column), horizontal.sectionSize(column)))
        shown = [(row, vertical.sectionViewportPosition(row), vertical.sectionSize(row))
                 for row in range(top, bottom + 1)]
        painter = QPainter(self.viewport())
        try:
            delegate.paint_rows(painter, option, shown, columns, self.alternatingRowColors())
        finally:
            painter.end()
        return True


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
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # ids (accounts, orders) differ at their ends
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
    _opaque_scroll_bars(view)
    model.attach_view(view)
    horizontal.setResizeContentsPrecision(50)  # fit columns to the first rows, not a scan of thousands
    _fit_columns_once(view, model)
    return view


def _opaque_scroll_bars(view: QTableView) -> None:
    """Mark the view's scroll bars as painting every pixel of theirs, where the style does (Fusion, the app's).

    Rows inserted at the top of a grid (new orders, newest first) change its vertical scroll bar every frame; Qt
    then repaints what lies behind a bar that may be see-through: the dock, the panel and the main window under the
    whole grid, 2 us an order with 64 in flight. Fusion fills a bar's rectangle, so nothing behind it shows.
    """
    if view.style().name().casefold() == "fusion":
        for bar in (view.horizontalScrollBar(), view.verticalScrollBar()):
            bar.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)


def widest_fit(view: QTableView) -> int:
    """Return the widest a column is fitted to its content.

    A longer text (an OANDA account id is 34 characters) is elided in its middle, not given the width that
    pushes the P&L behind a scroll; the trader can still widen its column.
    """
    return (view.fontMetrics().horizontalAdvance("88,888.88") + 16) * 3 // 2  # about 16 characters


def _fit_columns_once(view: QTableView, model: RowTableModel) -> None:
    """Size columns to the header and the first rows once; never again per update (it costs a full pass)."""
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    floor = metrics.horizontalAdvance("88,888.88") + 16
    widest = widest_fit(view)
    for column in range(model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        header.resizeSection(column, max(floor, metrics.horizontalAdvance(title) + 24))

    def fit() -> None:
        # What sizeHintForColumn measures (the widest of the first rows' texts between the delegate's margins),
        # read from the model's formatted cells: the delegate asked the model for 8 roles of each cell through
        # Python, 6-8 ms a grid before the first paint.
        shown = QFontMetricsF(view.font())
        margins = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
        rows = [model.row_cells(row)[0] for row in range(min(model.rowCount(), header.resizeContentsPrecision()))]
        for column in range(model.columnCount()):
            content = ceil(max((shown.horizontalAdvance(texts[column] or "") for texts in rows), default=0)) + margins
            wanted = min(max(content, header.sectionSizeHint(column)) + 14, widest)
            header.resizeSection(column, max(header.sectionSize(column), wanted))

    def on_first_rows() -> None:
        model.rowsInserted.disconnect(on_first_rows)
        QTimer.singleShot(0, view, fit)

    model.rowsInserted.connect(on_first_rows)


def widen_to_content(view: QTableView, model: RowTableModel) -> None:
    """Keep every column of a slow-changing grid at least as wide as its content (grow only, after the frame).

    For grids whose rows change on events (funds on fills and connects), never per tick: a figure that
    grows (a cash balance in the billions) widens its column instead of being elided. Columns the trader
    made wider stay as they are.
    """
    header = view.horizontalHeader()
    timer = QTimer(view, singleShot=True, interval=0)

    def widen() -> None:
        for column in range(model.columnCount()):
            if header.isSectionHidden(column) or (header.stretchLastSection() and column == header.count() - 1):
                continue
            wanted = view.sizeHintForColumn(column) + 14
            if wanted > header.sectionSize(column):
                header.resizeSection(column, wanted)

    timer.timeout.connect(widen)
    model.dataChanged.connect(lambda *_: timer.start())
    model.rowsInserted.connect(lambda *_: timer.start())

