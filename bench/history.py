"""History at scale: a journal of a million orders, and how long the history view takes to show a page.

`python -m bench.history` writes a journal of N orders (two events each), F fills and some audit
entries straight into the tables of a fresh TradeTerm journal (the journal's own writer would take
an hour for a million orders; its schema, migrations and indexes are the real ones), then measures,
each figure on one JSON line:

- view_first_page: the history window opened through its controller (reader opened, first page read
  in the worker thread and shown in the table), as the trader clicks History;
- first_page: a fresh reader's first page of orders, newest first;
- next_page: each following page (p50 and max over --pages pages);
- filter:<name>: the first page under each filter (account, symbol, status, strategy, one day, last
  30 days, text search) and under two at once;
- fills_first_page and commission_totals: the fills tab (the totals scan every matching fill);
- export_orders_per_s: the orders CSV export's throughput over the last 30 days.
The target for every page figure is under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import emit, host_speed_ms, machine, ms, percentile

ACCOUNTS = ("IB-U1234567", "KITE-AB1234", "PAPER-1", "PAPER-2")
STRATEGIES = ("momo", "meanrev", "pairs", "breakout", "carry")
STATUSES = (("FILLED", 50), ("CANCELED", 30), ("EXPIRED", 8), ("REJECTED", 3), ("DENIED", 2), ("ACCEPTED", 4),
            ("PARTIALLY_FILLED", 3))
END = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
SPAN_DAYS = 365


def _rows(count: int, symbols: list[str], instruments: dict[str, str]) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(7)
    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    start = END - timedelta(days=SPAN_DAYS)
    step = timedelta(days=SPAN_DAYS) / count
    for index in range(count):
        created = start + step * index
        symbol = rng.choice(symbols)
        status = rng.choice(statuses)
        strategy = rng.choice(STRATEGIES) if rng.random() < 0.2 else None
        quantity = str(rng.randint(1, 50) * 10)
        filled = quantity if status == "FILLED" else ("0" if status != "PARTIALLY_FILLED" else "5")
        price = f"{rng.randint(1000, 90000) / 100:.2f}"
        reason = {"REJECTED": "Order rejected by the broker: insufficient margin",
                  "DENIED": "Price outside the collar"}.get(status, "")
        yield (f"C{index:08d}", rng.choice(ACCOUNTS), symbol, instruments[symbol], rng.choice(("BUY", "SELL")),
               quantity, "LMT", price, None, "DAY", "STRATEGY" if strategy else "MANUAL", strategy,
               created.isoformat(), status, quantity, price, None, filled,
               price if filled != "0" else None, f"B{index}", reason, 0)


def build_journal(path: Path, orders: int, fills: int) -> float:
    """Write a journal of orders (with two events each), fills and audit entries at path; return the seconds."""
    from core.domain import Instrument
    from core.storage import SqliteJournal
    from core.storage.codec import encode_instrument, to_json

    started = time.perf_counter()
    SqliteJournal(path).close()  # the real schema, migrations and indexes
    symbols = [f"S{n:03d}" for n in range(500)]
    instruments = {s: to_json(encode_instrument(Instrument(s, "SMART", "USD", Decimal("0.01")))) for s in symbols}
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO orders (client_order_id, account_id, symbol, instrument, side, orig_quantity, order_type, "
            "orig_limit_price, orig_stop_price, tif, origin, strategy_id, created_at, status, quantity, limit_price, "
            "stop_price, filled_qty, avg_fill_price, broker_order_id, reason, needs_reconciliation) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _rows(orders, symbols, instruments))
        conn.execute(
            "INSERT INTO order_events (client_order_id, type, event, ts) "
            "SELECT client_order_id, 'OrderSubmitted', '{}', created_utc || 'Z' FROM orders ORDER BY rowid")
        conn.execute(
            "INSERT INTO order_events (client_order_id, type, event, ts) "
            "SELECT client_order_id, CASE status WHEN 'FILLED' THEN 'OrderFilled' WHEN 'CANCELED' THEN 'OrderCanceled' "
            "ELSE 'OrderAccepted' END, '{}', created_utc || 'Z' FROM orders ORDER BY rowid")
        conn.executemany(
            "INSERT INTO fills (account_id, trade_id, client_order_id, fill, ts) VALUES (?, ?, ?, ?, ?)",
            _fills(fills, orders))
        conn.executemany("INSERT INTO audit (ts, actor, action, detail) VALUES (?, ?, ?, ?)",
                         ((f"{(END - timedelta(hours=h)).replace(tzinfo=None).isoformat()}.000000Z", "trader",
                           ("kill_switch", "resume", "approve", "accept broker state")[h % 4], f"entry {h}")
                          for h in range(5_000)))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def _fills(count: int, orders: int) -> Iterator[tuple[str, ...]]:
    from core.domain import AccountId, ClientOrderId, Fill, Money, Price, Quantity, Side, TradeId
    from core.storage.codec import encode_fill, to_json

    rng = random.Random(11)
    start = END - timedelta(days=SPAN_DAYS)
    step = timedelta(days=SPAN_DAYS) / max(count, 1)
    for index in range(count):
        ts = start + step * index
        order = f"C{min(orders - 1, index * max(orders // max(count, 1), 1)):08d}"
        account = ACCOUNTS[index % len(ACCOUNTS)]
        fill = Fill(TradeId(f"T{index:08d}"), ClientOrderId(order), AccountId(account), f"S{index % 500:03d}",
                    rng.choice((Side.BUY, Side.SELL)), Quantity(Decimal(rng.randint(1, 50) * 10)),
                    Price(Decimal(rng.randint(1000, 90000)) / 100), Money(Decimal("1.25"), "USD"), ts=ts)
        yield account, fill.trade_id, order, to_json(encode_fill(fill)), \
            ts.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def measure(path: Path, fills: int, pages: int, base: dict[str, object]) -> None:
    from core.domain import OrderStatus
    from core.ports.history import FillFilter, OrderFilter, TimeRange
    from core.services.history_export import export_orders
    from core.storage.history_queries import HistoryReader

    def figure(name: str, seconds: float, **extra: object) -> None:
        emit({**base, "figure": name, "ms": ms(seconds), "under_1s": seconds < 1.0, **extra})

    clock = time.perf_counter
    started = clock()
    with HistoryReader(path) as reader:
        page = reader.orders_page()
        figure("first_page", clock() - started, rows=len(page.rows))
        times = []
        for _ in range(pages):
            if page.next is None:
                break
            started = clock()
            page = reader.orders_page(after=page.next)
            times.append(clock() - started)
        emit({**base, "figure": "next_page", "pages": len(times), "p50_ms": ms(percentile(times, 0.5)),
              "max_ms": ms(max(times, default=0.0)), "under_1s": max(times, default=0.0) < 1.0})
        day = END - timedelta(days=100)
        filters = {
            "account": OrderFilter(account="PAPER-2"),
            "symbol": OrderFilter(symbol="S123"),
            "status_rejected": OrderFilter(statuses=(OrderStatus.REJECTED,)),
            "strategy": OrderFilter(strategy="pairs"),
            "one_day": OrderFilter(range=TimeRange(day, day + timedelta(days=1))),
            "last_30_days": OrderFilter(range=TimeRange(END - timedelta(days=30), None)),
            "account_and_symbol": OrderFilter(account="IB-U1234567", symbol="S042"),
            "account_status_30_days": OrderFilter(account="PAPER-1", statuses=(OrderStatus.CANCELED,),
                                                  range=TimeRange(END - timedelta(days=30), None)),
            "text_search": OrderFilter(text="C00123"),
            "text_search_no_match": OrderFilter(text="no-such-text"),
        }
        for name, where in filters.items():
            started = clock()
            page = reader.orders_page(where)
            took = clock() - started
            started = clock()
            following = reader.orders_page(where, page.next) if page.next is not None else None
            figure(f"filter:{name}", took, rows=len(page.rows),
                   next_page_ms=ms(clock() - started) if following is not None else None)
        started = clock()
        fills_page = reader.fills_page()
        figure("fills_first_page", clock() - started, fills=fills, rows=len(fills_page.rows))
        started = clock()
        totals = reader.commission_totals(FillFilter(range=TimeRange(END - timedelta(days=30), None)))
        figure("commission_totals_30_days", clock() - started, fills=fills, rows=len(totals))
        with tempfile.TemporaryDirectory() as out:
            started = clock()
            written = export_orders(reader, OrderFilter(range=TimeRange(END - timedelta(days=30), None)),
                                    Path(out) / "orders.csv")
            took = clock() - started
            emit({**base, "figure": "export_orders_30_days", "rows": written, "ms": ms(took),
                  "rows_per_s": round(written / took) if took else None})
    view_first_page(path, base)


def view_first_page(path: Path, base: dict[str, object]) -> None:
    """Open the history window through its controller, as the History action does; time until the page shows."""
    from PySide6.QtWidgets import QApplication, QWidget

    from core.services.bus import EventBus
    from core.services.session import TradingSession
    from core.storage import SqliteJournal
    from core.storage.history_queries import open_history
    from gui.async_op import OpReporter
    from gui.controllers.history import HistoryController
    from gui.event_loop import EventLoop

    app = QApplication.instance() or QApplication([])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)

    async def run() -> float:
        with tempfile.TemporaryDirectory() as other, SqliteJournal(Path(other) / "j.sqlite") as journal:
            session = TradingSession(EventBus(), journal)
            parent = QWidget()
            controller = HistoryController(parent, session, OpReporter(parent), lambda: open_history(path),
                                           lambda *_: None)
            started = time.perf_counter()
            view = controller.open()
            assert controller.loaded is not None
            await controller.loaded
            app.processEvents()
            took = time.perf_counter() - started
            assert view.orders_model.rowCount() > 0
            view.close()
            await controller.close()
            return took

    with loop:
        took = loop.run_until_complete(run())
    emit({**base, "figure": "view_first_page", "ms": ms(took), "under_1s": took < 1.0})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--fills", type=int, default=200_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--keep", metavar="DIR", help="write (or reuse) the journal in DIR instead of a temp folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"history-{args.orders}-{args.fills}.sqlite"
        base: dict[str, object] = {"bench": "history", "orders": args.orders, "host_speed_ms": host_speed_ms(),
                                   **machine()}
        if not path.exists():
            built = build_journal(path, args.orders, args.fills)
            emit({**base, "figure": "build_journal", "ms": ms(built), "fills": args.fills,
                  "mb": round(path.stat().st_size / 1e6, 1)})
        measure(path, args.fills, args.pages, base)


if __name__ == "__main__":
    main()
