"""CellDelegate: the grids keep their look (selection, P&L colors, alignment, elision) while painting from the cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect
from PySide6.QtGui import QColor, QImage, QPalette, QRegion
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QTableView, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from gui.models.columns import GAIN, LOSS, RIGHT, Column, sign_color
from gui.models.table_model import RowTableModel
from gui.theme import Theme, apply_theme, theme_palette
from gui.widgets.cell_delegate import CellDelegate
from gui.widgets.grid_view import make_grid_view, widest_fit

D = Decimal
LONG_NAME = "CONTINENTAL-WIDGETS-PREFERRED-SERIES-B"
ROWS = [("AAPL", "1250.00", "long"), ("MSFT", "-830.50", "short"), ("TSLA", "0.00", ""), ("IBM", "12.25", ""),
        (LONG_NAME, "-4.00", "")]
SYMBOL, PNL, NOTE = 0, 1, 2
Grid = tuple[QWidget, QTableView, RowTableModel]


def pnl_text(row: dict[str, Any]) -> str:
    value: Decimal = row["pnl"]
    return f"{value:+,.2f}" if value else "0.00"


def make_model() -> RowTableModel:
    model = RowTableModel([
        Column("symbol", "Symbol", lambda row: row["symbol"]),
        Column("pnl", "Unrealized", pnl_text, RIGHT, color=lambda row: sign_color(row["pnl"])),
        Column("note", "Note", lambda row: row["note"]),
    ])
    for symbol, pnl, note in ROWS:
        model.upsert(symbol, {"symbol": symbol, "pnl": D(pnl), "note": note})
    return model


@pytest.fixture
def light(qapp: QApplication) -> Iterator[QApplication]:
    """The application in the light theme (Fusion + palette) for the test, restored afterwards."""
    palette, style = qapp.palette(), qapp.style().name()
    apply_theme(qapp, Theme.LIGHT, [])
    yield qapp
    # Only what changed: each call re-polishes every widget the test process still holds.
    if qapp.style().name() != style:
        qapp.setStyle(style)
    if qapp.palette() != palette:
        qapp.setPalette(palette)


def show_grid(qtbot: QtBot, view_factory: Callable[[RowTableModel, QWidget], QTableView]) -> Grid:
    host = QWidget()
    qtbot.addWidget(host)
    model = make_model()
    view = view_factory(model, host)
    QVBoxLayout(host).addWidget(view)
    model.flush()
    host.resize(700, 260)
    host.show()
    qtbot.waitExposed(host)
    return host, view, model


@pytest.fixture
def grid(qtbot: QtBot, light: QApplication) -> Grid:
    """A shown grid made by make_grid_view, its columns already fitted to the rows."""
    host, view, model = show_grid(qtbot, lambda model, host: make_grid_view(model, "testGrid", host))
    header = view.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(SYMBOL) >= widest_fit(view))
    return host, view, model


def render(view: QTableView) -> QImage:
    QApplication.processEvents()
    return view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def cell_rect(view: QTableView, row: int, column: int) -> QRect:
    model = view.model()
    return view.visualRect(model.index(row, column))


def colors_in(image: QImage, rect: QRect) -> list[QColor]:
    rect = rect.intersected(image.rect())
    return [image.pixelColor(x, y) for y in range(rect.top(), rect.bottom() + 1)
            for x in range(rect.left(), rect.right() + 1)]


def rgbs_in(image: QImage, rect: QRect) -> set[int]:
    return {color.rgb() for color in colors_in(image, rect)}


def near(color: QColor, target: QColor, tolerance: int = 40) -> bool:
    pairs = ((color.red(), target.red()), (color.green(), target.green()), (color.blue(), target.blue()))
    return all(abs(a - b) <= tolerance for a, b in pairs)


def differing_pixels(first: QImage, second: QImage) -> int:
    assert first.size() == second.size()
    return sum(1 for y in range(first.height()) for x in range(first.width())
               if first.pixel(x, y) != second.pixel(x, y))


def as_qt_draws_it(view: QTableView) -> QImage:
    """Render view with Qt's own QStyledItemDelegate, then put the CellDelegate back."""
    own = view.itemDelegate()
    view.setItemDelegate(QStyledItemDelegate(view))
    try:
        return render(view)
    finally:
        view.setItemDelegate(own)


# --- what a trader sees -------------------------------------------------------------------------


def test_every_grid_made_by_make_grid_view_paints_with_the_cell_delegate(grid: Grid) -> None:
    _, view, _ = grid
    assert isinstance(view.itemDelegate(), CellDelegate)


