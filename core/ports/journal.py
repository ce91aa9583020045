"""Journal: the durable record. Every method commits before it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.domain import AccountId, Fill, Order, OrderEvent


@dataclass(frozen=True, slots=True)
class JournalState:
    """What a restart restores: every order (with its events) and every fill, oldest first."""

    orders: tuple[Order, ...]
    fills: tuple[Fill, ...]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit trail: its place in the trail, when, who, what, and the details."""

    seq: int
    ts: datetime
    actor: str
    action: str
    detail: str


class Journal(Protocol):
    def record_order(self, order: Order) -> None:
        """Insert a new order with the events it has so far; commit."""
        ...

    def record_orders(self, orders: Sequence[Order]) -> None:
        """Insert new orders with their events so far in one transaction (one disk flush); all or none."""
        ...

    def record_event(self, order: Order, event: OrderEvent, *, defer: bool = False) -> None:
        """Append event and save the order's new state, in one transaction (a broker report may be deferred)."""
        ...

    def record_events(self, changes: Sequence[tuple[Order, OrderEvent]]) -> None:
        """Append several order events with their orders' states in one transaction (one disk flush at most)."""
        ...

    def write_deferred(self) -> None:
        """Commit the broker reports recorded with defer=True."""
        ...

    def has_fill(self, fill: Fill) -> bool:
        """Return True if a fill with this account and trade id is journaled."""
        ...

    def record_fill(self, fill: Fill, order: Order | None = None, event: OrderEvent | None = None) -> bool:
        """Insert fill, with the order's fill event and new state, in one transaction.

        Return False (and change nothing) if its trade id is already journaled.
        """
        ...

    def record_audit(self, actor: str, action: str, detail: str) -> None: ...

    def audit_entries(self, actions: Sequence[str]) -> list[AuditEntry]:
        """Return every audit entry of these actions, oldest first."""
        ...

    def latest_audit(self, action: str, detail_prefix: str = "") -> AuditEntry | None:
        """Return the newest audit entry of action whose detail starts with detail_prefix, or None."""
        ...

    def load(self) -> JournalState: ...

    def watermark(self, account_id: AccountId) -> datetime | None:
        """Return the time of the newest journaled fill of the account."""
        ...

    def close(self) -> None: ...


class JournalError(Exception):
    """The journal file cannot be used (corrupt, newer version, unwritable); the message names the file."""

