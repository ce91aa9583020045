"""What the approval queue shows for one pending strategy order: the row, and the market's drift since the signal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.domain import AccountId, ClientOrderId, OrderType, Side, StrategyId


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    """One pending order as the queue shows it now (all values computed at `now`)."""

    client_order_id: ClientOrderId
    strategy_id: StrategyId
    account_id: AccountId
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    price: Decimal | None
    price_places: int
    tif: str
    signal_time: datetime
    age_s: Decimal
    seconds_left: Decimal
    bid: Decimal | None
    ask: Decimal | None
    drift_pct: Decimal | None
    verdict: str | None
    """None: risk would pass now; else the reason it would refuse."""
    last_attempt: str
    """Why the last approval attempt failed (empty if none failed)."""
    auto_approve: bool = False
    product: str = ""
    """The order's product (CNC, MIS, NRML) on a Kite account; empty where the broker has none."""
    trail: str = ""
    """A trailing order's trail as the window says it ('1.5', '2%', '1.5, limit 0.05 beyond the stop'); empty for
    any other order."""
    link: str = ""
    """What the order is linked to and decided with: its OCO partner, its OTO exit or bracket children; empty if
    nothing."""
    market: str = ""
    """The market's state where the account's broker says its hours ('NSE closed', 'NASDAQ open');
    empty where they are not known (filled in by the window, which asks the broker in the background)."""
    market_closed: bool = False
    """True when `market` says closed: a DAY order approved now is refused or waits for the open."""


def drift_pct(current: Decimal | None, signal_price: Decimal | None, side: Side) -> Decimal | None:
    """Return how far the market moved against the order since the signal, in percent (positive: worse)."""
    if current is None or signal_price is None or signal_price == 0:
        return None
    moved = (current - signal_price) / signal_price * 100 * side.sign
    return moved.quantize(Decimal("0.01"))