def test_the_selected_row_is_filled_with_the_highlight_and_its_text_turns_highlighted_text(grid: Grid) -> None:
    _, view, _ = grid
    view.selectRow(1)
    image = render(view)
    palette = view.palette()
    highlight = palette.color(QPalette.ColorRole.Highlight)
    highlighted_text = palette.color(QPalette.ColorRole.HighlightedText)

    selected = colors_in(image, cell_rect(view, 1, NOTE))  # not the current cell: no focus frame over it
    assert sum(color == highlight for color in selected) > len(selected) // 2
    assert any(near(color, highlighted_text, 24) for color in selected), "the note is drawn in highlighted text"
    loss_cell = colors_in(image, cell_rect(view, 1, PNL))
    assert not any(near(color, LOSS) for color in loss_cell), "a selected loss reads in highlighted text"
    assert not any(color == highlight for color in colors_in(image, cell_rect(view, 0, SYMBOL)))


def test_a_gain_is_drawn_green_and_a_loss_red_and_a_flat_value_in_the_text_color(grid: Grid) -> None:
    _, view, _ = grid
    image = render(view)
    gain, loss, flat = (colors_in(image, cell_rect(view, row, PNL)) for row in (0, 1, 2))

    assert any(color == GAIN for color in gain) and not any(near(color, LOSS) for color in gain)
    assert any(color == LOSS for color in loss) and not any(near(color, GAIN) for color in loss)
    text = view.palette().color(QPalette.ColorRole.Text)
    assert any(color == text for color in flat)
    assert not any(near(color, GAIN) or near(color, LOSS) for color in flat)


def test_alternating_row_colors_still_show_behind_the_cells(grid: Grid) -> None:
    _, view, _ = grid
    image = render(view)
    palette = view.palette()
    empty = [cell_rect(view, row, NOTE) for row in (2, 3)]  # rows without a note: background only
    assert rgbs_in(image, empty[0]) == {palette.color(QPalette.ColorRole.Base).rgb()}
    assert rgbs_in(image, empty[1]) == {palette.color(QPalette.ColorRole.AlternateBase).rgb()}


def test_numbers_sit_right_and_symbols_left_with_the_same_padding_as_before(grid: Grid) -> None:
    _, view, _ = grid
    image = render(view)
    background = rgbs_in(image, cell_rect(view, 3, NOTE))  # row 3 has no note (and is not the current row)
    assert len(background) == 1
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1

    def ink_columns(rect: QRect) -> list[int]:
        return [x for x in range(rect.left(), rect.right() + 1)
                if rgbs_in(image, QRect(x, rect.top(), 1, rect.height())) - background]

    symbol, pnl = cell_rect(view, 3, SYMBOL), cell_rect(view, 3, PNL)
    assert 0 <= ink_columns(symbol)[0] - (symbol.left() + margin) <= 1
    assert 0 <= (pnl.right() - margin) - ink_columns(pnl)[-1] <= 1


def test_auto_fit_sizes_a_column_to_its_longest_text_up_to_a_limit(grid: Grid) -> None:
    """The longest text, up to widest_fit: a 38-character name does not push the other columns out of view."""
    _, view, _ = grid
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    needed = view.fontMetrics().horizontalAdvance(LONG_NAME) + 2 * margin
    assert needed > widest_fit(view)
    assert view.horizontalHeader().sectionSize(SYMBOL) == widest_fit(view)
    pnl = view.fontMetrics().horizontalAdvance("-830.50") + 2 * margin
    assert pnl <= view.horizontalHeader().sectionSize(PNL) < widest_fit(view), "a short column stays short"


def test_a_too_narrow_column_shows_the_text_elided_with_an_ellipsis_and_draws_nothing_past_the_cell(
    grid: Grid,
) -> None:
    _, view, model = grid
    header = view.horizontalHeader()
    header.resizeSection(SYMBOL, 60)
    row = model.row_of(LONG_NAME)
    assert row is not None
    full = render(view)
    rect = cell_rect(view, row, SYMBOL)
    beyond = rgbs_in(full, cell_rect(view, row, NOTE))

    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    elided = view.fontMetrics().elidedText(LONG_NAME, view.textElideMode(), rect.width() - 2 * margin)
    assert elided.startswith("CO") and "…" in elided and elided.endswith("B"), "elided in its middle"
    model.upsert(LONG_NAME, {"symbol": elided, "pnl": D("-4.00"), "note": ""})
    model.flush()
    shown_elided = render(view)

    assert full.copy(rect) == shown_elided.copy(rect), "the cell shows exactly the elided text"
    assert len(beyond) == 1, "no ink spills into the next cell"


