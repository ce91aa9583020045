"""PositionsTableModel: the positions and P&L grid, one row per (account, symbol), or per product where the broker
keeps products apart (Kite: "INFY · CNC" and "INFY · MIS" are two rows, each closed with its own product)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from PySide6.QtCore import QObject

from core.domain import AccountId, Position
from core.domain.product import Product
from gui.models.columns import LEFT, RIGHT, Column, sign_color
from gui.models.format import DASH, fmt_price, fmt_qty, fmt_signed
from gui.models.table_model import RowTableModel

MONEY_PLACES = 2
AVG_EXTRA_PLACES = 1
"""Average cost shows one decimal more than the instrument's tick: 187.235 for a 0.01 tick, whatever the fills."""


def _avg_cost(position: Position) -> str:
    if not position.quantity:
        return DASH
    return fmt_avg_cost(position.avg_cost, position.instrument.price_places)


def fmt_avg_cost(value: Decimal | None, price_places: int) -> str:
    """Format an average cost on the instrument's tick places plus one, the same however the fills summed it."""
    return fmt_price(value, price_places + AVG_EXTRA_PLACES)


def _last(position: Position) -> str:
    return fmt_price(position.last_price, position.instrument.price_places)


def _signed(value: Decimal | None) -> str:
    return fmt_signed(value, MONEY_PLACES)


POSITION_COLUMNS = (
    Column("account", "Account", lambda p: str(p.account_id), LEFT),
    Column("symbol", "Symbol", lambda p: p.symbol if p.product is None else f"{p.symbol} · {p.product.value}", LEFT),
    Column("quantity", "Qty", lambda p: fmt_qty(p.quantity), RIGHT),
    Column("avg_cost", "Avg cost", _avg_cost, RIGHT),
    Column("last", "Last", _last, RIGHT),
    Column("market_value", "Mkt value", lambda p: fmt_price(p.market_value, MONEY_PLACES), RIGHT),
    Column("unrealized", "Unrealized", lambda p: _signed(p.unrealized_pnl), RIGHT,
           lambda p: sign_color(p.unrealized_pnl)),
    Column("realized", "Realized", lambda p: _signed(p.realized_pnl), RIGHT, lambda p: sign_color(p.realized_pnl)),
    Column("daily_pnl", "Daily P&L", lambda p: _signed(p.daily_pnl), RIGHT, lambda p: sign_color(p.daily_pnl)),
    Column("currency", "Currency", lambda p: p.currency, LEFT),
)


def _is_shown(position: Position) -> bool:
    return bool(position.quantity) or bool(position.realized_pnl)


PositionKey = tuple[AccountId, str] | tuple[AccountId, str, Product]
"""(account, symbol) of a net position; (account, symbol, product) of a position Kite keeps per product."""


def row_key(position: Position) -> PositionKey:
    """Return a position's row key: (account, symbol), or (account, symbol, product) for a product's position."""
    account, symbol, product = position.account_id, position.instrument.symbol, position.product
    return (account, symbol) if product is None else (account, symbol, product)


Split = Callable[[AccountId, str], bool]
"""(account, symbol) -> True when the account holds the symbol per product (its rows are the products')."""


class PositionsTableModel(RowTableModel):
    """Position rows keyed by (account_id, symbol), a product's by (account_id, symbol, product), sorted by account,
    symbol and product (RawRole: the Position).

    With `hide_flat`, a flat position with no realized P&L leaves the grid at the next flush. With `split`, a
    symbol held per product shows its products' rows, not its net row.
    """

    def __init__(self, *, hide_flat: bool = False, split: Split | None = None, parent: QObject | None = None) -> None:
        protection: list[Callable[[AccountId, str], str]] = [lambda account, symbol: ""]  # set_protection's

        def protection_cell(p: Position) -> str:
            return protection[0](p.account_id, p.symbol)

        super().__init__(
            (*POSITION_COLUMNS, Column("protection", "Protection", protection_cell, LEFT)),
            sort_key=lambda p: (str(p.account_id), p.symbol, "" if p.product is None else p.product.value),
            accepts=_accepts(hide_flat, split),
            parent=parent,
        )
        self._hide_flat = hide_flat
        self._protection = protection

    @property
    def hide_flat(self) -> bool:
        """True when flat positions without realized P&L are hidden."""
        return self._hide_flat

    def set_protection(self, describe: Callable[[AccountId, str], str]) -> None:
        """Say each position's protection (stop-loss/take-profit held for it) with describe(account, symbol)."""
        self._protection[0] = describe

    def update_position(self, position: Position) -> None:
        """Show position's current state (it is read at the next flush, never changed)."""
        self.upsert(row_key(position), position)

    def show_positions(self, positions: Mapping[PositionKey, Position]) -> None:
        """Show a frame's changed positions, keyed as the frame feed hands them (row_key's keys)."""
        self.upsert_many(positions.items())


def _accepts(hide_flat: bool, split: Split | None) -> Callable[[Position], bool] | None:
    """Return the grid's row filter: flat rows hidden if asked; a net row hidden where its products have rows."""
    if split is None:
        return _is_shown if hide_flat else None

    def accepts(position: Position) -> bool:
        if position.product is None and split(position.account_id, position.symbol):
            return False
        return not hide_flat or _is_shown(position)

    return accepts
