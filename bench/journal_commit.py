"""The journal's durable commit of a new order, alone: where its time goes, and how many pages it writes.

`python -m bench.journal_commit` opens a real SqliteJournal (a fresh one, or a copy of bench.history's journal
of --prefill orders: the indexes are then as deep as a long-used journal's) and commits new orders as a click
does: record_orders of one order with its OrderSubmitted event (durable: synchronous=FULL, one flush), then
the broker's acknowledgement deferred and written by write_deferred (no flush), at --pace commits a second
(0: back to back). Beside it, in the same folder and at the same pace, a bare append + fdatasync of an order's
size. One JSON line:

- commit_p50/p99_ms: record_orders, wall (what bench.click_to_wire's journal_commit is);
- commit_cpu_p50/p99_ms: the thread's CPU time in it (everything but the wait for the disk);
- bare_fdatasync_p50/p99_ms: the bare flush at the same pace;
- wal_pages_per_commit and wal_pages_per_ack: frames appended to the write-ahead log by each transaction
  (the ack's are flushed by the next order's commit);
- statements_per_commit: SQL statements the commit ran (BEGIN and COMMIT included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.click_to_wire import bare_fdatasync
from bench.common import emit, host_speed_ms, machine, ms, percentile

_MX_FRAME = 16
"""Offset of mxFrame (the frames in the log) in the wal-index header, the -shm file's first bytes."""


def _order(index: int) -> Any:
    from core.domain import (
        AccountId,
        ClientOrderId,
        Instrument,
        Order,
        OrderSubmitted,
        OrderType,
        Price,
        Quantity,
        Side,
        TimeInForce,
        utc_now,
    )

    instrument = Instrument("AAPL", "SMART", "USD", Decimal("0.01"))
    order = Order(ClientOrderId.generate(), AccountId("IB-7"), instrument, Side.BUY, Quantity(Decimal(1 + index % 9)),
                  OrderType.LIMIT, Price(Decimal("150.00") + Decimal(index % 400) / 100), tif=TimeInForce.DAY)
    order.apply(OrderSubmitted(order.client_order_id, ts=utc_now()))
    return order


def _ack(order: Any, index: int) -> Any:
    from core.domain import BrokerOrderId, OrderAccepted, utc_now

    event = OrderAccepted(order.client_order_id, ts=utc_now(), broker_order_id=BrokerOrderId(f"{1_000_000 + index}"))
    order.apply(event)
    return event


def _frames(shm: Path) -> int:
    """Return the frames in the write-ahead log now (mxFrame, from the wal-index in the -shm file)."""
    with shm.open("rb") as file:
        file.seek(_MX_FRAME)
        return int.from_bytes(file.read(4), sys.byteorder)


def _added(before: int, after: int) -> int:
    """Frames a transaction appended (after a checkpoint, the log started over at 0)."""
    return after - before if after >= before else after


def run(path: Path, commits: int, pace: float) -> dict[str, Any]:
    from core.storage import SqliteJournal

    journal = SqliteJournal(path)
    conn = journal._conn
    assert conn is not None
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    shm = Path(f"{path}-shm")
    walls, cpus, bare, commit_pages, ack_pages, per_commit = [], [], [], [], [], []
    try:
        for index in range(commits):
            if pace:
                time.sleep(1 / pace)
            order = _order(index)
            statements.clear()
            before = _frames(shm)
            cpu0, wall0 = time.thread_time(), time.perf_counter()
            journal.record_orders((order,))
            walls.append(time.perf_counter() - wall0)
            cpus.append(time.thread_time() - cpu0)
            per_commit.append(len(statements))
            middle = _frames(shm)
            commit_pages.append(_added(before, middle))
            journal.record_event(order, _ack(order, index), defer=True)
            journal.write_deferred()
            ack_pages.append(_added(middle, _frames(shm)))
            if pace:
                time.sleep(1 / pace)
                bare += bare_fdatasync(path.parent, 1)
        if not pace:
            bare = bare_fdatasync(path.parent, commits)
    finally:
        conn.set_trace_callback(None)
        journal.close()
    return {
        "commits": commits, "pace_per_s": pace,
        "commit_p50_ms": ms(percentile(walls, 0.5)), "commit_p99_ms": ms(percentile(walls, 0.99)),
        "commit_cpu_p50_ms": ms(percentile(cpus, 0.5)), "commit_cpu_p99_ms": ms(percentile(cpus, 0.99)),
        "bare_fdatasync_p50_ms": ms(percentile(bare, 0.5)), "bare_fdatasync_p99_ms": ms(percentile(bare, 0.99)),
        "wal_pages_per_commit": percentile(commit_pages, 0.5),
        "wal_pages_per_ack": percentile(ack_pages, 0.5),
        "statements_per_commit": percentile(per_commit, 0.5),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.journal_commit", description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1_000)
    parser.add_argument("--pace", type=float, default=30.0, help="commits a second (0: back to back)")
    parser.add_argument("--prefill", type=int, default=0, help="orders in the journal first (bench.history's)")
    parser.add_argument("--journal", type=Path, help="copy this journal instead of building one (--prefill)")
    args = parser.parse_args(argv)
    speed = host_speed_ms()
    with tempfile.TemporaryDirectory(prefix="journal-commit-") as work:
        path = Path(work) / "journal.sqlite"
        if args.journal is not None:
            shutil.copyfile(args.journal, path)
        elif args.prefill:
            from bench.history import build_journal

            build_journal(path, args.prefill, args.prefill // 4)
        if path.exists():
            with closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        os.sync()
        figures = run(path, args.commits, args.pace)
    emit({"bench": "journal_commit", "prefill": args.prefill, **figures, "host_speed_ms": speed, **machine()})


if __name__ == "__main__":
    main()
