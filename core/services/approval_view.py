"""What the approval queue shows and the strategy API previews: a side-effect-free risk verdict, drift, rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.domain import AccountId, ClientOrderId, Order, OrderType, Side, StrategyId
from core.services.risk import Refusal, RiskEngine
from core.services.risk.prices import order_price


@dataclass(frozen=True, slots=True)
class SignalInfo:
    """What the strategy said with its order: when it decided, at what price, and its notes."""

    strategy_id: StrategyId
    signal_time: datetime
    signal_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    remark: str = ""

    def to_record(self) -> dict[str, str | None]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "strategy": str(self.strategy_id), "signal_time": self.signal_time.isoformat(),
            "signal_price": text(self.signal_price), "stop_loss": text(self.stop_loss),
            "take_profit": text(self.take_profit), "remark": self.remark,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SignalInfo:
        def number(key: str) -> Decimal | None:
            value = record.get(key)
            return None if value is None else Decimal(str(value))

        return cls(
            strategy_id=StrategyId(str(record["strategy"])),
            signal_time=datetime.fromisoformat(str(record["signal_time"])),
            signal_price=number("signal_price"), stop_loss=number("stop_loss"), take_profit=number("take_profit"),
            remark=str(record.get("remark") or ""),
        )


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


def what_if(risk: RiskEngine, order: Order) -> Refusal | None:
    """Return the refusal risk would give order now, without remembering it (no rate or duplicate count)."""
    return risk.preview(order)


def reference_price(order: Order, quote_of: Any) -> Decimal | None:
    """Return the price the order is valued at: the one the notional and exposure checks use."""
    return order_price(order, quote_of(order.symbol))


def drift_pct(current: Decimal | None, signal_price: Decimal | None, side: Side) -> Decimal | None:
    """Return how far the market moved against the order since the signal, in percent (positive: worse)."""
    if current is None or signal_price is None or signal_price == 0:
        return None
    moved = (current - signal_price) / signal_price * 100 * side.sign
    return moved.quantize(Decimal("0.01"))
