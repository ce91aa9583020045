"""FillsTableModel: the fills blotter, newest first."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject

from core.domain import AccountId, Fill, TradeId
from gui.models.columns import LEFT, RIGHT, Column
from gui.models.format import DASH, fmt_money, fmt_qty, fmt_time
from gui.models.orders import side_color
from gui.models.table_model import RowTableModel


def _order_id(fill: Fill) -> str:
    order_id = fill.client_order_id or fill.broker_order_id
    return DASH if order_id is None else str(order_id)


FILL_COLUMNS = (
    Column("time", "Time", lambda f: fmt_time(f.ts), LEFT),
    Column("account", "Account", lambda f: str(f.account_id), LEFT),
    Column("symbol", "Symbol", lambda f: f.symbol, LEFT),
    Column("side", "Side", lambda f: f.side.value + (" adj." if f.is_adjustment else ""), LEFT,
           lambda f: side_color(f.side)),
    Column("quantity", "Qty", lambda f: fmt_qty(f.quantity.value), RIGHT),
    Column("price", "Price", lambda f: fmt_money(f.price.value), RIGHT),
    Column("commission", "Commission", lambda f: fmt_money(f.commission.amount), RIGHT),
    Column("order_id", "Order id", _order_id, LEFT),
)


class FillsTableModel(RowTableModel):
    """Fill rows keyed by (account_id, trade_id), newest first (RawRole: the Fill).

    Prices show the decimals the broker reported (at least two); a repeated trade id replaces
    its row rather than adding one.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            FILL_COLUMNS,
            sort_key=lambda f: (f.ts, str(f.trade_id)),
            descending=True,
            parent=parent,
        )

    def add_fill(self, fill: Fill) -> None:
        """Show fill (once per account and trade id)."""
        self.upsert((fill.account_id, fill.trade_id), fill)

    def show_fills(self, fills: Mapping[tuple[AccountId, TradeId], Fill]) -> None:
        """Show a frame's new fills, keyed by (account, trade id) as the frame feed hands them."""
        self.upsert_many(fills.items())
