"""RowTableModel.flush repaints only the cells whose text or color changed; cell() reads the same cache."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from gui.models.columns import GAIN, LOSS, RIGHT, Column, sign_color
from gui.models.table_model import RowTableModel

D = Decimal
COLUMNS = ["symbol", "bid", "ask", "last", "change", "volume"]
SYMBOL, BID, ASK, LAST, CHANGE, VOLUME = range(len(COLUMNS))
Shown = tuple[QTableView, RowTableModel]


def quote_row(symbol: str, bid: str = "10.00", ask: str = "10.02", last: str = "10.01", change: str = "0.05",
              volume: str = "100") -> dict[str, Any]:
    return {"symbol": symbol, "bid": D(bid), "ask": D(ask), "last": D(last), "change": D(change), "volume": D(volume)}


def make_model() -> RowTableModel:
    def text(key: str) -> Any:
        return lambda row: row[key] if key == "symbol" else f"{row[key]:,}"

    columns = [Column(key, key.title(), text(key), RIGHT) for key in COLUMNS]
    columns[CHANGE] = Column("change", "Chg", text("change"), RIGHT, color=lambda row: sign_color(row["change"]))
    return RowTableModel(columns)


class Repaints:
    """The (top, bottom, left, right) span of every dataChanged a model emits."""

    def __init__(self, model: RowTableModel) -> None:
        self.spans: list[tuple[int, int, int, int]] = []
        model.dataChanged.connect(self._on_data_changed)

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, _roles: object = None) -> None:
        self.spans.append((top_left.row(), bottom_right.row(), top_left.column(), bottom_right.column()))


@pytest.fixture
def shown(qtbot: QtBot) -> Iterator[Shown]:
    """A model of 200 quotes in a shown view that has painted its first screen (so its rows are cached)."""
    host = QWidget()
    qtbot.addWidget(host)
    view = QTableView(host)
    QVBoxLayout(host).addWidget(view)
    model = make_model()
    model.attach_view(view)
    for i in range(200):
        model.upsert(f"S{i:03d}", quote_row(f"S{i:03d}"))
    model.flush()
    host.resize(700, 300)
    host.show()
    qtbot.waitExposed(host)
    view.viewport().grab()
    yield view, model


def test_a_tick_that_moves_only_the_last_price_repaints_only_that_column(shown: Shown) -> None:
    _, model = shown
    repaints = Repaints(model)
    model.upsert("S002", quote_row("S002", last="10.02"))
    model.flush()

    assert repaints.spans == [(2, 2, LAST, LAST)]
    assert model.data(model.index(2, LAST)) == "10.02"


def test_ticks_on_several_rows_repaint_one_box_around_the_changed_cells(shown: Shown) -> None:
    _, model = shown
    repaints = Repaints(model)
    model.upsert("S001", quote_row("S001", bid="9.99"))
    model.upsert("S004", quote_row("S004", last="10.03"))
    model.upsert("S003", quote_row("S003"))  # same values: changes nothing
    model.flush()

    assert repaints.spans == [(1, 4, BID, LAST)]


def test_a_dirty_row_whose_texts_did_not_change_repaints_nothing(shown: Shown) -> None:
    _, model = shown
    repaints = Repaints(model)
    model.upsert("S000", quote_row("S000"))  # a new tick repeating the same prices
    model.mark_dirty("S001")
    model.flush()

    assert repaints.spans == []
    assert not model.has_pending


def test_a_color_change_alone_repaints_its_cell(qtbot: QtBot) -> None:
    model = RowTableModel([
        Column("symbol", "Symbol", lambda row: row["symbol"]),
        Column("trend", "Trend", lambda row: "●", color=lambda row: sign_color(row["trend"])),
    ])
    model.upsert("A", {"symbol": "A", "trend": D(1)})
    model.flush()
    assert model.cell(0, 1) == ("●", GAIN)
    repaints = Repaints(model)
    model.upsert("A", {"symbol": "A", "trend": D(-1)})
    model.flush()

    assert repaints.spans == [(0, 0, 1, 1)]
    assert model.cell(0, 1) == ("●", LOSS)
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ForegroundRole) == LOSS


def test_a_shown_row_never_formatted_before_repaints_whole() -> None:
    model = make_model()
    for i in range(5):
        model.upsert(i, quote_row(f"S{i}"))
    model.flush()  # no view: every row counts as shown, none is cached yet
    repaints = Repaints(model)
    model.upsert(3, quote_row("S3", last="11.00"))
    model.flush()

    assert repaints.spans == [(3, 3, 0, len(COLUMNS) - 1)]


def test_dirty_rows_off_screen_repaint_nothing_and_read_fresh_when_scrolled_to(shown: Shown) -> None:
    view, model = shown
    last_shown = view.rowAt(view.viewport().height() - 1)
    assert 0 < last_shown < 150
    repaints = Repaints(model)
    model.upsert("S150", quote_row("S150", ask="12.50"))
    model.flush()

    assert repaints.spans == []
    assert model.cell(150, ASK) == ("12.50", None)
    texts, colors = model.row_cells(150)
    assert list(texts) == ["S150", "10.00", "12.50", "10.01", "0.05", "100"]
    assert colors[CHANGE] == GAIN


def test_cell_formats_on_demand_what_data_answers(shown: Shown) -> None:
    _, model = shown
    model.upsert("S120", quote_row("S120", change="-0.25", volume="12000"))
    model.flush()
    row = model.row_of("S120")
    assert row is not None

    assert model.cell(row, VOLUME) == ("12,000", None)
    assert model.cell(row, CHANGE) == ("-0.25", LOSS)
    assert model.data(model.index(row, CHANGE)) == "-0.25"
    assert model.alignment(CHANGE) == RIGHT
