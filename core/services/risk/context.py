"""What the risk checks read: small protocols over the portfolio and OMS, and a per-order snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from core.domain import AccountId, ClientOrderId, Order, Position, Quote, Side, TradingState
from core.services.conflation import Conflated
from core.services.daily_pnl import DailySum
from core.services.risk.book import AccountBook
from core.services.risk.limits import RiskLimits
from core.services.risk.prices import order_price as order_price  # re-exported: approvals read them here
from core.services.risk.prices import quote_price as quote_price
from core.services.risk.recent import RecentOrders
from core.services.risk.strategy_book import StrategyView
from core.services.working_orders import WorkingOrders


class DailyPnl(Protocol):
    @property
    def currency(self) -> str: ...

    @property
    def daily(self) -> Decimal | None: ...


class PositionSource(Protocol):
    """Positions and P&L per account (the session's Portfolio)."""

    def positions(self, account_id: AccountId | None = None) -> list[Position]: ...

    def totals(self, account_id: AccountId | None = None) -> Mapping[str, DailyPnl]: ...

    def held(self, account_id: AccountId) -> Mapping[str, Position]: ...

    def products(self, account_id: AccountId, symbol: str) -> list[Position]: ...

    def daily_sums(self, account_id: AccountId) -> Mapping[str, DailySum]: ...

    def conflate_marks(self, wake: Callable[[], None]) -> Conflated[Position, Position]: ...


class OrderSource(Protocol):
    """Orders by id and the working ones per account (the session's OrderManager).

    A source that is also IndexedOrders (a WorkingOrders kept as orders change, as the OrderManager does) is
    read through it; otherwise each check sums `working(account)` afresh.
    """

    def get(self, client_order_id: ClientOrderId) -> Order | None: ...

    def working(self, account_id: AccountId | None = None) -> list[Order]: ...


@runtime_checkable
class IndexedOrders(Protocol):
    """An order source that keeps running sums of its working orders (the OrderManager); check with isinstance."""

    @property
    def working_index(self) -> WorkingOrders: ...


def working_sums(orders: OrderSource) -> Callable[[AccountId], WorkingOrders]:
    """Return where an account's working sums are read: the source's running ones (IndexedOrders, checked once
    here), or else the account's `working` orders summed afresh at each call."""
    if isinstance(orders, IndexedOrders):
        index = orders.working_index
        return lambda account_id: index
    return lambda account_id: WorkingOrders.of(orders.working(account_id))


def duplicate_key(order: Order) -> tuple[object, ...]:
    """Return what makes two orders the same: account, instrument, side, quantity and prices."""
    limit = None if order.limit_price is None else order.limit_price.value
    stop = None if order.stop_price is None else order.stop_price.value
    return (order.account_id, order.symbol, order.side, order.quantity.value, order.order_type, limit, stop)


@dataclass(frozen=True, slots=True)
class RiskContext:
    """The world as one order's checks see it; `book` leaves out the order itself (`recent` is told to)."""

    now: datetime
    monotonic: float
    state: TradingState
    state_reason: str
    quote_of: Callable[[str], Quote | None]
    book: AccountBook
    recent: RecentOrders
    strategy_disabled: str | None = None
    overridable: bool = False
    """The account is held only for causes a reduce-only order may pass after a confirm (not a lost connection);
    False while it is ACTIVE (nothing to pass)."""
    closing_leaves: Callable[[str, Side], Decimal] = lambda symbol, side: Decimal(0)
    """The unfilled quantity of the account's other working reduce-only orders on symbol and side."""
    closed_position: Decimal | None = None
    """The position a reduce-only order is measured against when it is not ours: the broker's, after a mismatch."""
    buying_power: Callable[[str], Decimal | None] = lambda currency: None
    """The account's buying power in a currency as its funds last said (None: not known)."""
    account_limits: RiskLimits | None = None
    """The account's own limits, checked against the whole account (None: the order's limits are the account's)."""
    strategy: StrategyView | None = None
    """The order's strategy's own book, when the strategy has its own limits (see check_strategy_position)."""
    orders_within: Callable[[Decimal], int] = lambda hours: 0
    """How many of the account's orders passed in the last `hours` hours, leaving out this one (order_window.py)."""
    strategy_orders_within: Callable[[Decimal], int] | None = None
    quote_advice: Callable[[], str] = lambda: "wait for quotes"
    """What to do when the order's account has no quote (an easytrader account without a reference feed: choose one)."""
    """How many of the order's strategy's orders passed in the last `hours` hours on every account, leaving out this
    one; None when the strategy's own scope sets no max_orders_per_window."""

    def position_qty(self, symbol: str) -> Decimal:
        """Return the account's signed position in symbol."""
        return self.book.position_qty(symbol)

    def closable_qty(self, symbol: str) -> Decimal:
        """Return the signed position a reduce-only order in symbol closes (the broker's when given)."""
        return self.closed_position if self.closed_position is not None else self.position_qty(symbol)

    def working_leaves(self, symbol: str, side: Side) -> Decimal:
        """Return the unfilled quantity of the account's working orders on symbol and side."""
        return self.book.working_leaves(symbol, side)
