"""Typed events. Order events drive `Order.apply`; the others report the world to whoever listens.

Every event is a frozen dataclass; `ts` is keyword-only and defaults to now (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from core.domain.enums import ConnectionState, TradingState
from core.domain.identifiers import AccountId, BrokerOrderId, ClientOrderId, StrategyId
from core.domain.values import Money, Price, Quantity

if TYPE_CHECKING:
    from core.domain.fill import Fill
    from core.domain.order import Order
    from core.domain.position import Position


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event on the bus."""

    ts: datetime = field(default_factory=utc_now, kw_only=True)


# --- order events (change an Order through Order.apply) ---------------------------------------


@dataclass(frozen=True, slots=True)
class OrderEvent(Event):
    client_order_id: ClientOrderId


@dataclass(frozen=True, slots=True)
class OrderPendingApproval(OrderEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrderSubmitted(OrderEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrderDenied(OrderEvent):
    """Refused by TradeTerm itself (risk, validation, approval) before reaching a broker."""

    reason: str


@dataclass(frozen=True, slots=True)
class OrderAccepted(OrderEvent):
    broker_order_id: BrokerOrderId


@dataclass(frozen=True, slots=True)
class OrderRejected(OrderEvent):
    """Refused by the broker."""

    reason: str


@dataclass(frozen=True, slots=True)
class OrderPendingCancel(OrderEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrderPendingReplace(OrderEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrderCancelRejected(OrderEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class OrderModifyRejected(OrderEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class OrderModified(OrderEvent):
    quantity: Quantity
    limit_price: Price | None = None
    stop_price: Price | None = None


@dataclass(frozen=True, slots=True)
class OrderCanceled(OrderEvent):
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderExpired(OrderEvent):
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderUnknown(OrderEvent):
    """We cannot tell whether the broker has the order (transport error, crash); reconcile, never resend."""

    reason: str


@dataclass(frozen=True, slots=True)
class OrderFilled(OrderEvent):
    fill: Fill


# --- world events -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, init=False)
class Quote(Event):
    """Top of book for one instrument. Any field may be None when the source has not sent it.

    The one event built per market-data tick, so its constructor is written by hand: it sets the
    slots through their descriptors instead of the generated `object.__setattr__` per field
    (1.9 µs instead of 3.0 µs a quote). It takes the same arguments as the generated one and the
    instance is just as frozen.
    """

    symbol: str
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    close: Decimal | None = None
    volume: Decimal | None = None
    bid_size: Decimal | None = None
    ask_size: Decimal | None = None
    source: str = ""
    """The account whose market-data feed sent it ("" when unknown)."""

    def __init__(
        self,
        symbol: str,
        bid: Decimal | None = None,
        ask: Decimal | None = None,
        last: Decimal | None = None,
        close: Decimal | None = None,
        volume: Decimal | None = None,
        bid_size: Decimal | None = None,
        ask_size: Decimal | None = None,
        source: str = "",
        *,
        ts: datetime | None = None,
    ) -> None:
        _QUOTE_SET[0](self, datetime.now(UTC) if ts is None else ts)
        _QUOTE_SET[1](self, symbol)
        _QUOTE_SET[2](self, bid)
        _QUOTE_SET[3](self, ask)
        _QUOTE_SET[4](self, last)
        _QUOTE_SET[5](self, close)
        _QUOTE_SET[6](self, volume)
        _QUOTE_SET[7](self, bid_size)
        _QUOTE_SET[8](self, ask_size)
        _QUOTE_SET[9](self, source)


_QUOTE_SET = tuple(
    vars(owner)[name].__set__
    for owner, name in [(Event, "ts")] + [(Quote, name) for name in (
        "symbol", "bid", "ask", "last", "close", "volume", "bid_size", "ask_size", "source")]
)


@dataclass(frozen=True, slots=True)
class ConnectionChanged(Event):
    account_id: AccountId
    state: ConnectionState
    message: str = ""


@dataclass(frozen=True, slots=True)
class AccountUpdated(Event):
    """The broker's cash for an account, one Money per currency."""

    account_id: AccountId
    cash: tuple[Money, ...]


@dataclass(frozen=True, slots=True)
class TradingStateChanged(Event):
    account_id: AccountId | None
    state: TradingState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderUpdated(Event):
    """The OMS changed an order (after journaling it); views read the order, never mutate it."""

    order: Order


@dataclass(frozen=True, slots=True)
class FillRecorded(Event):
    """A new (deduplicated, journaled) fill."""

    fill: Fill


@dataclass(frozen=True, slots=True)
class FillsRestored(Event):
    """Today's fills loaded from the journal at start-up (positions are rebuilt separately)."""

    fills: tuple[Fill, ...]


@dataclass(frozen=True, slots=True)
class BrokerTokenExpiring(Event):
    """A broker's access token (e.g. Kite's daily token) expires soon; the trader must log in again."""

    account_id: AccountId
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class BrokerPnl(Event):
    """P&L as the broker computes it (IB reqPnL / reqPnLSingle), for one symbol or (symbol None) the account."""

    account_id: AccountId
    symbol: str | None
    daily: Decimal | None
    unrealized: Decimal | None
    realized: Decimal | None


@dataclass(frozen=True, slots=True)
class PositionUpdated(Event):
    position: Position


@dataclass(frozen=True, slots=True)
class ReconciliationRequired(Event):
    """Our books and the broker's disagree; the account is halted until the trader accepts the broker's state."""

    account_id: AccountId
    differences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StrategyDisabled(Event):
    """The risk engine stopped a strategy (its fill throttle tripped); it stays stopped until someone re-enables it."""

    strategy_id: StrategyId
    reason: str


@dataclass(frozen=True, slots=True)
class LogMessage(Event):
    level: str
    text: str
