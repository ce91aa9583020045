"""History: what the journal's past looks like to a reader — filters, pages and rows (the HistoryQueries port).

The history window, exports and `tradeterm export` read through this port; core.storage.history_queries
implements it over the journal file, on a read-only connection of its own. Its methods block (file
I/O): callers on the event loop run them with asyncio.to_thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Final, Generic, Protocol, TypeVar

from core.domain import Fill, OrderOrigin, OrderStatus, Side
from core.ports.journal import AuditEntry

T = TypeVar("T")
PAGE_SIZE: Final = 200
ORIGIN_LABELS: Final = {
    OrderOrigin.MANUAL: "ticket", OrderOrigin.CLOSE: "close position", OrderOrigin.FLATTEN: "flatten",
    OrderOrigin.STRATEGY: "strategy", OrderOrigin.PROTECTIVE: "protective (held)",
}


class DateRangeError(ValueError):
    """A date range that covers no time (empty or reversed); the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class TimeRange:
    """From start (inclusive) to end (exclusive), both aware; either open."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{value.isoformat()} has no time zone")
        if self.start is not None and self.end is not None:
            if self.end < self.start:
                raise DateRangeError(f"The range is reversed: it ends ({self.end:%Y-%m-%d %H:%M}) before it "
                                     f"starts ({self.start:%Y-%m-%d %H:%M}). Swap the two dates.")
            if self.end == self.start:
                raise DateRangeError("The range is empty: it ends where it starts. Choose a later end.")

    @classmethod
    def of_days(cls, first: date | None, last: date | None, tz: tzinfo | None = None) -> TimeRange:
        """Return the range from the start of day first to the end of day last (inclusive), in tz (local)."""
        if first is not None and last is not None and last < first:
            raise DateRangeError(f"The range is reversed: {last.isoformat()} is before {first.isoformat()}. "
                                 "Choose a 'to' date on or after the 'from' date.")
        return cls(None if first is None else _day_start(first, tz),
                   None if last is None else _day_start(last + timedelta(days=1), tz))


def _day_start(day: date, tz: tzinfo | None) -> datetime:
    midnight = datetime.combine(day, time())
    local = midnight.astimezone() if tz is None else midnight.replace(tzinfo=tz)  # naive: the machine's zone
    return local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Which orders: every field that is set must match (text: a part of id, symbol, reason, broker id, strategy)."""

    account: str | None = None
    symbol: str | None = None
    statuses: tuple[OrderStatus, ...] = ()
    strategy: str | None = None
    range: TimeRange = field(default_factory=TimeRange)
    text: str = ""


@dataclass(frozen=True, slots=True)
class FillFilter:
    """Which fills: account, symbol, time range, a part of the trade id or order id."""

    account: str | None = None
    symbol: str | None = None
    range: TimeRange = field(default_factory=TimeRange)
    text: str = ""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit entries: these actions (all if empty), time range, a part of actor, action or detail."""

    actions: tuple[str, ...] = ()
    range: TimeRange = field(default_factory=TimeRange)
    text: str = ""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order as the history shows it: as created, as it stands, and how it came and ended."""

    client_order_id: str
    account_id: str
    symbol: str
    side: Side
    order_type: str
    orig_quantity: Decimal
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    tif: str
    origin: OrderOrigin
    strategy_id: str | None
    status: OrderStatus
    filled_qty: Decimal
    avg_fill_price: Decimal | None
    broker_order_id: str | None
    reason: str
    created_at: datetime
    updated_at: datetime | None
    """When its last event happened (None: it has none)."""
    fill_count: int
    approved: bool
    """A strategy's order that waited for approval and was sent."""
    kill_switch: bool
    """Its cancel was one of the kill switch's."""

    @property
    def origin_label(self) -> str:
        """Return how the order came, in the trader's words ('ticket', 'strategy, approved', ...)."""
        label = ORIGIN_LABELS.get(self.origin, self.origin.value.lower())
        if self.strategy_id:
            label = f"{label} {self.strategy_id}"
        return f"{label}, approved" if self.approved else label

    @property
    def status_label(self) -> str:
        return f"{self.status.value} (kill switch)" if self.kill_switch else self.status.value


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: the sort key and rowid of its last row."""

    key: str
    rowid: int


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows, newest first, and the cursor of the next (None: this is the last)."""

    rows: tuple[T, ...]
    next: Cursor | None
    searched_to: datetime | None = None
    """Set when a search stopped at its budget before the page filled: it looked back to this moment only."""


@dataclass(frozen=True, slots=True)
class CommissionTotal:
    """The commissions of one account's fills on one (local) day, in one currency."""

    day: date
    account_id: str
    currency: str
    total: Decimal
    fills: int


@dataclass(frozen=True, slots=True)
class PricedFill:
    """A fill with its instrument's multiplier and currency (1 and the commission's where it has no order)."""

    fill: Fill
    multiplier: Decimal
    currency: str


ALL_ORDERS: Final = OrderFilter()
ALL_FILLS: Final = FillFilter()
ALL_AUDIT: Final = AuditFilter()


class HistoryQueries(Protocol):
    """Read the journal's orders, fills and audit trail a page at a time (blocking: call off the event loop)."""

    def orders_page(self, where: OrderFilter = ALL_ORDERS, after: Cursor | None = None, limit: int = PAGE_SIZE,
                    newest_first: bool = True) -> Page[OrderRow]: ...

    def count_orders(self, where: OrderFilter = ALL_ORDERS) -> int: ...

    def fills_page(self, where: FillFilter = ALL_FILLS, after: Cursor | None = None, limit: int = PAGE_SIZE,
                   newest_first: bool = True) -> Page[Fill]: ...

    def count_fills(self, where: FillFilter = ALL_FILLS) -> int: ...

    def commission_totals(self, where: FillFilter = ALL_FILLS, tz: tzinfo | None = None) -> list[CommissionTotal]: ...

    def priced_fills(self, account: str | None = None, until: datetime | None = None,
                     after: Cursor | None = None, limit: int = 5_000) -> Page[PricedFill]: ...

    def audit_page(self, where: AuditFilter = ALL_AUDIT, after: Cursor | None = None, limit: int = PAGE_SIZE,
                   newest_first: bool = True) -> Page[AuditEntry]: ...

    def count_audit(self, where: AuditFilter = ALL_AUDIT) -> int: ...

    def audit_actions(self) -> list[str]: ...

    def accounts(self) -> list[str]: ...

    def close(self) -> None: ...
