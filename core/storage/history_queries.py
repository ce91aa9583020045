"""HistoryReader: the journal's past, read page by page on a read-only connection of its own.

Orders of any day (status, times, fills, the reason for a rejection or denial, origin), fills across
days with commission totals per day and account, and the audit trail. Every list is paged with a
keyset (the last row's sort key, never an OFFSET), newest first, on the indexes of schema version 3,
so the first page of a million orders costs what the first page of ten does.

The reader never writes and takes no lock on the journal: SQLite's write-ahead log lets it read while
the journal's writer commits, and a read never waits for, nor delays, an order's commit. Its methods
block (file I/O): call them off the GUI thread (asyncio.to_thread); one lock serializes them, so a
reader may be shared by the history window and an export running at once.
"""

from __future__ import annotations

import sqlite3
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from core.domain import Fill, OrderOrigin, OrderStatus, Side
from core.ports.history import (
    ALL_AUDIT,
    ALL_FILLS,
    ALL_ORDERS,
    PAGE_SIZE,
    AuditFilter,
    CommissionTotal,
    Cursor,
    FillFilter,
    HistoryQueries,
    OrderFilter,
    OrderRow,
    Page,
    PricedFill,
    TimeRange,
)
from core.ports.journal import AuditEntry, JournalError
from core.storage import codec
from core.storage.schema import SCHEMA_VERSION

KILL_SWITCH_ACTION: Final = "kill_switch"
"""The kill switch's audit action (standing_holds.KILL_SWITCH_AUDIT, which storage cannot import)."""
KILL_SWITCH_WINDOW: Final = timedelta(seconds=60)
"""A cancel asked this soon after the kill switch was pulled is one of its cancels (it journals them at once)."""
_CREATED_EXPR: Final = "strftime('%Y-%m-%dT%H:%M:%f', created_at)"
"""The sort key of an order in a journal older than format 3, which has no created_utc column (no index)."""


def order_key(value: datetime) -> str:
    """Return value as the text of an order's created_utc (UTC, milliseconds)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"


def journal_ts(value: datetime) -> str:
    """Return value as the text of a fill's or audit entry's ts (UTC, microseconds, Z)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


def _soon_after(pulls: list[datetime], moment: datetime) -> bool:
    """Return True if moment is within KILL_SWITCH_WINDOW after one of the (sorted) kill switch pulls."""
    index = bisect_right(pulls, moment)
    return index > 0 and moment - pulls[index - 1] <= KILL_SWITCH_WINDOW


def _key_time(key: str) -> datetime:
    """Return the instant of an order's sort key (created_utc text)."""
    return datetime.fromisoformat(key).replace(tzinfo=UTC)


def _within(period: TimeRange, column: str, key: Callable[[datetime], object],
            clauses: list[str], params: list[object]) -> None:
    """Add the conditions that keep column (stored as key(datetime)) inside period."""
    for bound, op in ((period.start, ">="), (period.end, "<")):
        if bound is not None:
            clauses.append(f"{column} {op} ?")
            params.append(key(bound))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_ORDER_SELECT: Final = (
    "{o}rowid, {key}, {o}client_order_id, {o}account_id, {o}symbol, {o}side, {o}order_type, {o}orig_quantity, "
    "{o}quantity, {o}limit_price, {o}stop_price, {o}tif, {o}origin, {o}strategy_id, {o}status, {o}filled_qty, "
    "{o}avg_fill_price, {o}broker_order_id, {o}reason, {o}created_at"
)
SEARCH_SCAN: Final = 100_000
"""Orders a page of a text search looks at, at most (0.2-0.4 s on the 2-core benchmark VM)."""
_DISTINCT_ACCOUNTS: Final = (
    "WITH RECURSIVE a(x) AS (SELECT min(account_id) FROM {table} UNION ALL "
    "SELECT (SELECT min(account_id) FROM {table} WHERE account_id > x) FROM a WHERE x IS NOT NULL) "
    "SELECT x FROM a WHERE x IS NOT NULL"
)
"""Every account of a table, one index seek each (DISTINCT would read the whole index)."""


