"""Flatten: which positions to close, the order that closes each, and what the trader is told where none can go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.domain import (
    AccountId,
    Instrument,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderType,
    Position,
    Quote,
    Side,
    TradingState,
)
from core.ports.broker import BrokerAdapter
from core.ports.capabilities import takes
from core.services.risk.checks import num
from core.services.risk.limits import RiskLimits
from core.services.risk.prices import collar


@dataclass(frozen=True, slots=True)
class FlattenTarget:
    """One position to close: signed quantity; `broker` when it is the broker's (after a reconciliation mismatch)."""

    account_id: AccountId
    symbol: str
    quantity: Decimal
    broker: bool = False

    def describe(self) -> str:
        return f"{'long' if self.quantity > 0 else 'short'} {num(abs(self.quantity))} {self.symbol}"


@dataclass(frozen=True, slots=True)
class FlattenResult:
    """What Flatten did: the closing orders it sent, and for each position it could not close, why."""

    sent: tuple[Order, ...] = ()
    not_sent: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HeldAccount:
    """An account Flatten may close on only after a confirm: its state and why it is held."""

    account_id: AccountId
    state: TradingState
    reason: str


async def broker_positions(adapter: BrokerAdapter, since: datetime | None) -> dict[str, Decimal]:
    """Return the broker's positions by symbol (what Flatten closes after a reconciliation mismatch)."""
    snapshot = await adapter.snapshot(since)
    return {p.symbol: p.quantity for p in snapshot.positions}


def our_positions(positions: Sequence[Position]) -> dict[str, Decimal]:
    """Return our positions by symbol."""
    return {p.symbol: p.quantity for p in positions}


def held_audit_detail(order: Order, state: TradingState, reason: str) -> str:
    """Return the audit detail of a reduce-only order a person confirmed on a held account."""
    return (f"{order.account_id} {state.value} ({reason}): {order.origin.value} {order.side.value} "
            f"{order.quantity.value.normalize():f} {order.symbol} {order.order_type.value} ({order.client_order_id})")


def confirm_text(held: Sequence[HeldAccount], targets: Sequence[FlattenTarget]) -> str:
    """Return the question Flatten asks before closing positions on held accounts."""
    lines = []
    for account in held:
        closes = ", ".join(t.describe() for t in targets if t.account_id == account.account_id)
        lines.append(f"{account.account_id} is {account.state.value}: {account.reason} "
                     f"Flatten only reduces its positions ({closes}).")
    return " ".join(lines) + " Send the closing orders anyway?"


def closing_request(
    target: FlattenTarget,
    adapter: object,
    instrument: Instrument | None,
    quote: Quote | None,
    limits: RiskLimits,
    now: datetime,
) -> OrderRequest | str:
    """Return the order that closes target, or why none can be sent.

    At market where the account takes market orders. Where it takes limit orders only, a marketable limit
    at the edge of the price collar (rounded inwards to the tick, so risk accepts it; the touch itself when
    the collar is off), priced from the account's feed or another that quotes the symbol.
    """
    side = Side.SELL if target.quantity > 0 else Side.BUY
    request = OrderRequest(target.account_id, target.symbol, side, abs(target.quantity), OrderType.MARKET,
                           origin=OrderOrigin.FLATTEN)
    if takes(adapter, OrderType.MARKET):
        return request
    where = f"{target.account_id} takes limit orders only, so Flatten prices a marketable limit from a quote"
    if instrument is None:
        return f"{target.symbol} is not a known instrument: {where}; close it at the broker."
    band = collar(limits, quote, instrument.tick_size)
    if quote is None or band is None:
        return f"No quote for {target.symbol}: {where}; add a feed that quotes it, or close it at the broker."
    age = Decimal(str((now - quote.ts).total_seconds()))
    if age > limits.max_quote_age_s:
        return (f"The last {target.symbol} quote is {age.quantize(Decimal('0.1'))} s old "
                f"(limit {num(limits.max_quote_age_s)} s): {where}; wait for a fresh one, or close it at the broker.")
    return OrderRequest(target.account_id, target.symbol, side, abs(target.quantity), OrderType.LIMIT,
                        limit_price=band.marketable_edge(side), origin=OrderOrigin.FLATTEN)
