"""Rows of the held_orders table (held_schema.py): write and read the children TradeTerm holds."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

from core.domain import AccountId, ClientOrderId, Side
from core.domain.protection import HeldChild, HeldState, ProtectionLeg
from core.ports.journal import JournalError
from core.storage import codec

_UPSERT: Final = (
    "INSERT INTO held_orders (entry_id, leg, account_id, symbol, entry_side, trigger_price, state, quantity, reason, "
    "attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id, leg) DO UPDATE SET "
    "trigger_price = excluded.trigger_price, state = excluded.state, quantity = excluded.quantity, "
    "reason = excluded.reason, attempt = excluded.attempt"
)
_SELECT: Final = (
    "SELECT entry_id, leg, account_id, symbol, entry_side, trigger_price, state, quantity, reason, attempt "
    "FROM held_orders ORDER BY rowid"
)


def write_held(conn: sqlite3.Connection, children: Sequence[HeldChild]) -> None:
    """Insert or update held children in the caller's transaction (their entries must be journaled)."""
    conn.executemany(_UPSERT, [
        (c.entry, c.leg.value, c.account_id, c.symbol, c.entry_side.value, codec.encode_decimal(c.trigger),
         c.state.value, codec.encode_decimal(c.quantity), c.reason, c.attempt)
        for c in children
    ])


def read_held(conn: sqlite3.Connection) -> list[HeldChild]:
    """Return every held child, oldest first; JournalError names a row this code cannot read."""
    children = []
    for row in conn.execute(_SELECT).fetchall():
        entry, leg, account, symbol, side, trigger, state, quantity, reason, attempt = row
        try:
            children.append(HeldChild(
                ClientOrderId(entry), ProtectionLeg(leg), AccountId(account), symbol, Side(side),
                codec.decode_decimal(trigger, "trigger price"), HeldState(state),
                codec.decode_decimal(quantity, "quantity"), reason, int(attempt),
            ))
        except ValueError as exc:
            raise JournalError(f"held order {entry} {leg}: {exc}") from None
    return children
