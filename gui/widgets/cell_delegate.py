"""CellDelegate: paints a RowTableModel's pre-formatted cells straight from its cache, not through the style."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
)

from gui.models.table_model import RowTableModel

_AnyIndex = QModelIndex | QPersistentModelIndex
_State = QStyle.StateFlag
_SELECTED = _State.State_Selected.value
_ENABLED = _State.State_Enabled.value
_ACTIVE = _State.State_Active.value
_HAS_FOCUS = _State.State_HasFocus.value
_GROUP_BITS = _ENABLED | _ACTIVE
_LEFT, _RIGHT, _CENTER = 0, 1, 2
_HORIZONTAL = {
    Qt.AlignmentFlag.AlignRight.value: _RIGHT,
    Qt.AlignmentFlag.AlignTrailing.value: _RIGHT,
    Qt.AlignmentFlag.AlignHCenter.value: _CENTER,
}
_HORIZONTAL_MASK = Qt.AlignmentFlag.AlignHorizontal_Mask.value
_REFRESH_EVENTS = frozenset({QEvent.Type.PaletteChange, QEvent.Type.FontChange, QEvent.Type.StyleChange})
_Rect = tuple[int, int, int, int]
_Colors = tuple[QBrush, QColor, QColor, QBrush]
"""Per color group: highlight brush, highlighted-text color, text color, alternate-row brush."""
Column = tuple[int, int, int]
"""A column as paint_rows draws it: (logical index, x in the viewport, width)."""

PREPARE_AFTER = 3
"""Draws of a string before its glyph run is prepared: preparing costs about four plain draws, so a
price that flickers past is drawn plainly and a string that stays (symbols, quiet prices) gets prepared."""
PREPARES_PER_PAINT = 8
"""Most strings prepared in one paint (each costs about 70 µs): when many strings reach PREPARE_AFTER
together, the rest are drawn plainly this time and prepared in the next paints, so no paint stalls."""
GLYPH_CACHE_LIMIT = 4096
"""Strings whose width (and prepared glyph run) the delegate keeps before starting afresh."""


class _Glyphs:
    """What the delegate knows about one string: its width, its plain draws, then its prepared glyph run."""

    __slots__ = ("advance", "static", "uses")

    def __init__(self, advance: float) -> None:
        self.advance = advance
        self.static: QStaticText | None = None
        self.uses = 0


class _Frame:
    """What one paint of the view shares across its cells: model, colors, selection, current cell."""

    __slots__ = ("alternate_base", "cells", "colors", "focus", "highlight", "highlighted_text", "model", "row", "rows",
                 "text_color", "texts")

    def __init__(self, model: RowTableModel, colors: _Colors) -> None:
        self.model = model
        self.highlight, self.highlighted_text, self.text_color, self.alternate_base = colors
        self.rows: set[int] = set()
        self.cells: set[tuple[int, int]] = set()
        self.focus: tuple[int, int] | None = None
        self.row = -1
        self.texts: Sequence[str] = ()
        self.colors: Sequence[QColor | None] = ()


class CellDelegate(QStyledItemDelegate):
    """Draw each cell's cached text and color with the view's font, alignment, padding and selection.

    It draws the pixels QStyledItemDelegate draws in a Fusion grid (selection highlight per active,
    inactive and disabled window, per-cell foreground colors, left/center/right alignment at the
    style's text margin, right elision with "…", the focus frame of the current cell) but reads
    the model's cached texts and colors instead of several data() roles per cell, and draws with
    QPainter.drawText at a computed point, then from a prepared QStaticText once a string recurs,
    instead of a QTextLayout per cell. In a GridTableView (see begin_paint) the selection and
    window state are read once per paint instead of from each cell's option. sizeHint and editing
    stay QStyledItemDelegate's, so column auto-fit is unchanged. Models other than RowTableModel
    are painted by QStyledItemDelegate.
    """

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self._glyphs: dict[str, _Glyphs] = {}
        self._elided: dict[tuple[str, int], str] = {}
        self._model: RowTableModel | None = None
        self._kinds: list[int] = []
        self._groups: dict[int, _Colors] = {}
        self._frame: _Frame | None = None
        self._prepare_budget = PREPARES_PER_PAINT
        self._metrics = QFontMetricsF(view.font())
        self._margin = 0
        self._ascent = 0.0
        self._line_height = 0
        self._refresh_view_settings()
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self._view:  # an editor: QStyledItemDelegate's commit-and-close handling
            return super().eventFilter(watched, event)
        if event.type() in _REFRESH_EVENTS:
            self._refresh_view_settings()
        return False

    def begin_paint(self, view_state: QStyle.StateFlag) -> None:
        """Read the model, selection and current cell once for the cells of one paint of the view.

        view_state is the state QAbstractItemView.initViewItemOption gives every cell (enabled,
        active); until end_paint() the delegate takes selection from the view's selection model
        and that state for every cell (a RowTableModel's cells are all enabled and selectable)
        instead of reading each cell's option. The current cell still paints from its option.
        """
        self._prepare_budget = PREPARES_PER_PAINT
        view = self._view
        model = self._table(view.model())
        selection = view.selectionModel()
        if model is None or selection is None:
            self._frame = None
            return
        frame = _Frame(model, self._groups[view_state.value & _GROUP_BITS])
        first, last = _shown_rows(view, model)
        width = model.columnCount()
        ranges = selection.selection()
        for span in (ranges.at(i) for i in range(ranges.size())):  # a select-all costs only the rows shown
            top, bottom, left, right = max(span.top(), first), min(span.bottom(), last), span.left(), span.right()
            if left == 0 and right == width - 1:
                frame.rows.update(range(top, bottom + 1))
            else:
                frame.cells.update((row, column) for row in range(top, bottom + 1) for column in range(left, right + 1))
        current = view.currentIndex()
        if current.isValid() and (view.hasFocus() or view.viewport().hasFocus()):
            frame.focus = (current.row(), current.column())
        self._frame = frame

    def end_paint(self) -> None:
        """Go back to reading each cell's option (see begin_paint)."""
        self._frame = None

    @property
    def painting(self) -> bool:
        """True between begin_paint and end_paint over a RowTableModel (paint_rows can draw)."""
        return self._frame is not None

    def paint_rows(self, painter: QPainter, option: QStyleOptionViewItem, rows: Sequence[tuple[int, int, int]],
                   columns: Sequence[Column], alternate: bool) -> None:
        """Draw the cells of rows ((row, y, height), top to bottom) in columns, all in one pass.

        The pixels are those QTableView draws cell by cell through paint(): each row's background
        (the alternate-row color on odd rows, the highlight on selected ones) filled once across
        the columns, then each cell's text. The current cell, when it has focus, is drawn from an
        option as QTableView would build it, focus frame included. Call between begin_paint and
        end_paint; option is the view's own (initViewItemOption), alternate its alternatingRowColors.
        """
        frame = self._frame
        if frame is None or not columns:
            return
        model, kinds, draw = frame.model, self._kinds, self._draw_text_at
        left = columns[0][1]
        width = columns[-1][1] + columns[-1][2] - left
        highlight, highlighted_text, text_color = frame.highlight, frame.highlighted_text, frame.text_color
        selected_rows, selected_cells, focus = frame.rows, frame.cells, frame.focus
        pen: QColor | None = None
        for row, y, height in rows:
            texts, colors = model.row_cells(row)
            whole = row in selected_rows
            if whole:
                painter.fillRect(left, y, width, height, highlight)
            elif alternate and row & 1:
                painter.fillRect(left, y, width, height, frame.alternate_base)
            for column, x, column_width in columns:
                if focus is not None and focus == (row, column):
                    self._paint_current(painter, option, model.index(row, column), QRect(x, y, column_width, height),
                                        whole or (row, column) in selected_cells)
                    pen = None
                    continue
                if whole:
                    wanted = highlighted_text
                elif selected_cells and (row, column) in selected_cells:
                    painter.fillRect(x, y, column_width, height, highlight)
                    wanted = highlighted_text
                else:
                    color = colors[column]
                    wanted = text_color if color is None else color
                if wanted is not pen:
                    painter.setPen(wanted)
                    pen = wanted
                text = texts[column]
                if text:
                    draw(painter, x, y, column_width, height, text, kinds[column])

    def _paint_current(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex, rect: QRect,
                       selected: bool) -> None:
        """Draw the current cell from the option QTableView gives it (selection, focus, color group)."""
        cell = QStyleOptionViewItem(option)
        cell.rect = rect
        state = cell.state | _State.State_HasFocus
        if selected:
            state |= _State.State_Selected
        cell.state = state
        palette = QPalette(cell.palette)
        palette.setCurrentColorGroup(QPalette.ColorGroup.Normal if state.value & _ENABLED else
                                     QPalette.ColorGroup.Disabled)
        cell.palette = palette
        self._paint_from_option(painter, cell, index)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _AnyIndex) -> None:
        frame = self._frame
        if frame is None:
            self._paint_from_option(painter, option, index)
            return
        row, column = index.row(), index.column()
        if row != frame.row:
            frame.row = row
            frame.texts, frame.colors = frame.model.row_cells(row)
        if (row, column) == frame.focus:
            self._paint_from_option(painter, option, index)
            return
        text, color = frame.texts[column], frame.colors[column]
        if row in frame.rows or (frame.cells and (row, column) in frame.cells):
            painter.fillRect(option.rect, frame.highlight)
            painter.setPen(frame.highlighted_text)
        else:
            painter.setPen(frame.text_color if color is None else color)
        if text:
            self._draw_text(painter, option.rect, text, self._kinds[column])

    def _paint_from_option(self, painter: QPainter, option: QStyleOptionViewItem, index: _AnyIndex) -> None:
        model = self._table(index.model())
        if model is None:
            super().paint(painter, option, index)
            return
        column = index.column()
        text, color = model.cell(index.row(), column)
        state = option.state.value
        rect = option.rect
        highlight, highlighted_text, text_color, _ = self._groups[state & _GROUP_BITS]
        if state & _SELECTED:
            painter.fillRect(rect, highlight)
            painter.setPen(highlighted_text)
        else:
            painter.setPen(text_color if color is None else color)
        if text:
            self._draw_text(painter, rect, text, self._kinds[column])
        if state & _HAS_FOCUS:
            self._draw_focus(painter, option, state)

    def clear_cache(self) -> None:
        """Forget every cached string width, glyph run and elision (they rebuild as cells paint)."""
        self._glyphs.clear()
        self._elided.clear()

    # --- drawing ------------------------------------------------------------------------------

    def _draw_text(self, painter: QPainter, rect: QRect, text: str, kind: int) -> None:
        x, y, width, height = cast(_Rect, rect.getRect())
        self._draw_text_at(painter, x, y, width, height, text, kind)

    def _draw_text_at(self, painter: QPainter, x: int, y: int, width: int, height: int, text: str, kind: int) -> None:
        margin = self._margin
        room = width - 2 * margin
        glyphs = self._glyphs.get(text)
        if glyphs is None or glyphs.advance > room:
            fitted = self._fit(text, room)
            if fitted is None:
                return
            text, glyphs = fitted
        top = y + (height - self._line_height) // 2
        clipped = top < y
        if clipped:
            painter.save()
            painter.setClipRect(x, y, width, height)
        static = glyphs.static
        if kind == _LEFT:
            if static is None:
                painter.drawText(QPointF(x + margin, top + self._ascent), text)
            else:
                painter.drawStaticText(x + margin, top, static)
        else:
            # The fractional x QTextLayout uses, so digits sit exactly where the style put them.
            spare = room - glyphs.advance
            left = x + margin + (spare if kind == _RIGHT else spare / 2)
            if static is None:
                painter.drawText(QPointF(left, top + self._ascent), text)
            else:
                painter.drawStaticText(QPointF(left, top), static)
        if static is None:
            glyphs.uses += 1
            if glyphs.uses >= PREPARE_AFTER and (self._prepare_budget > 0 or self._frame is None):
                self._prepare_budget -= 1  # the budget holds within one paint of a GridTableView
                glyphs.static = self._prepared(painter, text)
        if clipped:
            painter.restore()

    def _draw_focus(self, painter: QPainter, option: QStyleOptionViewItem, state: int) -> None:
        style = self._view.style()
        focus = QStyleOptionFocusRect()
        focus.rect = option.rect
        focus.palette = option.palette
        focus.fontMetrics = option.fontMetrics
        focus.direction = option.direction
        focus.state = option.state | _State.State_KeyboardFocusChange | _State.State_Item
        group = QPalette.ColorGroup.Normal if state & _ENABLED else QPalette.ColorGroup.Disabled
        role = QPalette.ColorRole.Highlight if state & _SELECTED else QPalette.ColorRole.Window
        focus.backgroundColor = option.palette.color(group, role)
        style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter, self._view)

    # --- caches -------------------------------------------------------------------------------

    def _fit(self, text: str, room: int) -> tuple[str, _Glyphs] | None:
        """Return text, or its elision when wider than room, with its glyphs; None if nothing fits."""
        if room <= 0:
            return None
        glyphs = self._glyphs_of(text)
        if glyphs.advance > room:
            text = self._elide(text, room)
            if not text:
                return None
            glyphs = self._glyphs_of(text)
        return text, glyphs

    def _glyphs_of(self, text: str) -> _Glyphs:
        glyphs = self._glyphs.get(text)
        if glyphs is None:
            if len(self._glyphs) >= GLYPH_CACHE_LIMIT:
                self._glyphs.clear()
            glyphs = self._glyphs[text] = _Glyphs(self._metrics.horizontalAdvance(text))
        return glyphs

    def _prepared(self, painter: QPainter, text: str) -> QStaticText:
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
        static.prepare(painter.transform(), painter.font())
        return static

    def _elide(self, text: str, room: int) -> str:
        key = (text, room)
        elided = self._elided.get(key)
        if elided is None:
            if len(self._elided) >= GLYPH_CACHE_LIMIT:
                self._elided.clear()
            elided = self._elided[key] = self._metrics.elidedText(text, self._view.textElideMode(), room)
        return elided

    def _table(self, model: object) -> RowTableModel | None:
        """Return model if it is a RowTableModel (reading its column alignments once), else None."""
        if model is self._model:
            return self._model
        if not isinstance(model, RowTableModel):
            return None
        self._model = model
        self._kinds = [_HORIZONTAL.get(model.alignment(i).value & _HORIZONTAL_MASK, _LEFT)
                       for i in range(model.columnCount())]
        return model

    def _palette_groups(self) -> dict[int, _Colors]:
        palette = self._view.palette()
        role = QPalette.ColorRole

        def colors(group: QPalette.ColorGroup) -> _Colors:
            return (palette.brush(group, role.Highlight), palette.color(group, role.HighlightedText),
                    palette.color(group, role.Text), palette.brush(group, role.AlternateBase))

        active, inactive = colors(QPalette.ColorGroup.Active), colors(QPalette.ColorGroup.Inactive)
        disabled = colors(QPalette.ColorGroup.Disabled)
        return {_ENABLED | _ACTIVE: active, _ENABLED: inactive, _ACTIVE: disabled, 0: disabled}

    def _refresh_view_settings(self) -> None:
        view = self._view
        font = view.font()
        self._metrics = QFontMetricsF(font)
        self._ascent = self._metrics.ascent()
        self._line_height = view.fontMetrics().height()
        self._margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        self._groups = self._palette_groups()
        self.clear_cache()


def _shown_rows(view: QAbstractItemView, model: RowTableModel) -> tuple[int, int]:
    """Return the first and last row the view's viewport can show now."""
    first = view.indexAt(QPoint(0, 0)).row()
    last = view.indexAt(QPoint(0, view.viewport().height() - 1)).row()
    return max(first, 0), model.rowCount() - 1 if last < 0 else last
