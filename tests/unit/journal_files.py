"""Journals for the integrity tests: a history closed cleanly, its meta notes, and damage done at rest."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from core.domain import OrderCanceled, OrderSubmitted
from core.storage.journal import SqliteJournal
from tests.factories import make_instrument, make_order

INDEX = "orders_by_symbol_created"
"""An index only the history view reads: damage there is found by the full check, not by opening or restoring."""


def history(path: Path, orders: int = 400) -> None:
    """Write orders of many symbols (the index spans several pages), then close the journal cleanly."""
    with SqliteJournal(path) as journal:
        batch = []
        for k in range(orders):
            order = make_order(make_instrument(f"SYM{k:04d}-{'X' * 40}"), client_order_id=f"H{k:05d}")
            order.apply(OrderSubmitted(order.client_order_id))
            order.apply(OrderCanceled(order.client_order_id))  # history: nothing for a restart to reconcile
            batch.append(order)
        if batch:
            journal.record_orders(batch)


def meta(path: Path) -> dict[str, dict[str, object]]:
    with closing(sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)) as conn:
        return {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM journal_meta")}


def wreck(path: Path, name: str = INDEX, keep_mtime: bool = True) -> bytes:
    """Break the page headers of one b-tree in place, as bit rot would (same size; same mtime unless told)."""
    before = path.stat()
    with closing(sqlite3.connect(path.as_uri() + "?mode=ro&immutable=1", uri=True)) as conn:
        pages = [row[0] for row in conn.execute("SELECT pageno FROM dbstat WHERE name = ?", (name,))]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    assert len(pages) > 2
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * page_size)
            file.write(b"\xff" * 8)
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    return path.read_bytes()


