"""What a restart reads from the journal: the live part of it and the positions checkpoint (not the whole history).

A restart needs the orders that can still change (working, pending approval, unknown), today's orders and fills
for the blotters, the last week's order times for the rolling order window (read apart, when risk first counts), and
the positions. Positions are a fold over every fill ever made, so the journal keeps that fold durably
(`PositionsCheckpoint`): a restart folds only the fills journaled after it, and its cost does not grow with the
history of finished orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import AccountId, ClientOrderId, Fill, Instrument, Order, Position, StrategyId

PositionKey = tuple[AccountId, str]
"""An account and a symbol: what one position, and the order of its fills, belongs to."""
OrderWindowEntry = tuple[AccountId, ClientOrderId, datetime, StrategyId | None]
"""An order the rolling order window counts: account, id, created at, strategy (None: a person's)."""


@dataclass(frozen=True, slots=True)
class PositionsCheckpoint:
    """The positions folded from the journal's fills up to `fills_through`, as a restart on `day_start`'s day saw them.

    day_start: the UTC instant of the local midnight that split those fills into earlier days and that day.
    fills_through / orders_through: the journal's fill and order sequence numbers the checkpoint covers.
    newest: per position key, the time of its newest folded fill (a later fill journaled with an earlier
    time would change the fold's order: the checkpoint is then not used).
    positions: the net positions (product None) and each product's (Kite), copies.
    strategy_positions: each strategy's own positions (risk's per-strategy books), copies.
    instruments: the instrument of the newest order per (account, symbol) up to orders_through, oldest first.
    unplaced: keys of fills that no position took because no instrument was known for them.
    """

    day_start: datetime
    fills_through: int
    orders_through: int
    newest: dict[PositionKey, datetime]
    positions: tuple[Position, ...]
    strategy_positions: tuple[tuple[StrategyId, Position], ...]
    instruments: tuple[tuple[AccountId, Instrument], ...]
    unplaced: frozenset[PositionKey]


@dataclass(frozen=True, slots=True)
class LiveJournal:
    """The part of the journal a restart loads.

    orders: every order that is not finished (by its journaled status) or was created since `since`, rebuilt by
    replaying its events, oldest first.
    fills: the fills journaled after the checkpoint's `fills_through`, in time order, each with its sequence number.
    fills_today: the fills timed within [since, until), in time order (the fills blotter's day).
    instruments: (account, instrument) of the orders after `orders_after`, the newest per (account, symbol), oldest
    first.
    fills_through / orders_through: the newest fill and order sequence numbers in the journal.
    """

    orders: tuple[Order, ...]
    fills: tuple[tuple[int, Fill], ...]
    fills_today: tuple[Fill, ...]
    instruments: tuple[tuple[AccountId, Instrument], ...]
    fills_through: int
    orders_through: int