class HistoryReader:
    """Read orders, fills and the audit trail of one journal file, read-only; close() when done."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser().absolute()
        if not self.path.is_file():
            raise JournalError(f"There is no journal at {self.path}: nothing has been traded from this folder yet.")
        try:
            self._conn = sqlite3.connect(self.path.as_uri() + "?mode=ro", uri=True, check_same_thread=False)
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise JournalError(f"Cannot read the journal {self.path}: {exc}.") from None
        if version > SCHEMA_VERSION:
            self._conn.close()
            raise JournalError(f"The journal {self.path} was written by a newer TradeTerm (format {version}); "
                               "use that TradeTerm to read its history.")
        self._key = "created_utc" if version >= 3 else _CREATED_EXPR
        self._mutex = threading.Lock()
        self._closed = False

    def close(self) -> None:
        with self._mutex:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> HistoryReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """Hold the reader for one read transaction (a consistent view of the journal)."""
        with self._mutex:
            if self._closed:
                raise JournalError(f"The history of {self.path} is closed.")
            try:
                self._conn.execute("BEGIN")
                try:
                    yield self._conn
                finally:
                    self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise JournalError(f"Cannot read the journal {self.path}: {exc}.") from None

    # --- orders ---------------------------------------------------------------------------------

    def _order_where(self, where: OrderFilter) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        for column, value in (("account_id", where.account), ("symbol", where.symbol),
                              ("strategy_id", where.strategy)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if where.statuses:
            clauses.append(f"status IN ({', '.join('?' * len(where.statuses))})")
            params.extend(s.value for s in where.statuses)
        _within(where.range, self._key, order_key, clauses, params)
        return clauses, params

    @staticmethod
    def _order_text(where: OrderFilter, table: str) -> tuple[str | None, list[object]]:
        """Return the free-text condition on table's columns (None without text) and its parameters."""
        if not where.text.strip():
            return None, []
        columns = ("client_order_id", "symbol", "reason", "broker_order_id", "strategy_id")
        return ("(" + " OR ".join(f"{table}.{c} LIKE ? ESCAPE '\\'" for c in columns) + ")",
                [_like(where.text.strip())] * len(columns))

    def orders_page(self, where: OrderFilter = ALL_ORDERS, after: Cursor | None = None,
                    limit: int = PAGE_SIZE, newest_first: bool = True) -> Page[OrderRow]:
        """Return up to limit orders matching where, after the cursor, newest first (or oldest first).

        A text search cannot use an index: each page looks at SEARCH_SCAN orders at most (those the other
        filters pass, from the cursor on). A page that stopped there has fewer rows than limit, its `next`
        continues the search from where it stopped, and `searched_to` says when that order was created.
        """
        clauses, params = self._order_where(where)
        order = "DESC" if newest_first else "ASC"
        if after is not None:
            clauses.append(f"({self._key}, rowid) {'<' if newest_first else '>'} (?, ?)")
            params += [after.key, after.rowid]
        filters = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        by_key = f"ORDER BY {self._key} {order}, rowid {order}"
        text, text_params = self._order_text(where, "o")
        if text is None:
            sql = f"SELECT {_ORDER_SELECT.format(o='', key=self._key)} FROM orders {filters} {by_key} LIMIT ?"
            args: list[object] = [*params, limit + 1]
        else:
            sql = (f"SELECT {_ORDER_SELECT.format(o='o.', key='s.k')} FROM (SELECT rowid AS r, {self._key} AS k "
                   f"FROM orders {filters} {by_key} LIMIT ?) AS s CROSS JOIN orders o ON o.rowid = s.r "
                   f"WHERE {text} ORDER BY s.k {order}, s.r {order} LIMIT ?")
            args = [*params, SEARCH_SCAN, *text_params, limit + 1]
        searched: Cursor | None = None
        with self._read() as conn:
            rows = conn.execute(sql, args).fetchall()
            more = len(rows) > limit
            rows = rows[:limit]
            if text is not None and not more:  # did the search stop at its budget, before the end?
                last = conn.execute(f"SELECT {self._key}, rowid FROM orders {filters} {by_key} LIMIT 1 OFFSET ?",
                                    (*params, SEARCH_SCAN - 1)).fetchone()
                searched = None if last is None else Cursor(last[0], last[1])
            events = self._events_of(conn, [r[2] for r in rows])
            kills = [_parse_ts(t) for (t,) in conn.execute(
                "SELECT ts FROM audit WHERE action = ? ORDER BY ts", (KILL_SWITCH_ACTION,)).fetchall()] if rows else []
        result = tuple(self._order_row(r, events.get(r[2], []), kills) for r in rows)
        if more:
            return Page(result, Cursor(rows[-1][1], rows[-1][0]))
        if searched is not None:
            return Page(result, searched, _key_time(searched.key))
        return Page(result, None)

    def count_orders(self, where: OrderFilter = ALL_ORDERS) -> int:
        clauses, params = self._order_where(where)
        text, text_params = self._order_text(where, "orders")
        if text is not None:
            clauses.append(text)
            params += text_params
        with self._read() as conn:
            count: int = conn.execute(
                f"SELECT count(*) FROM orders {'WHERE ' + ' AND '.join(clauses) if clauses else ''}", params
            ).fetchone()[0]
        return count

    @staticmethod
    def _events_of(conn: sqlite3.Connection, order_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {}
        if not order_ids:
            return found
        marks = ", ".join("?" * len(order_ids))
        for order_id, kind, ts in conn.execute(
                f"SELECT client_order_id, type, ts FROM order_events WHERE client_order_id IN ({marks}) ORDER BY seq",
                list(order_ids)):
            found.setdefault(order_id, []).append((kind, ts))
        return found

    def _order_row(self, row: tuple[Any, ...], events: list[tuple[str, str]], kills: list[datetime]) -> OrderRow:
        (_rowid, _key, coid, account, symbol, side, order_type, orig_qty, qty, limit, stop, tif, origin, strategy,
         status, filled, avg, broker_id, reason, created) = row
        kinds = [kind for kind, _ in events]
        cancel_at = next((_parse_ts(ts) for kind, ts in events if kind == "OrderPendingCancel"), None)
        try:
            return OrderRow(
                client_order_id=str(coid), account_id=str(account), symbol=str(symbol), side=Side(side),
                order_type=str(order_type), orig_quantity=codec.decode_decimal(orig_qty, "quantity"),
                quantity=codec.decode_decimal(qty, "quantity"), limit_price=_opt(limit), stop_price=_opt(stop),
                tif=str(tif), origin=OrderOrigin(origin), strategy_id=None if strategy is None else str(strategy),
                status=OrderStatus(status), filled_qty=codec.decode_decimal(filled, "filled"), avg_fill_price=_opt(avg),
                broker_order_id=None if broker_id is None else str(broker_id), reason=str(reason),
                created_at=codec.decode_datetime(created, "created_at").astimezone(UTC),
                updated_at=_parse_ts(events[-1][1]) if events else None,
                fill_count=kinds.count("OrderFilled"),
                approved="OrderPendingApproval" in kinds and "OrderSubmitted" in kinds,
                kill_switch=cancel_at is not None and _soon_after(kills, cancel_at),
            )
        except ValueError as exc:
            raise JournalError(f"The journal {self.path} has an order this TradeTerm cannot read ({coid}: {exc}).") \
                from None

    # --- fills ----------------------------------------------------------------------------------

    def _fill_where(self, where: FillFilter) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if where.account:
            clauses.append("account_id = ?")
            params.append(where.account)
        if where.symbol:
            clauses.append("json_extract(fill, '$.symbol') = ?")
            params.append(where.symbol)
        _within(where.range, "ts", journal_ts, clauses, params)
        if where.text.strip():
            clauses.append("(trade_id LIKE ? ESCAPE '\\' OR client_order_id LIKE ? ESCAPE '\\')")
            params += [_like(where.text.strip())] * 2
        return clauses, params

    def fills_page(self, where: FillFilter = ALL_FILLS, after: Cursor | None = None, limit: int = PAGE_SIZE,
                   newest_first: bool = True) -> Page[Fill]:
        """Return up to limit fills matching where, after the cursor, newest first (or oldest first)."""
        clauses, params = self._fill_where(where)
        order = "DESC" if newest_first else "ASC"
        if after is not None:
            clauses.append(f"(ts, rowid) {'<' if newest_first else '>'} (?, ?)")
            params += [after.key, after.rowid]
        sql = (f"SELECT rowid, ts, trade_id, fill FROM fills {'WHERE ' + ' AND '.join(clauses) if clauses else ''} "
               f"ORDER BY ts {order}, rowid {order} LIMIT ?")
        with self._read() as conn:
            rows = conn.execute(sql, (*params, limit + 1)).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        fills = tuple(self._fill(trade_id, text) for _, _, trade_id, text in rows)
        return Page(fills, Cursor(rows[-1][1], rows[-1][0]) if more else None)

    def count_fills(self, where: FillFilter = ALL_FILLS) -> int:
        clauses, params = self._fill_where(where)
        with self._read() as conn:
            count: int = conn.execute(
                f"SELECT count(*) FROM fills {'WHERE ' + ' AND '.join(clauses) if clauses else ''}", params
            ).fetchone()[0]
        return count

    def _fill(self, trade_id: str, text: str) -> Fill:
        try:
            return codec.decode_fill(codec.from_json(text))
        except JournalError as exc:
            raise JournalError(f"The journal {self.path} has a fill this TradeTerm cannot read ({trade_id}: {exc}).") \
                from None

    def commission_totals(self, where: FillFilter = ALL_FILLS, tz: tzinfo | None = None) -> list[CommissionTotal]:
        """Return the commissions of the matching fills per (local) day, account and currency, oldest day first."""
        clauses, params = self._fill_where(where)
        sums: dict[tuple[date, str, str], tuple[Decimal, int]] = {}
        with self._read() as conn:
            for account, ts, amount, currency in conn.execute(
                    "SELECT account_id, ts, json_extract(fill, '$.commission.amount'), "
                    "json_extract(fill, '$.commission.currency') FROM fills "
                    f"{'WHERE ' + ' AND '.join(clauses) if clauses else ''}", params):
                day = _parse_ts(ts).astimezone(tz).date()
                key = (day, str(account), str(currency))
                total, count = sums.get(key, (Decimal(0), 0))
                sums[key] = (total + codec.decode_decimal(amount, "commission"), count + 1)
        return [CommissionTotal(day, account, currency, total, count)
                for (day, account, currency), (total, count) in sorted(sums.items())]

    def priced_fills(self, account: str | None = None, until: datetime | None = None,
                     after: Cursor | None = None, limit: int = 5_000) -> Page[PricedFill]:
        """Return fills oldest first (of one account or all, before until) with their instruments' multipliers."""
        clauses: list[str] = []
        params: list[object] = []
        if account:
            clauses.append("f.account_id = ?")
            params.append(account)
        if until is not None:
            clauses.append("f.ts < ?")
            params.append(journal_ts(until))
        if after is not None:
            clauses.append("(f.ts, f.rowid) > (?, ?)")
            params += [after.key, after.rowid]
        with self._read() as conn:
            rows = conn.execute(
                "SELECT f.rowid, f.ts, f.trade_id, f.fill, json_extract(o.instrument, '$.multiplier'), "
                "json_extract(o.instrument, '$.currency') "
                "FROM fills f LEFT JOIN orders o ON o.client_order_id = f.client_order_id "
                f"{'WHERE ' + ' AND '.join(clauses) if clauses else ''} ORDER BY f.ts, f.rowid LIMIT ?",
                (*params, limit + 1)).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        priced = []
        for _, _, trade_id, text, mult, currency in rows:
            fill = self._fill(trade_id, text)
            priced.append(PricedFill(fill, Decimal(1) if mult is None else codec.decode_decimal(mult, "multiplier"),
                                     fill.commission.currency if currency is None else str(currency)))
        return Page(tuple(priced), Cursor(rows[-1][1], rows[-1][0]) if more else None)

    # --- audit ----------------------------------------------------------------------------------

    def _audit_where(self, where: AuditFilter) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if where.actions:
            clauses.append(f"action IN ({', '.join('?' * len(where.actions))})")
            params.extend(where.actions)
        _within(where.range, "ts", journal_ts, clauses, params)
        if where.text.strip():
            clauses.append("(actor LIKE ? ESCAPE '\\' OR action LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\')")
            params += [_like(where.text.strip())] * 3
        return clauses, params

    def audit_page(self, where: AuditFilter = ALL_AUDIT, after: Cursor | None = None, limit: int = PAGE_SIZE,
                   newest_first: bool = True) -> Page[AuditEntry]:
        """Return up to limit audit entries matching where, after the cursor, newest first (or oldest first)."""
        clauses, params = self._audit_where(where)
        if after is not None:
            clauses.append(f"seq {'<' if newest_first else '>'} ?")
            params.append(after.rowid)
        order = "DESC" if newest_first else "ASC"
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT seq, ts, actor, action, detail FROM audit "
                f"{'WHERE ' + ' AND '.join(clauses) if clauses else ''} ORDER BY seq {order} LIMIT ?",
                (*params, limit + 1)).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        entries = tuple(AuditEntry(seq, _parse_ts(ts), actor, action, detail)
                        for seq, ts, actor, action, detail in rows)
        return Page(entries, Cursor(rows[-1][1], rows[-1][0]) if more else None)

    def count_audit(self, where: AuditFilter = ALL_AUDIT) -> int:
        clauses, params = self._audit_where(where)
        with self._read() as conn:
            count: int = conn.execute(
                f"SELECT count(*) FROM audit {'WHERE ' + ' AND '.join(clauses) if clauses else ''}", params
            ).fetchone()[0]
        return count

    def audit_actions(self) -> list[str]:
        """Return every action the audit trail holds, for a filter's choices."""
        with self._read() as conn:
            return [a for (a,) in conn.execute("SELECT DISTINCT action FROM audit ORDER BY action")]

    def accounts(self) -> list[str]:
        """Return every account the journal has orders or fills of."""
        with self._read() as conn:
            found = {a for (a,) in conn.execute(_DISTINCT_ACCOUNTS.format(table="orders"))}
            found |= {a for (a,) in conn.execute(_DISTINCT_ACCOUNTS.format(table="fills"))}
        return sorted(found)


def _opt(raw: object) -> Decimal | None:
    return None if raw is None else codec.decode_decimal(raw, "price")



def open_history(path: str | Path) -> HistoryQueries:
    """Open the HistoryQueries of the journal at path (a JournalError names the file if it cannot be read)."""
    return HistoryReader(path)
