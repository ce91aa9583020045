"""Positions by (symbol, product): what Flatten closes and reconciliation compares where a broker keeps products apart.

Kite keeps a CNC and an MIS position of INFY apart: each is closed with its own product, and each is compared
with the broker's on its own. Brokers without products have one position per symbol (product None), as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from core.domain import AccountId, Position
from core.domain.product import Product
from core.ports.broker import BrokerPosition

PositionKey = tuple[str, Product | None]
"""A position's identity in an account: its symbol and its product (None: a broker without products)."""

ZERO = Decimal(0)


class ProductBook(Protocol):
    """What the portfolio answers for an account's positions per product (Portfolio implements it)."""

    def positions(self, account_id: AccountId | None = None) -> list[Position]: ...

    def products(self, account_id: AccountId, symbol: str) -> list[Position]: ...

    def position(self, account_id: AccountId, symbol: str) -> Position | None: ...


def key_text(key: PositionKey) -> str:
    """Return how the trader reads a position's identity: 'INFY · MIS', or 'AAPL' without a product."""
    symbol, product = key
    return symbol if product is None else f"{symbol} · {product.value}"


def ours_by_product(portfolio: ProductBook, account_id: AccountId) -> dict[PositionKey, Decimal]:
    """Return our non-flat positions by (symbol, product).

    A symbol whose fills had products is held per product; what its fills without one booked (an adjustment,
    an order sent before products were kept) is the rest of the net, under product None.
    """
    held: dict[PositionKey, Decimal] = {}
    for net in portfolio.positions(account_id):
        _split(portfolio, account_id, net, held)
    return held


def ours_of_symbol(portfolio: ProductBook, account_id: AccountId, symbol: str) -> dict[PositionKey, Decimal]:
    """Return our non-flat positions in symbol by (symbol, product), as ours_by_product does for every symbol."""
    held: dict[PositionKey, Decimal] = {}
    net = portfolio.position(account_id, symbol)
    if net is not None:
        _split(portfolio, account_id, net, held)
    return held


def _split(portfolio: ProductBook, account_id: AccountId, net: Position, held: dict[PositionKey, Decimal]) -> None:
    rest = net.quantity
    for split in portfolio.products(account_id, net.symbol):
        if split.product is not None and split.quantity != 0:
            held[(net.symbol, split.product)] = split.quantity
            rest -= split.quantity
    if rest != 0:
        held[(net.symbol, None)] = rest


def theirs_by_product(positions: Sequence[BrokerPosition]) -> dict[PositionKey, Decimal]:
    """Return the broker's non-flat positions by (symbol, product), summing any it lists twice."""
    held: dict[PositionKey, Decimal] = {}
    for position in positions:
        key = (position.symbol, position.product)
        held[key] = held.get(key, ZERO) + position.quantity
    return {key: qty for key, qty in held.items() if qty != 0}


def comparable(ours: Mapping[PositionKey, Decimal],
               theirs: Mapping[PositionKey, Decimal]) -> tuple[dict[PositionKey, Decimal], dict[PositionKey, Decimal]]:
    """Return both sides keyed alike: per product where both know every product of a symbol, else per symbol.

    A symbol with a position of unknown product on either side (a broker without products, an order of before)
    is compared as its net, so no difference is reported that is only one of bookkeeping.
    """
    mixed = {symbol for symbol, product in (*ours, *theirs) if product is None}
    return _collapse(ours, mixed), _collapse(theirs, mixed)


def _collapse(held: Mapping[PositionKey, Decimal], symbols: Iterable[str]) -> dict[PositionKey, Decimal]:
    netted = set(symbols)
    out: dict[PositionKey, Decimal] = {}
    for (symbol, product), qty in held.items():
        key = (symbol, None) if symbol in netted else (symbol, product)
        out[key] = out.get(key, ZERO) + qty
    return {key: qty for key, qty in out.items() if qty != 0}


def ordered(keys: Iterable[PositionKey]) -> list[PositionKey]:
    """Return keys by symbol, then product (no product first)."""
    return sorted(keys, key=lambda key: (key[0], "" if key[1] is None else key[1].value))
