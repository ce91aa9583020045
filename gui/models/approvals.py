"""ApprovalsTableModel: strategy orders awaiting approval, as the approval queue computes them each refresh."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from core.services.approval_row import ApprovalRow
from gui.models.columns import GAIN, LEFT, LOSS, RIGHT, Column
from gui.models.format import fmt_percent, fmt_price, fmt_qty, fmt_time, shown
from gui.models.orders import side_color
from gui.models.table_model import RowTableModel


def _price(row: ApprovalRow, value: Decimal | None) -> str:
    return fmt_price(value, row.price_places)


def _order_price(row: ApprovalRow) -> str:
    if row.trail:
        return f"trail {row.trail}"
    return "MKT" if row.price is None else _price(row, row.price)


def _verdict(row: ApprovalRow) -> str:
    return "OK" if row.verdict is None else row.verdict


def _verdict_color(row: ApprovalRow) -> QColor:
    return GAIN if row.verdict is None else LOSS


def _drift_color(row: ApprovalRow) -> QColor | None:
    drift = shown(row.drift_pct)  # colored as the cell reads: "0.00%" is not a drift
    if drift is None or not drift:
        return None
    return LOSS if drift > 0 else GAIN  # positive drift: the market moved against the order


def _strategy(row: ApprovalRow) -> str:
    return f"{row.strategy_id} (AUTO)" if row.auto_approve else str(row.strategy_id)


APPROVAL_COLUMNS = (
    Column("left", "Left", lambda r: f"{r.seconds_left:.0f} s", RIGHT,
           lambda r: LOSS if r.seconds_left <= 10 else None),
    Column("strategy", "Strategy", _strategy, LEFT),
    Column("account", "Account", lambda r: str(r.account_id), LEFT),
    Column("symbol", "Symbol", lambda r: r.symbol, LEFT),
    Column("side", "Side", lambda r: r.side.value, LEFT, lambda r: side_color(r.side)),
    Column("quantity", "Qty", lambda r: fmt_qty(r.quantity), RIGHT),
    Column("type", "Type", lambda r: r.order_type.value, LEFT),
    Column("product", "Product", lambda r: r.product, LEFT),
    Column("price", "Price", _order_price, RIGHT),
    Column("tif", "TIF", lambda r: r.tif, LEFT),
    Column("signal", "Signal", lambda r: fmt_time(r.signal_time), LEFT),
    Column("age", "Age", lambda r: f"{r.age_s:.0f} s", RIGHT),
    Column("bid", "Bid", lambda r: _price(r, r.bid), RIGHT),
    Column("ask", "Ask", lambda r: _price(r, r.ask), RIGHT),
    Column("drift", "Drift", lambda r: fmt_percent(r.drift_pct), RIGHT, _drift_color),
    Column("verdict", "Risk now", _verdict, LEFT, _verdict_color),
    Column("market", "Market", lambda r: r.market, LEFT, lambda r: LOSS if r.market_closed else None),
    Column("attempt", "Last attempt", lambda r: r.last_attempt, LEFT),
    Column("link", "Linked", lambda r: r.link, LEFT),
    Column("id", "Id", lambda r: str(r.client_order_id), LEFT),
)


class ApprovalsTableModel(RowTableModel):
    """Rows keyed by client order id, oldest first (RawRole: the ApprovalRow); `show` replaces them all."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(APPROVAL_COLUMNS, parent=parent)
        self._shown: set[str] = set()

    def show(self, rows: Sequence[ApprovalRow]) -> None:
        """Stage these rows as the whole queue (new ones added, gone ones removed); flush() paints them."""
        keys = {str(row.client_order_id) for row in rows}
        for key in self._shown - keys:
            self.remove(key)
        for row in rows:
            self.upsert(str(row.client_order_id), row)
        self._shown = keys
