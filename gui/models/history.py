"""PageTableModel: one page of history (orders, fills, audit entries or commission totals), read-only.

A page is replaced whole when the trader pages or filters; nothing ticks, so the model is a list of
rows and their pre-formatted cells, reset at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from core.domain import Fill
from core.ports.history import CommissionTotal, OrderRow
from core.ports.journal import AuditEntry
from gui.models.columns import LEFT, RIGHT, Column
from gui.models.format import DASH, fmt_money, fmt_qty
from gui.models.orders import side_color
from gui.models.table_model import RawRole


def fmt_stamp(ts: datetime | None) -> str:
    """Format a past moment as local 'YYYY-MM-DD HH:MM:SS' (history spans days)."""
    return DASH if ts is None else ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _opt_text(value: str | None) -> str:
    return value or DASH


ORDER_COLUMNS = (
    Column("created", "Created", lambda r: fmt_stamp(r.created_at)),
    Column("updated", "Last change", lambda r: fmt_stamp(r.updated_at)),
    Column("account", "Account", lambda r: r.account_id),
    Column("symbol", "Symbol", lambda r: r.symbol),
    Column("side", "Side", lambda r: r.side.value, LEFT, lambda r: side_color(r.side)),
    Column("quantity", "Qty", lambda r: fmt_qty(r.quantity), RIGHT),
    Column("type", "Type", lambda r: r.order_type),
    Column("limit", "Limit", lambda r: fmt_money(r.limit_price), RIGHT),
    Column("stop", "Stop", lambda r: fmt_money(r.stop_price), RIGHT),
    Column("status", "Status", lambda r: r.status_label),
    Column("filled", "Filled", lambda r: fmt_qty(r.filled_qty), RIGHT),
    Column("avg", "Avg price", lambda r: fmt_money(r.avg_fill_price), RIGHT),
    Column("fills", "Fills", lambda r: str(r.fill_count), RIGHT),
    Column("origin", "Origin", lambda r: r.origin_label),
    Column("reason", "Reason", lambda r: r.reason or DASH),
    Column("order_id", "Order id", lambda r: r.client_order_id),
    Column("broker_id", "Broker id", lambda r: _opt_text(r.broker_order_id)),
)
"""The orders tab (rows: OrderRow)."""

FILL_COLUMNS = (
    Column("time", "Time", lambda f: fmt_stamp(f.ts)),
    Column("account", "Account", lambda f: str(f.account_id)),
    Column("symbol", "Symbol", lambda f: f.symbol),
    Column("side", "Side", lambda f: f.side.value, LEFT, lambda f: side_color(f.side)),
    Column("quantity", "Qty", lambda f: fmt_qty(f.quantity.value), RIGHT),
    Column("price", "Price", lambda f: fmt_money(f.price.value), RIGHT),
    Column("commission", "Commission", lambda f: fmt_money(f.commission.amount), RIGHT),
    Column("currency", "Ccy", lambda f: f.commission.currency),
    Column("trade_id", "Trade id", lambda f: str(f.trade_id)),
    Column("order_id", "Order id", lambda f: _opt_text(f.client_order_id)),
)
"""The fills tab (rows: Fill)."""

COMMISSION_COLUMNS = (
    Column("day", "Day", lambda t: t.day.isoformat()),
    Column("account", "Account", lambda t: t.account_id),
    Column("fills", "Fills", lambda t: str(t.fills), RIGHT),
    Column("total", "Commission", lambda t: fmt_money(t.total), RIGHT),
    Column("currency", "Ccy", lambda t: t.currency),
)
"""Commission totals per day and account (rows: CommissionTotal)."""

AUDIT_COLUMNS = (
    Column("time", "Time", lambda e: fmt_stamp(e.ts)),
    Column("actor", "Who", lambda e: e.actor),
    Column("action", "Action", lambda e: e.action),
    Column("detail", "Detail", lambda e: e.detail),
)
"""The audit tab (rows: AuditEntry)."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_AnyIndex = QModelIndex | QPersistentModelIndex
HistoryRow = OrderRow | Fill | AuditEntry | CommissionTotal


class PageTableModel(QAbstractTableModel):
    """The rows of one page and their cells (formatted once per page); RawRole answers the row itself."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[Any] = []
        self._cells: list[list[str]] = []

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        """Show rows in place of the page before."""
        self.beginResetModel()
        self._rows = list(rows)
        self._cells = [[c.formatter(row) for c in self.columns] for row in self._rows]
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def cell(self, row: int, key: str) -> str:
        """Return the text shown in row, column key."""
        return self._cells[row][[c.key for c in self.columns].index(key)]

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: _AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        column = self.columns[index.column()]
        if role == _DISPLAY:
            return self._cells[index.row()][index.column()]
        if role == _ALIGN:
            return int(column.alignment)
        if role == _FOREGROUND and column.color is not None:
            return column.color(self._rows[index.row()])
        if role == RawRole:
            return self._rows[index.row()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation is Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].header
        return None
