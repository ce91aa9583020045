"""FundsTableModel: the account panel's grid, one row per account and currency (segment), then a total per currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import QObject

from core.domain.funds import PNL_BASIS, FundsLine, LineKind
from gui.models.columns import LEFT, RIGHT, Column, sign_color
from gui.models.format import DASH, fmt_price, fmt_signed, fmt_time
from gui.models.table_model import RowTableModel

TOTAL = "Total"


@dataclass(frozen=True, slots=True)
class FundsRow:
    """One line of one account (or, with account TOTAL, the sum of a currency over every account)."""

    order: int
    account: str
    line: FundsLine
    state: str = ""
    reason: str = ""
    as_of: datetime | None = None
    source: str = ""
    """Whose figures: "broker" (as the broker reports them) or "computed" (paper's margin model, the books)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, self.line.label)


def _money(value: Decimal | None) -> str:
    return fmt_price(value, 2)


def _pnl(value: Decimal | None) -> str:
    return fmt_signed(value, 2)


def _utilisation(row: FundsRow) -> str:
    value = row.line.utilisation
    return DASH if value is None else f"{fmt_price(value, 1)}%"


def _currency(row: FundsRow) -> str:
    return row.line.label + (" (in base)" if row.line.kind is LineKind.BALANCE else "")


FUNDS_COLUMNS = (
    Column("account", "Account", lambda r: r.account, LEFT),
    Column("currency", "Currency", _currency, LEFT),
    Column("state", "State", lambda r: r.state, LEFT),
    Column("reason", "Why", lambda r: r.reason, LEFT),
    Column("cash", "Cash", lambda r: _money(r.line.cash), RIGHT),
    Column("equity", "Equity (net liq.)", lambda r: _money(r.line.equity), RIGHT),
    Column("buying_power", "Buying power", lambda r: _money(r.line.buying_power), RIGHT),
    Column("margin_used", "Margin used", lambda r: _money(r.line.margin_used), RIGHT),
    Column("margin_available", "Margin available", lambda r: _money(r.line.margin_available), RIGHT),
    Column("utilisation", "Margin use", _utilisation, RIGHT),
    Column("unrealized", "Unrealized", lambda r: _pnl(r.line.unrealized_pnl), RIGHT,
           lambda r: sign_color(r.line.unrealized_pnl)),
    Column("realized", "Realized", lambda r: _pnl(r.line.realized_pnl), RIGHT,
           lambda r: sign_color(r.line.realized_pnl)),
    Column("day_pnl", f"Day P&L ({PNL_BASIS})", lambda r: _pnl(r.line.day_pnl), RIGHT,
           lambda r: sign_color(r.line.day_pnl)),
    Column("broker_day_pnl", "Broker's day P&L", lambda r: _pnl(r.line.broker_day_pnl), RIGHT,
           lambda r: sign_color(r.line.broker_day_pnl)),
    Column("source", "Figures", lambda r: r.source, LEFT),
    Column("as_of", "As of", lambda r: fmt_time(r.as_of) if r.as_of is not None else "", RIGHT),
)


class FundsTableModel(RowTableModel):
    """Rows keyed by (account, currency label), accounts in panel order, the per-currency totals last.

    RawRole answers the FundsRow.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(FUNDS_COLUMNS, sort_key=lambda r: (r.order, r.account, r.line.label), parent=parent)
