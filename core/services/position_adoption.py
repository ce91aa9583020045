"""Adopt the broker's positions: the adjustment fills that make ours equal the broker's (accept broker state).

Beside reconciliation: after a mismatch the trader may take the broker's word. Each differing position gets
one adjustment fill (no order): one that opens or grows a position is booked at the broker's average cost;
one that reduces it, at the last price (or our average cost), so no P&L is invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from core.domain import AccountId, Fill, Money, Price, Quantity, Side, TradeId
from core.domain.fill import ADJUSTMENT_PREFIX
from core.domain.product import Product
from core.ports.broker import BrokerPosition
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio
from core.services.product_positions import (
    ZERO,
    comparable,
    key_text,
    ordered,
    ours_by_product,
    theirs_by_product,
)


def adjustment_fills(
    account_id: AccountId,
    positions: Sequence[BrokerPosition],
    portfolio: Portfolio,
    instruments: InstrumentCatalog,
    now: datetime,
) -> tuple[list[Fill], list[str]]:
    """Return the fills that adopt the broker's positions, and what each changes (or why it cannot).

    Keyed as reconciliation compares (product_positions.comparable): per product where both sides know every
    product of a symbol (Kite's INFY · CNC is adjusted in CNC), else the symbol's net with no product. An
    adjustment booked without its product left Kite's CNC row at 5 in the positions grid (and after a restart)
    while the net and the broker said 0.
    """
    ours, theirs = comparable(ours_by_product(portfolio, account_id), theirs_by_product(positions))
    fills: list[Fill] = []
    changes: list[str] = []
    for key in ordered(set(ours) | set(theirs)):
        symbol, product = key
        mine, target = ours.get(key, ZERO), theirs.get(key, ZERO)
        if mine == target:
            continue
        instrument = instruments.find(symbol, account_id)
        if instrument is None:
            changes.append(f"{key_text(key)}: unknown instrument, not adjusted")
            continue
        diff = target - mine
        opening = abs(target) > abs(mine) and (mine == 0 or (mine > 0) == (target > 0))
        broker_cost = _broker_cost(positions, symbol, product)
        if opening and broker_cost is not None and broker_cost > 0:
            price = broker_cost
        else:
            price = _our_price(portfolio, account_id, symbol, product) or broker_cost or ZERO
        suffix = "" if product is None else f"-{product.value}"
        fills.append(Fill(
            trade_id=TradeId(f"{ADJUSTMENT_PREFIX}{account_id}-{now:%Y%m%d%H%M%S%f}-{symbol}{suffix}"),
            client_order_id=None, account_id=account_id, symbol=symbol,
            side=Side.BUY if diff > 0 else Side.SELL, quantity=Quantity(abs(diff)),
            price=Price(price), commission=Money(0, instrument.currency), ts=now, product=product,
        ))
        changes.append(f"{key_text(key)}: {mine.normalize():f} -> {target.normalize():f} at {price}")
    return fills, changes


def _broker_cost(positions: Sequence[BrokerPosition], symbol: str, product: Product | None) -> Decimal | None:
    """The broker's average cost of the key's position (every product's, weighted, for a symbol's net)."""
    held = [p for p in positions if p.symbol == symbol and (product is None or p.product == product)]
    quantity = sum((p.quantity for p in held), ZERO)
    if not held or quantity == 0:
        return held[0].avg_cost if held else None
    return sum((p.quantity * p.avg_cost for p in held), ZERO) / quantity


def _our_price(portfolio: Portfolio, account_id: AccountId, symbol: str, product: Product | None) -> Decimal | None:
    """The last price, else our average cost of the key's position (no P&L invented by a reduction)."""
    net = portfolio.position(account_id, symbol)
    if net is None:
        return None
    split = next((p for p in portfolio.products(account_id, symbol) if p.product == product), None)
    return net.last_price or (split.avg_cost if split is not None and split.quantity else net.avg_cost)
