"""What a strategy said with its order: when it decided, at what price, its stop, target and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.domain.identifiers import StrategyId


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
