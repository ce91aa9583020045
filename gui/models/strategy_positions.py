"""StrategyPositionsTableModel: the positions split by strategy — each strategy's own position on each account and
symbol, from its own orders' fills ('manual' for a person's trades), one row per (account, strategy, symbol)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from core.services.risk.strategy_book import StrategyPosition
from gui.models.columns import LEFT, RIGHT, Column, sign_color
from gui.models.format import DASH, fmt_price, fmt_qty, fmt_signed
from gui.models.positions import MONEY_PLACES, fmt_avg_cost
from gui.models.table_model import RowTableModel


def _avg(row: StrategyPosition) -> str:
    return DASH if row.avg_cost is None else fmt_avg_cost(row.avg_cost, row.instrument.price_places)


STRATEGY_POSITION_COLUMNS = (
    Column("account", "Account", lambda r: str(r.account_id), LEFT),
    Column("symbol", "Symbol", lambda r: r.instrument.symbol, LEFT),
    Column("strategy", "Strategy", lambda r: str(r.strategy_id), LEFT),
    Column("quantity", "Qty", lambda r: fmt_qty(r.quantity), RIGHT),
    Column("avg_cost", "Avg cost", _avg, RIGHT),
    Column("last", "Last", lambda r: fmt_price(r.last_price, r.instrument.price_places), RIGHT),
    Column("unrealized", "Unrealized", lambda r: fmt_signed(r.unrealized_pnl, MONEY_PLACES), RIGHT,
           lambda r: sign_color(r.unrealized_pnl)),
    Column("realized", "Realized", lambda r: fmt_signed(r.realized_pnl, MONEY_PLACES), RIGHT,
           lambda r: sign_color(r.realized_pnl)),
    Column("daily_pnl", "Daily P&L", lambda r: fmt_signed(r.daily_pnl, MONEY_PLACES), RIGHT,
           lambda r: sign_color(r.daily_pnl)),
    Column("currency", "Currency", lambda r: r.instrument.currency, LEFT),
)


class StrategyPositionsTableModel(RowTableModel):
    """Rows keyed by (account, strategy, symbol), sorted by account, symbol, then strategy ('manual' first).

    A position that went flat without realized P&L leaves at the next flush.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(STRATEGY_POSITION_COLUMNS,
                         sort_key=lambda r: (str(r.account_id), r.instrument.symbol, r.strategy_id != "manual",
                                             str(r.strategy_id)),
                         accepts=lambda r: bool(r.quantity) or bool(r.realized_pnl),
                         parent=parent)

    def show_rows(self, rows: list[StrategyPosition]) -> None:
        """Stage the strategies' positions as they are now (painted at the next flush)."""
        self.upsert_many((row.key, row) for row in rows)
