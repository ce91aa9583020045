"""Export the journal's history to CSV: orders, fills, the audit trail, and realized P&L per closed trade (FIFO).

A file is written whole or not at all: rows stream into a private temporary file beside the target,
which is renamed over it at the end (core.atomic_file.atomic_text_writer). A path that cannot be
written raises ExportError saying why, and leaves nothing behind; so does a cancelled export. Rows are
read a page at a time through the HistoryQueries port (the journal's read-only reader), oldest first.

Numbers are exact decimal text, times ISO 8601 in UTC. A text cell that a spreadsheet would run as a
formula (it starts with = + - @, a tab or a carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Final, TypeVar

from core.atomic_file import atomic_text_writer
from core.domain import Fill
from core.domain.fifo import ClosedTrade, closed_trades
from core.ports.history import (
    AuditFilter,
    Cursor,
    FillFilter,
    HistoryQueries,
    OrderFilter,
    OrderRow,
    Page,
    TimeRange,
)
from core.ports.journal import AuditEntry

T = TypeVar("T")
Progress = Callable[[int, int], None]
"""Called after each batch with (rows done, rows in all); raise ExportCancelled in it to stop."""
BATCH: Final = 2_000
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


class ExportKind(StrEnum):
    ORDERS = "orders"
    FILLS = "fills"
    AUDIT = "audit"
    PNL = "pnl"


class ExportError(Exception):
    """The export could not be written; the message names the file, says why and what to do. Nothing was written."""


class ExportCancelled(ExportError):
    """The trader stopped the export; nothing was written."""


ORDER_COLUMNS: Final = (
    "client_order_id", "account", "symbol", "side", "order_type", "orig_quantity", "quantity", "limit_price",
    "stop_price", "tif", "origin", "strategy", "status", "filled_qty", "avg_fill_price", "broker_order_id", "reason",
    "created_at", "updated_at", "fills", "approved", "kill_switch",
)
FILL_COLUMNS: Final = (
    "ts", "account", "trade_id", "client_order_id", "broker_order_id", "symbol", "side", "quantity", "price",
    "commission", "commission_currency",
)
AUDIT_COLUMNS: Final = ("seq", "ts", "actor", "action", "detail")
PNL_COLUMNS: Final = (
    "account", "symbol", "direction", "quantity", "opened_at", "closed_at", "open_price", "close_price", "multiplier",
    "currency", "gross_pnl", "commission", "commission_currency", "net_pnl", "open_trade_id", "close_trade_id",
)


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _time(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _text(value: str | None) -> str:
    """Return value safe to open in a spreadsheet: a would-be formula is prefixed with an apostrophe."""
    if not value:
        return ""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def order_cells(row: OrderRow) -> list[str]:
    return [
        _text(row.client_order_id), _text(row.account_id), _text(row.symbol), row.side.value, row.order_type,
        _num(row.orig_quantity), _num(row.quantity), _num(row.limit_price), _num(row.stop_price), row.tif,
        row.origin.value, _text(row.strategy_id), row.status.value, _num(row.filled_qty), _num(row.avg_fill_price),
        _text(row.broker_order_id), _text(row.reason), _time(row.created_at), _time(row.updated_at),
        str(row.fill_count), "yes" if row.approved else "", "yes" if row.kill_switch else "",
    ]


def fill_cells(fill: Fill) -> list[str]:
    return [
        _time(fill.ts), _text(fill.account_id), _text(fill.trade_id), _text(fill.client_order_id),
        _text(fill.broker_order_id), _text(fill.symbol), fill.side.value, _num(fill.quantity.value),
        _num(fill.price.value), _num(fill.commission.amount), fill.commission.currency,
    ]


def audit_cells(entry: AuditEntry) -> list[str]:
    return [str(entry.seq), _time(entry.ts), _text(entry.actor), _text(entry.action), _text(entry.detail)]


def pnl_cells(trade: ClosedTrade) -> list[str]:
    return [
        _text(trade.account_id), _text(trade.symbol), trade.direction, _num(trade.quantity), _time(trade.opened_at),
        _time(trade.closed_at), _num(trade.open_price), _num(trade.close_price), _num(trade.multiplier),
        trade.currency, _num(trade.gross_pnl), _num(trade.commission), trade.commission_currency,
        _num(trade.net_pnl), _text(trade.open_trade_id), _text(trade.close_trade_id),
    ]


def _paged(fetch: Callable[[Cursor | None], Page[T]]) -> Iterator[Sequence[T]]:
    cursor: Cursor | None = None
    while True:
        page = fetch(cursor)
        yield page.rows
        if page.next is None:
            return
        cursor = page.next


def _write(path: Path, header: Sequence[str], batches: Iterable[Sequence[Sequence[str]]], total: int,
           progress: Progress | None) -> int:
    """Write header and the batches' rows to path atomically; return the rows written."""
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(f"Cannot export to {path}: the folder {folder} does not exist. Choose an existing folder.")
    if path.is_dir():
        raise ExportError(f"Cannot export to {path}: it is a folder. Choose a file name.")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"Cannot export to {path}: the folder {folder} is not writable. Choose another folder.")
    done = 0
    try:
        with atomic_text_writer(path) as file:
            writer = csv.writer(file)
            writer.writerow(header)
            if progress is not None:
                progress(0, total)
            for rows in batches:
                writer.writerows(rows)
                done += len(rows)
                if progress is not None:
                    progress(done, max(total, done))
    except OSError as exc:
        raise ExportError(f"Cannot export to {path}: {exc.strerror or exc}. Nothing was written; choose another "
                          "file or free some disk space.") from None
    return done


