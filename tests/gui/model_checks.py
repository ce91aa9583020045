"""Shared checks for the table-model tests: read a cell as the view would, log model signals, run the model testers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QtMsgType
from PySide6.QtTest import QAbstractItemModelTester

from core.domain import AccountId, Position, Quote
from gui.models.table_model import RowTableModel
from tests.factories import make_instrument

D = Decimal
OTHER = AccountId("PAPER-2")
FOREGROUND = Qt.ItemDataRole.ForegroundRole


def column_of(model: RowTableModel, key: str) -> int:
    return [column.key for column in model.columns].index(key)


def cell(model: RowTableModel, key: Any, column: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> Any:
    row = model.row_of(key)
    assert row is not None, f"{key!r} is not shown"
    return model.data(model.index(row, column_of(model, column)), role)


def texts(model: RowTableModel, key: Any) -> dict[str, str]:
    return {column.key: cell(model, key, column.key) for column in model.columns}


class SignalLog:
    """Records the spans of dataChanged and the structural signals of a model."""

    def __init__(self, model: RowTableModel) -> None:
        self.changed: list[tuple[int, int, int, int]] = []
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        model.dataChanged.connect(self._on_changed)
        model.rowsInserted.connect(lambda _parent, first, last: self.inserted.append((first, last)))
        model.rowsRemoved.connect(lambda _parent, first, last: self.removed.append((first, last)))

    def _on_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, _roles: object = None) -> None:
        self.changed.append((top_left.row(), bottom_right.row(), top_left.column(), bottom_right.column()))


@pytest.fixture
def checked(qtmodeltester, qtlog) -> Iterator[Any]:
    """Attach pytest-qt's Python model tester and Qt's C++ one; fail on any warning the latter logs."""
    testers: list[QAbstractItemModelTester] = []

    def check(model: RowTableModel) -> RowTableModel:
        qtmodeltester.check(model, force_py=True)
        testers.append(QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning))
        return model

    yield check
    warnings = [r.message for r in qtlog.records if r.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg)]
    assert not warnings


def quote(symbol: str, **fields: str | None) -> Quote:
    return Quote(symbol=symbol, **{name: None if value is None else D(value) for name, value in fields.items()})


def position(symbol: str = "AAPL", account: AccountId | None = None, tick: str = "0.01") -> Position:
    return Position(account_id=account or AccountId("PAPER-1"), instrument=make_instrument(symbol, tick_size=tick))