def painted_cell_by_cell(view: QTableView, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the cells the view's CellDelegate is asked to paint one by one (QTableView's own way)."""
    calls: list[int] = []
    delegate = view.itemDelegate()
    per_cell = delegate.paint
    monkeypatch.setattr(delegate, "paint", lambda *args: (calls.append(1), per_cell(*args)))
    return calls


@pytest.mark.parametrize("situation", ["selected row", "current cell with focus", "disabled grid", "narrow columns",
                                       "dark theme", "selected cells", "current cell in a selected row",
                                       "hidden column", "moved column", "scrolled by pixels"])
def test_the_grid_looks_exactly_as_qt_draws_it(
    qtbot: QtBot, grid: Grid, situation: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, view, model = grid
    view.selectRow(1)
    if situation in ("current cell with focus", "current cell in a selected row"):
        host.activateWindow()
        view.setFocus()
        qtbot.waitUntil(view.hasFocus)
        view.setCurrentIndex(view.model().index(3 if situation == "current cell with focus" else 1, PNL))
        if situation == "current cell in a selected row":
            view.selectRow(1)
    elif situation == "selected cells":
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        view.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        view.selectionModel().select(model.index(2, PNL), QItemSelectionModel.SelectionFlag.Select)
        view.selectionModel().select(model.index(3, NOTE), QItemSelectionModel.SelectionFlag.Select)
    elif situation == "hidden column":
        view.setColumnHidden(PNL, True)
    elif situation == "moved column":
        view.horizontalHeader().moveSection(NOTE, SYMBOL)
    elif situation == "scrolled by pixels":
        for row in range(40):
            model.upsert(f"R{row:02d}", {"symbol": f"R{row:02d}", "pnl": D(row - 20), "note": "x" * (row % 7)})
        model.flush()
        view.setVerticalScrollMode(QTableView.ScrollMode.ScrollPerPixel)
        view.setHorizontalScrollMode(QTableView.ScrollMode.ScrollPerPixel)
        view.horizontalHeader().resizeSection(SYMBOL, 500)
        view.verticalScrollBar().setValue(view.rowHeight(0) * 7 + 5)  # the top row shows in part
        view.horizontalScrollBar().setValue(37)  # so does the first column
    elif situation == "disabled grid":
        view.setEnabled(False)
    elif situation == "narrow columns":
        for column in (SYMBOL, PNL):
            view.horizontalHeader().resizeSection(column, 44)
    elif situation == "dark theme":
        apply_theme(QApplication.instance(), Theme.DARK, [])  # type: ignore[arg-type]
    per_cell = painted_cell_by_cell(view, monkeypatch)
    mine = render(view)
    assert not per_cell, "make_grid_view's grid paints its cells in one pass"
    assert differing_pixels(mine, as_qt_draws_it(view)) == 0


def test_a_repaint_of_a_few_cells_draws_them_as_qt_does_and_leaves_the_rest(grid: Grid) -> None:
    _, view, model = grid
    view.selectRow(0)
    render(view)
    model.upsert("IBM", {"symbol": "IBM", "pnl": D("-99.75"), "note": "cut"})
    model.flush()  # repaints only the changed cells of the IBM row
    row = model.row_of("IBM")
    assert row is not None
    changed = cell_rect(view, row, PNL).united(cell_rect(view, row, NOTE))
    region = QRegion(changed)
    mine = QImage(view.viewport().size(), QImage.Format.Format_RGB32)
    mine.fill(0)
    view.viewport().render(mine, changed.topLeft(), region)  # at the cells' own place
    theirs = QImage(mine)
    theirs.fill(0)
    own = view.itemDelegate()
    view.setItemDelegate(QStyledItemDelegate(view))
    try:
        view.viewport().render(theirs, changed.topLeft(), region)
    finally:
        view.setItemDelegate(own)
    assert differing_pixels(mine, theirs) == 0
    assert any(near(color, LOSS) for color in colors_in(mine, cell_rect(view, row, PNL)))
    assert rgbs_in(mine, cell_rect(view, row, SYMBOL)) == {QColor(0, 0, 0).rgb()}, "cells outside the region stay"


def test_a_theme_switch_recolors_the_selection(grid: Grid) -> None:
    _, view, _ = grid
    view.selectRow(0)
    render(view)
    apply_theme(QApplication.instance(), Theme.DARK, [])  # type: ignore[arg-type]
    dark = theme_palette(Theme.DARK).color(QPalette.ColorRole.Highlight)
    selected = colors_in(render(view), cell_rect(view, 0, NOTE))
    assert sum(color == dark for color in selected) > len(selected) // 2


def test_a_plain_table_view_with_the_delegate_also_looks_as_qt_draws_it(qtbot: QtBot, light: QApplication) -> None:
    def plain(model: RowTableModel, host: QWidget) -> QTableView:
        view = QTableView(host)
        view.setModel(model)
        view.setAlternatingRowColors(True)
        view.setItemDelegate(CellDelegate(view))
        return view

    host, view, _ = show_grid(qtbot, plain)
    view.resizeColumnsToContents()
    view.selectRow(2)
    assert differing_pixels(render(view), as_qt_draws_it(view)) == 0
    assert host.isVisible()