def export_orders(reader: HistoryQueries, where: OrderFilter, path: str | os.PathLike[str],
                  progress: Progress | None = None) -> int:
    """Write the orders matching where, oldest first, to a CSV file at path; return how many."""
    total = reader.count_orders(where)
    pages = _paged(lambda after: reader.orders_page(where, after, BATCH, newest_first=False))
    return _write(Path(path), ORDER_COLUMNS, ([order_cells(r) for r in rows] for rows in pages), total, progress)


def export_fills(reader: HistoryQueries, where: FillFilter, path: str | os.PathLike[str],
                 progress: Progress | None = None) -> int:
    """Write the fills matching where, oldest first, to a CSV file at path; return how many."""
    total = reader.count_fills(where)
    pages = _paged(lambda after: reader.fills_page(where, after, BATCH, newest_first=False))
    return _write(Path(path), FILL_COLUMNS, ([fill_cells(f) for f in rows] for rows in pages), total, progress)


def export_audit(reader: HistoryQueries, where: AuditFilter, path: str | os.PathLike[str],
                 progress: Progress | None = None) -> int:
    """Write the audit entries matching where, oldest first, to a CSV file at path; return how many."""
    total = reader.count_audit(where)
    pages = _paged(lambda after: reader.audit_page(where, after, BATCH, newest_first=False))
    return _write(Path(path), AUDIT_COLUMNS, ([audit_cells(e) for e in rows] for rows in pages), total, progress)


def realized_trades(reader: HistoryQueries, span: TimeRange, account: str | None = None,
                    progress: Progress | None = None) -> Iterator[list[ClosedTrade]]:
    """Yield, a batch at a time, the FIFO trades closed in span (lots opened before it count, as they must)."""
    total = reader.count_fills(FillFilter(account=account, range=TimeRange(None, span.end)))
    done = 0

    def priced() -> Iterator[tuple[Fill, Decimal, str]]:
        nonlocal done
        for rows in _paged(lambda after: reader.priced_fills(account, span.end, after, BATCH)):
            yield from ((p.fill, p.multiplier, p.currency) for p in rows)
            done += len(rows)
            if progress is not None:
                progress(done, max(total, done))

    batch: list[ClosedTrade] = []
    for trade in closed_trades(priced()):
        if span.start is None or trade.closed_at >= span.start:
            batch.append(trade)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    yield batch


def export_pnl(reader: HistoryQueries, span: TimeRange, path: str | os.PathLike[str], account: str | None = None,
               progress: Progress | None = None) -> int:
    """Write the realized P&L of each trade closed in span (FIFO) to a CSV file at path; return how many trades."""
    batches = ([pnl_cells(t) for t in trades] for trades in realized_trades(reader, span, account, progress))
    return _write(Path(path), PNL_COLUMNS, batches, 0, None)


def export(reader: HistoryQueries, what: ExportKind, span: TimeRange, path: str | os.PathLike[str],
           account: str | None = None, progress: Progress | None = None) -> int:
    """Write one kind of history of span (and account) to a CSV file at path; return the rows written."""
    if what is ExportKind.ORDERS:
        return export_orders(reader, OrderFilter(account=account, range=span), path, progress)
    if what is ExportKind.FILLS:
        return export_fills(reader, FillFilter(account=account, range=span), path, progress)
    if what is ExportKind.AUDIT:
        return export_audit(reader, AuditFilter(range=span), path, progress)
    return export_pnl(reader, span, path, account, progress)
