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
from core.ports.broker import BrokerPosition
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio


def net_by_symbol(positions: Sequence[BrokerPosition]) -> dict[str, BrokerPosition]:
    """Return the broker's net position per symbol (a Kite CNC and MIS position of a symbol summed; adoption
    books the net, as the portfolio's net position is what it adjusts)."""
    net: dict[str, BrokerPosition] = {}
    for position in positions:
        held = net.get(position.symbol)
        if held is None:
            net[position.symbol] = BrokerPosition(position.symbol, position.quantity, position.avg_cost)
            continue
        qty = held.quantity + position.quantity
        cost = held.quantity * held.avg_cost + position.quantity * position.avg_cost
        net[position.symbol] = BrokerPosition(position.symbol, qty, cost / qty if qty else Decimal(0))
    return net


def adjustment_fills(
    account_id: AccountId,
    positions: Sequence[BrokerPosition],
    portfolio: Portfolio,
    instruments: InstrumentCatalog,
    now: datetime,
) -> tuple[list[Fill], list[str]]:
    """Return the fills that adopt the broker's positions, and what each changes (or why it cannot), by symbol."""
    broker = net_by_symbol(positions)
    fills: list[Fill] = []
    changes: list[str] = []
    for symbol in sorted(set(broker) | {p.symbol for p in portfolio.positions(account_id)}):
        ours = portfolio.position(account_id, symbol)
        mine = ours.quantity if ours is not None else Decimal(0)
        theirs = broker[symbol].quantity if symbol in broker else Decimal(0)
        if mine == theirs:
            continue
        instrument = instruments.find(symbol, account_id)
        if instrument is None:
            changes.append(f"{symbol}: unknown instrument, not adjusted")
            continue
        diff = theirs - mine
        opening = abs(theirs) > abs(mine) and (mine == 0 or (mine > 0) == (theirs > 0))
        if opening and symbol in broker and broker[symbol].avg_cost > 0:
            price = broker[symbol].avg_cost
        else:
            price = (ours.last_price or ours.avg_cost) if ours is not None else broker[symbol].avg_cost
        fills.append(Fill(
            trade_id=TradeId(f"{ADJUSTMENT_PREFIX}{account_id}-{now:%Y%m%d%H%M%S%f}-{symbol}"),
            client_order_id=None, account_id=account_id, symbol=symbol,
            side=Side.BUY if diff > 0 else Side.SELL, quantity=Quantity(abs(diff)),
            price=Price(price), commission=Money(0, instrument.currency), ts=now,
        ))
        changes.append(f"{symbol}: {mine.normalize():f} -> {theirs.normalize():f} at {price}")
    return fills, changes
