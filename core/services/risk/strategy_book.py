"""Per-strategy positions: each strategy's own position per account and symbol, from its own orders' fills.

A fill is attributed to the strategy of the order it fills; a fill of an order without a strategy (a
person's, from the ticket, ladder or Flatten) or of no known order (adopted from the broker) belongs to
MANUAL. Two strategies of one account may hold opposite positions that net out in the account: each
is limited by its own position, and the account's limits still apply to the net.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.domain import AccountId, ClientOrderId, Fill, Order, Side, StrategyId

ZERO = Decimal(0)
MANUAL = StrategyId("manual")
"""The strategy of trades a person made (and of fills of no known order)."""


def strategy_of(order: Order | None) -> StrategyId:
    """Return the strategy a fill of order is attributed to."""
    return MANUAL if order is None or order.strategy_id is None else order.strategy_id


class StrategyPositions:
    """Signed quantities per (account, strategy, symbol), kept from fills; `order_of` finds a fill's order."""

    def __init__(self, order_of: Callable[[ClientOrderId], Order | None]) -> None:
        self._order_of = order_of
        self._qty: dict[tuple[AccountId, StrategyId, str], Decimal] = {}

    def apply(self, fill: Fill) -> None:
        order = self._order_of(fill.client_order_id) if fill.client_order_id is not None else None
        key = (fill.account_id, strategy_of(order), fill.symbol)
        self._qty[key] = self._qty.get(key, ZERO) + fill.quantity.value * fill.side.sign

    def restore(self, fills: Iterable[Fill]) -> None:
        """Rebuild from the journal's fills (the orders must be known first)."""
        self._qty.clear()
        for fill in fills:
            self.apply(fill)

    def position(self, account_id: AccountId, strategy_id: StrategyId, symbol: str) -> Decimal:
        return self._qty.get((account_id, strategy_id, symbol), ZERO)

    def positions(self, account_id: AccountId, strategy_id: StrategyId) -> dict[str, Decimal]:
        """Return the strategy's non-flat positions on the account by symbol."""
        return {symbol: qty for (account, strategy, symbol), qty in self._qty.items()
                if account == account_id and strategy == strategy_id and qty != 0}


@dataclass(frozen=True, slots=True)
class StrategyView:
    """One strategy's book on one account as an order's checks see it (the checked order left out)."""

    strategy_id: StrategyId
    held: dict[str, Decimal]
    working: tuple[Order, ...]

    def position_qty(self, symbol: str) -> Decimal:
        return self.held.get(symbol, ZERO)

    def working_leaves(self, symbol: str, side: Side) -> Decimal:
        return sum((o.leaves_qty for o in self.working if o.symbol == symbol and o.side is side), ZERO)

    @property
    def working_count(self) -> int:
        return len(self.working)
