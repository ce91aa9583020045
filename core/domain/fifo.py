"""Realized P&L per closed trade, first in first out: what a tax return asks of a year's fills.

Each account's position in a symbol is a queue of open lots. A fill on the other side of the
position closes the oldest lots first, each pairing one closed trade (its quantity, both prices and
times, the gross P&L and its share of both fills' commissions); what a fill leaves after closing the
whole position opens a lot the other way. Exact Decimal arithmetic throughout.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.domain.fill import Fill

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """One lot, or the part of one, opened by one fill and closed by a later one.

    gross_pnl is in `currency` (the instrument's); net_pnl is gross less the commission shares, None when
    a commission is in another currency (then convert it at that day's rate).
    """

    account_id: str
    symbol: str
    direction: str
    """LONG (bought, then sold) or SHORT (sold, then bought back)."""
    quantity: Decimal
    opened_at: datetime
    closed_at: datetime
    open_price: Decimal
    close_price: Decimal
    multiplier: Decimal
    open_trade_id: str
    close_trade_id: str
    currency: str
    gross_pnl: Decimal
    commission: Decimal | None
    """Both fills' shares; None when they were charged in different currencies (commission_currency names both)."""
    commission_currency: str

    @property
    def net_pnl(self) -> Decimal | None:
        if self.commission is None or self.commission_currency != self.currency:
            return None
        return self.gross_pnl - self.commission


@dataclass(slots=True)
class _Lot:
    fill: Fill
    sign: int
    remaining: Decimal
    commission_left: Decimal


def _take_commission(lot: _Lot, quantity: Decimal) -> Decimal:
    """Return lot's commission share for quantity of what remains, and keep the rest (the shares add up exactly)."""
    whole = quantity == lot.remaining
    share = lot.commission_left if whole else lot.commission_left * quantity / lot.remaining
    lot.commission_left -= share
    lot.remaining -= quantity
    return share


def closed_trades(fills: Iterable[tuple[Fill, Decimal, str]]) -> Iterator[ClosedTrade]:
    """Yield the trades that fills (oldest first, each with its multiplier and currency) close, in order."""
    books: dict[tuple[str, str], deque[_Lot]] = {}
    for fill, multiplier, currency in fills:
        lots = books.setdefault((fill.account_id, fill.symbol), deque())
        sign = fill.side.sign
        incoming = _Lot(fill, sign, fill.quantity.value, fill.commission.amount)
        while incoming.remaining > 0 and lots and lots[0].sign != sign:
            oldest = lots[0]
            quantity = min(oldest.remaining, incoming.remaining)
            long = oldest.sign > 0
            opened, closed = oldest.fill, fill
            open_share = _take_commission(oldest, quantity)
            close_share = _take_commission(incoming, quantity)
            gross = (closed.price.value - opened.price.value) * quantity * multiplier * (1 if long else -1)
            same = opened.commission.currency == closed.commission.currency
            yield ClosedTrade(
                account_id=str(fill.account_id), symbol=fill.symbol, direction="LONG" if long else "SHORT",
                quantity=quantity, opened_at=opened.ts, closed_at=closed.ts, open_price=opened.price.value,
                close_price=closed.price.value, multiplier=multiplier, open_trade_id=str(opened.trade_id),
                close_trade_id=str(closed.trade_id), currency=currency,
                gross_pnl=gross,
                commission=open_share + close_share if same else None,
                commission_currency=closed.commission.currency if same
                else f"{opened.commission.currency}/{closed.commission.currency}",
            )
            if oldest.remaining == 0:
                lots.popleft()
        if incoming.remaining > 0:
            lots.append(incoming)
