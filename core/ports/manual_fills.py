"""ManualFills: the capability of an account whose executions a person records by hand (the e-mail desk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from core.domain import ClientOrderId, Fill


class ManualFillRefused(ValueError):
    """A recorded execution does not fit its order; `field` names what to change."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ManualFillOverride:
    """A person's decision to book an execution beyond its order's limit: who, and why (both audited)."""

    actor: str
    reason: str


MANUAL_FILL_OVERRIDE_AUDIT = "manual fill beyond limit"
"""The audit action of a fill booked beyond its order's limit by an override."""


@runtime_checkable
class ManualFills(Protocol):
    """An account that takes executions recorded by hand; check with isinstance."""

    def record_fill(
        self, client_order_id: ClientOrderId, quantity: object, price: object, ts: datetime,
        commission: object = 0,
    ) -> Fill:
        """Book one execution and publish OrderFilled; raise ManualFillRefused if it does not fit the order."""
        ...
