"""Per-strategy positions: each strategy's own position per account and symbol, from its own orders' fills.

A fill is attributed to the strategy of the order it fills; a fill of an order without a strategy (a
person's, from the ticket, ladder or Flatten) or of no known order (adopted from the broker) belongs to
MANUAL. Two strategies of one account may hold opposite positions that net out in the account: each
is limited by its own position, and the account's limits still apply to the net.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain import AccountId, ClientOrderId, Fill, Instrument, Money, Order, Position, Quantity, Side, StrategyId
from core.domain.identifiers import MANUAL as MANUAL  # re-exported: the risk modules and tests read them here
from core.domain.order import strategy_of as strategy_of
from core.services.risk.book import AccountBook
from core.services.risk.drawdown import Drawdown
from core.services.risk.rolling_drawdown import RollingFall

ZERO = Decimal(0)


class StrategyPositions:
    """A Position per (account, strategy, symbol), kept from fills, so each strategy has its own quantity and day P&L.

    `order_of` finds a fill's order; `instrument_of(account, symbol)` the instrument of a fill of no known order.
    Marks come from the account's own position of the symbol when the P&L is read.
    """

    def __init__(self, order_of: Callable[[ClientOrderId], Order | None],
                 instrument_of: Callable[[AccountId, str], Instrument | None]) -> None:
        self._order_of = order_of
        self._instrument_of = instrument_of
        self._held: dict[tuple[AccountId, StrategyId], dict[str, Position]] = {}

    def apply(self, fill: Fill, today: bool = True, order_of: Callable[[ClientOrderId], Order | None] | None = None
              ) -> None:
        """Book fill on its strategy's position (order_of: find its order, else the manager's lookup)."""
        find = order_of or self._order_of
        order = find(fill.client_order_id) if fill.client_order_id is not None else None
        instrument = order.instrument if order is not None else self._instrument_of(fill.account_id, fill.symbol)
        if instrument is None:
            return
        if order is not None and order.strategy_id is None and order.origin.reduce_only:
            for strategy, part in self._closed_by(fill):
                self._book(fill.account_id, strategy, instrument).apply(part, today)
            return
        self._book(fill.account_id, strategy_of(order), instrument).apply(fill, today)

    def _book(self, account_id: AccountId, strategy: StrategyId, instrument: Instrument) -> Position:
        book = self._held.setdefault((account_id, strategy), {})
        position = book.get(instrument.symbol)
        if position is None:
            position = book[instrument.symbol] = Position(account_id, instrument)
        return position

    def _closed_by(self, fill: Fill) -> list[tuple[StrategyId, Fill]]:
        """Split the fill of a close or Flatten (a person's, of no strategy) over the strategies whose positions it
        closes: 'manual' first, then the others by name; what is left (a close beyond them all) is 'manual's.

        The commission is shared in proportion to the quantity.
        """
        left, total = fill.quantity.value, fill.quantity.value
        owners = sorted((key[1] for key, book in self._held.items() if key[0] == fill.account_id
                         and (p := book.get(fill.symbol)) is not None and p.quantity * fill.side.sign < 0),
                        key=lambda s: (s != MANUAL, str(s)))
        parts: list[tuple[StrategyId, Decimal]] = []
        for strategy in owners:
            take = min(left, abs(self._held[(fill.account_id, strategy)][fill.symbol].quantity))
            if take > 0:
                parts.append((strategy, take))
                left -= take
        if left > 0:
            parts.append((MANUAL, left))
        fee = fill.commission
        return [(strategy, dataclasses.replace(fill, quantity=Quantity(qty),
                                               commission=Money(fee.amount * qty / total, fee.currency)))
                for strategy, qty in parts]

    def restore(self, fills: Iterable[Fill], today: date, start: Iterable[tuple[StrategyId, Position]] = (),
                order_of: Callable[[ClientOrderId], Order | None] | None = None) -> None:
        """Rebuild from the journal's fills (the orders must be known first); earlier days' form the start of day.

        start: positions folded from earlier fills (a checkpoint's copies), which the fills then continue.
        """
        self._held.clear()
        for strategy, position in start:
            self._held.setdefault((position.account_id, strategy), {})[position.symbol] = position
        for fill in fills:
            self.apply(fill, today=fill.ts.astimezone().date() == today, order_of=order_of)

    def folded(self) -> list[tuple[StrategyId, Position]]:
        """Return copies of every strategy's positions as their fills made them, for a checkpoint."""
        return [(strategy, dataclasses.replace(p, last_price=None, prev_close=None))
                for (_, strategy), book in self._held.items() for p in book.values()]

    def position(self, account_id: AccountId, strategy_id: StrategyId, symbol: str) -> Decimal:
        position = self._held.get((account_id, strategy_id), {}).get(symbol)
        return ZERO if position is None else position.quantity

    def positions(self, account_id: AccountId, strategy_id: StrategyId) -> dict[str, Decimal]:
        """Return the strategy's non-flat positions on the account by symbol."""
        return {symbol: p.quantity for symbol, p in self._held.get((account_id, strategy_id), {}).items()
                if p.quantity != 0}

    def held(self, account_id: AccountId, strategy_id: StrategyId) -> Mapping[str, Position]:
        """Return the strategy's positions on the account by symbol (a live view: do not change it)."""
        return self._held.get((account_id, strategy_id), {})

    def snapshot(self, mark_of: Callable[[AccountId, str], Position | None]) -> list[StrategyPosition]:
        """Return every strategy's own position (flat ones too: a view hides them), marked like the account's.

        Sorted by account, symbol, then strategy ('manual' first), as the positions split shows them.
        """
        rows = [_marked(account_id, strategy_id, position, mark_of)
                for (account_id, strategy_id), book in self._held.items() for position in book.values()]
        return sorted(rows, key=lambda r: (str(r.account_id), r.instrument.symbol, r.strategy_id != MANUAL,
                                           str(r.strategy_id)))

    def snapshot_of(self, keys: Iterable[tuple[AccountId, str]],
                    mark_of: Callable[[AccountId, str], Position | None]) -> list[StrategyPosition]:
        """Return, as `snapshot` does (unsorted), only the strategies' positions of these (account, symbol) pairs.

        A view that knows which of the account's positions a fill or a mark changed re-reads only those rows.
        """
        wanted: dict[AccountId, set[str]] = {}
        for account_id, symbol in keys:
            wanted.setdefault(account_id, set()).add(symbol)
        rows: list[StrategyPosition] = []
        for (account_id, strategy_id), book in self._held.items():
            symbols = wanted.get(account_id)
            if not symbols:
                continue
            for symbol in symbols if len(symbols) < len(book) else list(book):
                position = book.get(symbol)
                if position is not None and symbol in symbols:
                    rows.append(_marked(account_id, strategy_id, position, mark_of))
        return rows

    def daily_pnl(self, account_id: AccountId, strategy_id: StrategyId, marks: Mapping[str, Position],
                  fx_rate: Callable[[str], Decimal | None]) -> Decimal | None:
        """Return the strategy's P&L of the day on the account (net of commissions), converted with fx_rate.

        Each of its positions is marked like the account's position of the symbol; None while one has no mark
        or no rate.
        """
        total = ZERO
        for symbol, position in self._held.get((account_id, strategy_id), {}).items():
            mark = marks.get(symbol)
            if mark is not None:
                position.mark(mark.last_price, mark.prev_close)
            pnl, rate = position.daily_pnl, fx_rate(position.currency)
            if pnl is None or rate is None:
                return None
            total += pnl * rate
        return total


def _marked(account_id: AccountId, strategy_id: StrategyId, position: Position,
            mark_of: Callable[[AccountId, str], Position | None]) -> StrategyPosition:
    """Mark position like the account's position of its symbol and return its row."""
    mark = mark_of(account_id, position.symbol)
    if mark is not None:
        position.mark(mark.last_price, mark.prev_close)
    return StrategyPosition(account_id, strategy_id, position.instrument, position.quantity,
                            position.avg_cost if position.quantity else None, position.last_price,
                            position.unrealized_pnl, position.realized_pnl, position.daily_pnl)


@dataclass(frozen=True, slots=True)
class StrategyPosition:
    """One strategy's own position on one account and symbol, from its orders' fills (a snapshot)."""

    account_id: AccountId
    strategy_id: StrategyId
    instrument: Instrument
    quantity: Decimal
    avg_cost: Decimal | None
    last_price: Decimal | None
    unrealized_pnl: Decimal | None
    realized_pnl: Decimal
    daily_pnl: Decimal | None

    @property
    def key(self) -> tuple[AccountId, StrategyId, str]:
        return self.account_id, self.strategy_id, self.instrument.symbol


@dataclass(frozen=True, slots=True)
class StrategyView:
    """One strategy's book on one account as an order's checks see it (the checked order left out)."""

    strategy_id: StrategyId
    book: AccountBook
    """The strategy's own positions and the running sums of its working orders on the account (a pending change
    counts as the larger of its old and new quantity, as in the account's sums: working_orders.counted)."""
    daily_loss: Decimal | None = None
    """The strategy's loss of the day on the account (positive when losing) in the limits' currency; None: unknown."""
    drawdown: Drawdown | None = None
    """How far the strategy's P&L of the day has fallen from its peak, in currency and % (None: unknown)."""
    rolling: RollingFall | None = None
    """The fall of the strategy's P&L from its peak over its window of days (None: no such limit, or unknown)."""

    def position_qty(self, symbol: str) -> Decimal:
        return self.book.position_qty(symbol)

    def working_leaves(self, symbol: str, side: Side) -> Decimal:
        return self.book.working_leaves(symbol, side)

    @property
    def working_count(self) -> int:
        return self.book.working_count
