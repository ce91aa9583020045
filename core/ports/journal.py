"""Journal: the durable record. Every method commits before it returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.domain import AccountId, ClientOrderId, Fill, Order, OrderEvent
from core.domain.protection import HeldChild
from core.ports.journal_restore import LiveJournal, OrderWindowEntry, PositionsCheckpoint


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


@dataclass(frozen=True, slots=True)
class IntakeKey:
    """A strategy's idempotency key for one order and a hash of the request that carried it.

    Committed in the same transaction as the order it created, and unique per strategy: a retry of the
    request finds the order, whatever crashed in between.
    """

    strategy: str
    key: str
    body_hash: str


@dataclass(frozen=True, slots=True)
class IntakeRecord:
    """A journaled idempotency key and the order it created."""

    key: IntakeKey
    client_order_id: ClientOrderId


class DuplicateIntakeKey(ValueError):
    """The strategy's idempotency key already belongs to a journaled order; nothing of the batch was recorded."""

    def __init__(self, key: IntakeKey) -> None:
        super().__init__(f"strategy {key.strategy}'s idempotency key {key.key!r} already belongs to an order")
        self.key = key


class Journal(Protocol):
    def record_order(self, order: Order) -> None:
        """Insert a new order with the events it has so far; commit."""
        ...

    def record_orders(self, orders: Sequence[Order], keys: Mapping[ClientOrderId, IntakeKey] | None = None,
                      held: Sequence[HeldChild] = ()) -> None:
        """Insert new orders with their events so far in one transaction (one disk flush); all or none.

        keys: the idempotency key of each order that came with one, committed in the same transaction;
        a key already journaled raises DuplicateIntakeKey and records nothing. held: held children to
        insert or update in the same transaction.
        """
        ...

    def record_held(self, children: Sequence[HeldChild]) -> None:
        """Insert or update held children in one transaction."""
        ...

    def load_held(self) -> list[HeldChild]:
        """Return every held child, oldest first."""
        ...

    def adopt_intake_keys(self, records: Sequence[IntakeRecord]) -> int:
        """Journal idempotency keys kept elsewhere by an older TradeTerm, for orders it holds; return how many."""
        ...

    def find_intake(self, strategy: str, key: str) -> IntakeRecord | None:
        """Return the journaled idempotency key of the strategy and the order it created, or None."""
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

    def record_fills(self, fills: Sequence[tuple[Fill, Order | None, OrderEvent | None]]) -> list[bool]:
        """Insert fills, each with its order's fill event and new state, in one transaction; for each, whether it
        was new (a known trade id changes nothing). All or none."""
        ...

    def record_audit(self, actor: str, action: str, detail: str, *, with_next_write: bool = False) -> None:
        """Append one line to the audit trail; with_next_write: in the next write's transaction (the order it
        allows), not in one of its own."""
        ...

    def audit_entries(self, actions: Sequence[str], since: datetime | None = None) -> list[AuditEntry]:
        """Return every audit entry of these actions (written at or after since, if given), oldest first."""
        ...

    def latest_audit(self, action: str, detail_prefix: str = "") -> AuditEntry | None:
        """Return the newest audit entry of action whose detail starts with detail_prefix, or None."""
        ...

    def load(self) -> JournalState:
        """Return every order and every fill (the whole history: for tools and a first restart only)."""
        ...

    def load_live(self, since: datetime, until: datetime, fills_after: int, orders_after: int) -> LiveJournal:
        """Return what a restart loads (see LiveJournal), read in one transaction."""
        ...

    def load_order_window(self, since: datetime) -> tuple[OrderWindowEntry, ...]:
        """Return (account, order id, created at, strategy) of the orders created since `since` that were not DENIED,
        oldest first (the rolling order window's count after a restart)."""
        ...

    def load_order(self, client_order_id: ClientOrderId) -> Order | None:
        """Return one journaled order rebuilt from its events, or None if the journal does not hold it."""
        ...

    def load_fill_owners(self) -> tuple[Order, ...]:
        """Return each order that has a fill, as first created (without its events): whose each fill is."""
        ...

    def journaled(self, client_order_ids: Sequence[ClientOrderId]) -> set[ClientOrderId]:
        """Return those of the ids whose orders the journal holds."""
        ...

    def load_checkpoint(self) -> PositionsCheckpoint | None:
        """Return the positions checkpoint the last restart wrote, or None (none yet, or unreadable)."""
        ...

    def record_checkpoint(self, checkpoint: PositionsCheckpoint) -> None:
        """Replace the positions checkpoint; commit."""
        ...

    def watermark(self, account_id: AccountId) -> datetime | None:
        """Return the time of the newest journaled fill of the account."""
        ...

    def close(self) -> None: ...


class JournalError(Exception):
    """The journal file cannot be used (corrupt, newer version, unwritable); the message names the file."""

