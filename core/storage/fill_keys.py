"""Which journal row a fill is: a broker's trade id names a fill within its order, not for ever.

The fills table's key is (account, trade id), and for IB's execIds, Alpaca's and OANDA's ids that is unique. Kite's
trade_id is the exchange's trade number: it starts again each day and NSE's and BSE's overlap, so a new fill may
come with the trade id of an older fill of another order (a fresh Kite simulator's first fill was dropped as a
"duplicate" of the last session's, and the position never saw it). A fill is therefore a duplicate only when the
row under its trade id is of the same order (our order id, which never repeats, else the broker's; a fill that
names neither is taken as the same, as before). A fill whose trade id is taken by another order's is stored under
`<trade id>#<its order>`, and found there the next time it is reported. The fill itself keeps the broker's id.
"""

from __future__ import annotations

import json
import sqlite3

from core.domain import Fill
from core.domain.fill import order_key

_FIND: str = "SELECT fill FROM fills WHERE account_id = ? AND trade_id = ?"


def stored_trade_id(conn: sqlite3.Connection, fill: Fill) -> str | None:
    """Return the trade id column fill is stored (or would be stored) under, or None if it is journaled already."""
    row = conn.execute(_FIND, (fill.account_id, fill.trade_id)).fetchone()
    if row is None:
        return str(fill.trade_id)
    if _same_order(row[0], fill):
        return None
    alternate = f"{fill.trade_id}#{order_key(fill)}"
    return None if conn.execute(_FIND, (fill.account_id, alternate)).fetchone() is not None else alternate


def _same_order(stored: str, fill: Fill) -> bool:
    raw = json.loads(stored)
    for ours, theirs in ((fill.client_order_id, raw.get("client_order_id")),
                         (fill.broker_order_id, raw.get("broker_order_id"))):
        if ours is not None and theirs is not None:
            return str(ours) == str(theirs)
    return True
