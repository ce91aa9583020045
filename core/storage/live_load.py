"""The journal's reads for a restart: the live orders, the fills after the positions checkpoint, the checkpoint.

Every query here is driven by an index (status, creation time, fill time, sequence number), so a restart reads
what is live and new, whatever the number of finished orders behind it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from core.domain import AccountId, ClientOrderId, Fill, Order, OrderStatus, StrategyId
from core.ports.journal_restore import LiveJournal, OrderWindowEntry, PositionsCheckpoint
from core.storage import codec
from core.storage.checkpoint_codec import decode_checkpoint, encode_checkpoint
from core.storage.order_replay import ORDER_COLUMNS, instrument_of

FINISHED: Final = tuple(s.value for s in (OrderStatus.CANCELED, OrderStatus.FILLED, OrderStatus.REJECTED,
                                          OrderStatus.DENIED, OrderStatus.EXPIRED))
"""Journaled statuses of orders that only a late broker report could change (looked up then: load_order)."""
_LIVE: Final = tuple(s.value for s in OrderStatus if s.value not in FINISHED)
Replay = Callable[[tuple[str, ...], list[tuple[int, str]]], Order]
"""Rebuild one order from its row and its (seq, event text) list."""
DecodeFill = Callable[[str, str], Fill]
_FILLS_AFTER: Final = "SELECT rowid, trade_id, fill FROM fills NOT INDEXED WHERE rowid > ? ORDER BY ts, rowid"
"""The fills journaled after the checkpoint, in time order. NOT INDEXED: SQLite otherwise walks the whole
fills_by_ts index for the ORDER BY (every fill ever journaled, 12 ms at 200,000) instead of reading the few
new rows by rowid and sorting them."""


def created_key(value: datetime) -> str:
    """Return value as the orders' created_utc text (UTC, milliseconds), whose order is time order."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def fill_key(value: datetime) -> str:
    """Return value as the fills' ts text (UTC, microseconds, 'Z'), whose order is time order."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def read_live(conn: sqlite3.Connection, replay: Replay, decode_fill: DecodeFill, since: datetime, until: datetime,
              fills_after: int, orders_after: int) -> LiveJournal:
    """Read LiveJournal (see there) inside the caller's transaction."""
    marks = ", ".join("?" * len(_LIVE))
    rowids = [row[0] for row in conn.execute(
        f"SELECT rowid FROM orders WHERE status IN ({marks}) "
        "UNION SELECT rowid FROM orders WHERE created_utc >= ?", (*_LIVE, created_key(since)))]
    orders = _replay_rowids(conn, replay, sorted(rowids))
    fills = tuple((seq, decode_fill(trade_id, text)) for seq, trade_id, text in conn.execute(
        _FILLS_AFTER, (fills_after,)))
    today = tuple(decode_fill(trade_id, text) for trade_id, text in conn.execute(
        "SELECT trade_id, fill FROM fills WHERE ts >= ? AND ts < ? ORDER BY ts, rowid",
        (fill_key(since), fill_key(until))))
    newest: dict[tuple[str, str], str] = {}
    for account, symbol, text in conn.execute(
            "SELECT account_id, symbol, instrument FROM orders WHERE rowid > ? ORDER BY rowid", (orders_after,)):
        newest.pop((account, symbol), None)  # the newest order's instrument, in the order they were last traded
        newest[(account, symbol)] = text
    instruments = tuple((AccountId(account), instrument_of(text)) for (account, _), text in newest.items())
    fills_through = conn.execute("SELECT coalesce(max(rowid), 0) FROM fills").fetchone()[0]
    orders_through = conn.execute("SELECT coalesce(max(rowid), 0) FROM orders").fetchone()[0]
    return LiveJournal(orders, fills, today, instruments, fills_through, orders_through)


def read_order_window(conn: sqlite3.Connection, since: datetime) -> tuple[OrderWindowEntry, ...]:
    """Read (account, order id, created at, strategy) of the orders created since `since` that were not DENIED."""
    accounts: dict[str, AccountId] = {}  # a few accounts and strategies over thousands of rows: each made once
    strategies: dict[str | None, StrategyId | None] = {None: None}
    entries: list[OrderWindowEntry] = []
    for account, coid, created, strategy in conn.execute(
            "SELECT account_id, client_order_id, created_at, strategy_id FROM orders WHERE created_utc >= ? "
            "AND status != ? ORDER BY created_utc, rowid",
            (created_key(since - timedelta(milliseconds=1)), OrderStatus.DENIED.value)):
        if account not in accounts:
            accounts[account] = AccountId(account)
        if strategy not in strategies:
            strategies[strategy] = StrategyId(strategy)
        entries.append((accounts[account], ClientOrderId(coid), codec.decode_datetime(created, "created_at"),
                        strategies[strategy]))
    return tuple(entries)


def read_order(conn: sqlite3.Connection, replay: Replay, client_order_id: ClientOrderId) -> Order | None:
    """Rebuild one journaled order, or return None."""
    row = conn.execute("SELECT rowid FROM orders WHERE client_order_id = ?", (client_order_id,)).fetchone()
    return None if row is None else _replay_rowids(conn, replay, [row[0]])[0]


def _replay_rowids(conn: sqlite3.Connection, replay: Replay, rowids: Sequence[int]) -> tuple[Order, ...]:
    orders: list[Order] = []
    for start in range(0, len(rowids), 500):  # SQLite's bound on host parameters
        chunk = rowids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE rowid IN ({marks}) ORDER BY rowid",
                            chunk).fetchall()
        events: dict[str, list[tuple[int, str]]] = {}
        for order_id, seq, text in conn.execute(
                "SELECT client_order_id, seq, event FROM order_events WHERE client_order_id IN "
                f"(SELECT client_order_id FROM orders WHERE rowid IN ({marks})) ORDER BY seq", chunk):
            events.setdefault(order_id, []).append((seq, text))
        orders.extend(replay(row, events.get(row[0], [])) for row in rows)
    return tuple(orders)


def read_checkpoint(conn: sqlite3.Connection) -> PositionsCheckpoint | None:
    """Return the stored positions checkpoint, or None."""
    row = conn.execute("SELECT state FROM positions_checkpoint WHERE id = 1").fetchone()
    return None if row is None else decode_checkpoint(row[0])


def write_checkpoint(conn: sqlite3.Connection, checkpoint: PositionsCheckpoint, now: str) -> None:
    """Replace the stored positions checkpoint (inside the caller's transaction)."""
    conn.execute("INSERT OR REPLACE INTO positions_checkpoint (id, written_at, state) VALUES (1, ?, ?)",
                 (now, encode_checkpoint(checkpoint)))


def read_fill_owners(conn: sqlite3.Connection, replay: Replay) -> tuple[Order, ...]:
    """Return each order that has a fill as first created (its events not replayed: who placed it, for what)."""
    rows = conn.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE client_order_id IN "
                        "(SELECT client_order_id FROM fills WHERE client_order_id IS NOT NULL) ORDER BY rowid")
    return tuple(replay(row, []) for row in rows)
