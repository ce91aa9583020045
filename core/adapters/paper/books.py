"""Books: the paper broker's own cash, positions, fills and id sequences. Pure: no asyncio, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.adapters.paper.matching import Execution
from core.domain import AccountId, BrokerOrderId, Fill, Instrument, Money, Price, Quantity, Side, TradeId

ZERO = Decimal(0)


@dataclass(slots=True)
class Holding:
    """A position as the paper broker books it: signed quantity and average cost."""

    quantity: Decimal = ZERO
    avg_cost: Decimal = ZERO

    def add(self, signed_qty: Decimal, price: Decimal) -> None:
        """Book a trade of signed_qty at price; the average cost changes only when the position grows or flips."""
        before = self.quantity
        after = before + signed_qty
        if before == 0 or (before > 0) == (signed_qty > 0):
            self.avg_cost = (self.avg_cost * abs(before) + price * abs(signed_qty)) / abs(after)
        elif after == 0:
            self.avg_cost = ZERO
        elif (after > 0) != (before > 0):
            self.avg_cost = price
        self.quantity = after


class Books:
    """Cash per currency, holdings per symbol, every fill, and the order and trade id sequences.

    Trade ids are `<account>-T000001`, order ids `<account>-O000001`; the sequences are part of
    the books, so ids stay unique forever in one paper account (across restarts).
    """

    def __init__(self, account_id: AccountId, starting_cash: Mapping[str, Decimal], leverage: Decimal) -> None:
        self.account_id = account_id
        self.leverage = leverage
        self.cash: dict[str, Decimal] = dict(starting_cash)
        self.holdings: dict[str, Holding] = {}
        self.moved: dict[str, None] = {}
        """Symbols whose holding a fill moved since the state log last took them (state_change.ChangeRecorder):
        a change line compares these, not every holding (1,000 of them made each of a Flatten's changes 0.5 ms)."""
        self.fills: list[Fill] = []
        self.trade_seq = 0
        self.order_seq = 0

    def next_broker_order_id(self) -> BrokerOrderId:
        self.order_seq += 1
        return BrokerOrderId(f"{self.account_id}-O{self.order_seq:06d}")

    def book(self, execution: Execution, ts: datetime) -> Fill:
        """Move cash and the holding for an execution; return the Fill with a new trade id."""
        instrument = execution.instrument
        signed = execution.quantity * execution.side.sign
        currency = instrument.currency
        self.cash[currency] = self.cash.get(currency, ZERO) - signed * execution.price * instrument.multiplier
        self.cash[currency] -= execution.fee
        self.holdings.setdefault(instrument.symbol, Holding()).add(signed, execution.price)
        self.moved[instrument.symbol] = None
        self.trade_seq += 1
        fill = Fill(
            trade_id=TradeId(f"{self.account_id}-T{self.trade_seq:06d}"),
            client_order_id=execution.client_order_id,
            account_id=self.account_id,
            symbol=instrument.symbol,
            side=execution.side,
            quantity=Quantity(execution.quantity),
            price=Price(execution.price),
            commission=Money(execution.fee, currency),
            broker_order_id=execution.broker_order_id,
            ts=ts,
        )
        self.fills.append(fill)
        return fill

    def cash_balances(self) -> tuple[Money, ...]:
        return tuple(Money(amount, currency) for currency, amount in sorted(self.cash.items()))

    def position(self, symbol: str) -> Decimal:
        holding = self.holdings.get(symbol)
        return ZERO if holding is None else holding.quantity

    def buying_power(
        self, currency: str, instruments: Mapping[str, Instrument], marks: Mapping[str, Decimal]
    ) -> Decimal:
        """Return equity × leverage less the gross value of the positions in currency.

        On a flat account that is cash × leverage. A holding without a mark is valued at its cost.
        """
        equity = self.cash.get(currency, ZERO)
        gross = ZERO
        for symbol, holding in self.holdings.items():
            instrument = instruments.get(symbol)
            if instrument is None or instrument.currency != currency or holding.quantity == 0:
                continue
            value = instrument.notional(holding.quantity, marks.get(symbol, holding.avg_cost))
            equity += value
            gross += abs(value)
        return equity * self.leverage - gross

    def opening_quantity(self, symbol: str, side: Side, quantity: Decimal) -> Decimal:
        """Return the part of an order that would open or grow a position (the rest closes one)."""
        held = self.position(symbol) * side.sign
        return quantity if held >= 0 else max(ZERO, quantity + held)

    def prune_fills(self, before: datetime) -> None:
        """Forget fills older than before (a broker reports executions for a few days only)."""
        self.fills = [fill for fill in self.fills if fill.ts >= before]
