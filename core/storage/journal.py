"""SqliteJournal: the durable record of orders, their events, fills and the audit trail (stdlib sqlite3).

WAL with synchronous=FULL, so a committed transaction survives a crash or power loss: every order as
first created (the intent, journaled before it is sent), every intent to cancel or change it, every
fill and the audit trail. What the broker reports about an order (accepted, canceled, rejected, ...)
is committed without waiting for the disk (synchronous=NORMAL for that one transaction), and the
order manager defers those reports to the end of the event loop's turn, so the acknowledgements of
a burst of orders share one transaction (`record_event(defer=True)`, `write_deferred`; any other
write commits them first, in order). A crash of TradeTerm in that turn, or a power cut, can lose the
newest reports; reconciliation learns them again from the broker. That halves the disk flushes per
order. Orders sent together are inserted together (`record_orders`: one transaction, one flush), and so are
the fills a broker reports in one turn (`record_fills`, see services/fill_batch.py); an audit line may ride
in the next write's transaction (`record_audit(with_next_write=True)`: a confirmed override with its order).
A strategy's idempotency key is inserted in the transaction of the order it created (unique per
strategy), so a retry of the request after any crash finds that order (`find_intake`).
The write-ahead log is checkpointed by `write_deferred`, after the orders went out, never inside an
order's commit (SQLite's automatic checkpoint is off; CHECKPOINT_AT_THE_LATEST bounds the log). One process
at a time: an exclusive lock on `<file>.lock`. A file this code cannot safely use (not SQLite,
corrupt, written by a newer TradeTerm, another application's database) is refused, never modified.
SQLite's full integrity check runs at open, or after the first paint when the last session closed cleanly
(journal_integrity.py); one that fails then stops every write (`refuse_writes`).
Orders are restored by replaying their journaled events through `Order.apply`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Final

from core.domain import (
    AccountId,
    ClientOrderId,
    Fill,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderModified,
    OrderModifyRejected,
    OrderRejected,
    OrderTrailMoved,
    utc_now,
)
from core.domain.protection import HeldChild
from core.ports.journal import AuditEntry, DuplicateIntakeKey, IntakeKey, IntakeRecord, JournalError, JournalState
from core.ports.journal_restore import LiveJournal, OrderWindowEntry, PositionsCheckpoint
from core.storage import codec
from core.storage import journal_integrity as integrity
from core.storage import order_rows as order_sql
from core.storage.audit_rows import read_audit, read_latest_audit
from core.storage.fill_keys import stored_trade_id
from core.storage.held_rows import read_held, write_held
from core.storage.live_load import (
    read_checkpoint,
    read_fill_owners,
    read_live,
    read_order,
    read_order_window,
    write_checkpoint,
)
from core.storage.lockfile import LockHeld, ProcessLock
from core.storage.order_replay import ORDER_COLUMNS, replay_order
from core.storage.schema import inspect_existing, migrate

_log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 100
"""Transactions after which write_deferred checkpoints the write-ahead log (about 700 pages of orders)."""
CHECKPOINT_AT_THE_LATEST = 1_000
"""Transactions after which a commit checkpoints by itself, if nothing called write_deferred."""
_PRAGMAS: Final = frozenset({"journal_mode", "synchronous", "foreign_keys", "user_version", "application_id"})
_BROKER_REPORTS: Final = (OrderAccepted, OrderRejected, OrderCanceled, OrderExpired, OrderCancelRejected,
                          OrderModified, OrderModifyRejected, OrderTrailMoved)
"""Order events that only repeat what the broker says (it says them again on reconciliation): no disk flush."""
_INSERT_AUDIT: Final = "INSERT INTO audit (ts, actor, action, detail) VALUES (?, ?, ?, ?)"
_INSERT_FILL: Final = ("INSERT INTO fills (account_id, trade_id, client_order_id, fill, ts) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (account_id, trade_id) DO NOTHING")


class SqliteJournal:
    """The Journal port over one SQLite file; every record_* method commits before it returns."""

    def __init__(self, path: str | os.PathLike[str], *, now: Callable[[], datetime] = utc_now) -> None:
        self.path = Path(path).expanduser().absolute()
        self._now = now
        self._mutex = threading.Lock()
        self._deferred: list[tuple[tuple[str | int | None, ...], str, tuple[str, str, str, str]]] = []
        """Broker reports kept for the next transaction: (order state, client order id, event row)."""
        self._audits: list[tuple[str, str, str, str]] = []
        """Audit lines kept for the next transaction (record_audit with_next_write), which flushes the disk."""
        self._commits = 0
        """Transactions since the last checkpoint of the write-ahead log."""
        self._refused: str | None = None
        """Why nothing more may be written (the check after the first paint found the file damaged)."""
        self._check = integrity.BackgroundCheck(self.path)
        self.open_check = integrity.OpenCheck(True, "a new journal")
        """Whether SQLite's full check ran at open; if not, `verify` runs it (after the first paint)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(
                f"Cannot create the folder {self.path.parent} for the journal {self.path} ({exc.strerror}). "
                "Choose a writable folder with --data-dir."
            ) from None
        self._lock = self._take_lock()
        try:
            if self.path.exists():
                self.open_check = inspect_existing(self.path, self._now())
            self._conn: sqlite3.Connection | None = self._connect()
        except BaseException:
            self._lock.release()
            raise

    def _take_lock(self) -> ProcessLock:
        try:
            return ProcessLock(self.path)
        except LockHeld:
            raise JournalError(
                f"The journal {self.path} is already open in another TradeTerm. "
                "Close the other window first, or start this one with a different --data-dir."
            ) from None
        except OSError as exc:
            raise JournalError(
                f"Cannot write in {self.path.parent} ({exc.strerror}), so the journal {self.path} cannot be "
                "opened. Choose a writable folder with --data-dir."
            ) from None

    def _connect(self) -> sqlite3.Connection:
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise JournalError(
                f"The journal {self.path} is read-only. Make it writable, or choose another --data-dir."
            )
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._unwritable(exc) from None
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise JournalError(
                    f"The journal {self.path} cannot use write-ahead logging (the file system gave '{mode}'). "
                    "Choose a --data-dir on a local disk."
                )
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints run in write_deferred, not in an order's commit
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, lambda conn: integrity.note_open(conn, self.open_check, self._now()))
        except sqlite3.Error as exc:
            conn.close()
            raise self._unwritable(exc) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _unwritable(self, exc: sqlite3.Error) -> JournalError:
        return JournalError(
            f"Cannot open the journal {self.path} for writing ({exc}). "
            "Check the file's permissions and free disk space, or choose another --data-dir."
        )

    # --- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Write what is deferred, note a clean close, close the database and release the lock; twice is harmless.

        A journal that refuses writes is closed without a checkpoint: the database file stays as it was found.
        """
        self._check.close()
        if self._conn is not None:
            self.write_deferred()
        with self._mutex:
            if self._conn is not None:
                integrity.close_writer(self._conn, self.path, self._now(), refusing=self._refused is not None)
                self._conn = None
            self._lock.release()

    def verify(self) -> str | None:
        """Run the full check on a connection of its own (from a worker thread); None if sound, else the message."""
        damage = self._check.run()
        return None if damage is None else integrity.damaged_message(self.path, damage)

    def record_verified(self) -> None:
        """Note in the meta that the full check after the first paint passed (and when)."""
        with self._write("the integrity check's time") as conn:
            integrity.note_full_check(conn, self._now(), integrity.AFTER_FIRST_PAINT)

    def refuse_writes(self, why: str) -> None:
        """Write nothing more to the journal: every write raises JournalError(why); deferred reports are dropped."""
        with self._mutex:
            self._refused = why
            dropped, self._deferred[:] = len(self._deferred), []
        _log.error("journal %s: refusing every write (%d deferred broker report(s) dropped): %s", self.path,
                   dropped, why)

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def pragma(self, name: str) -> str | int:
        """Return the value of one of the journal connection's durability pragmas (for checks and tests)."""
        if name not in _PRAGMAS:
            raise ValueError(f"pragma {name!r} is not one of {sorted(_PRAGMAS)}")
        with self._read() as conn:
            value: str | int = conn.execute(f"PRAGMA {name}").fetchone()[0]
            return value

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            if self._conn is None:
                raise JournalError(f"The journal {self.path} is closed.")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise JournalError(f"Cannot read the journal {self.path}: {exc}.") from None

    @contextmanager
    def _write(self, what: str, flush: bool = True) -> Iterator[sqlite3.Connection]:
        """Run one write transaction; without `flush` its commit does not wait for the disk (see the module doc)."""
        with self._mutex:
            conn = self._conn
            if conn is None:
                raise JournalError(f"The journal {self.path} is closed; cannot record {what}.")
            if self._refused is not None:
                raise JournalError(f"{self._refused} ({what} was not recorded.)")
            audits = self._audits
            flush = flush or bool(audits)
            try:
                if not flush:
                    conn.execute("PRAGMA synchronous = NORMAL")
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        deferred = self._deferred
                        if deferred:
                            self._write_reports(conn, deferred)
                        if audits:
                            conn.executemany(_INSERT_AUDIT, audits)
                        yield conn
                        conn.execute("COMMIT")
                        if deferred:
                            del deferred[:]  # committed with this transaction
                        if audits:
                            del audits[:]
                        self._commits += 1
                        if self._commits >= CHECKPOINT_AT_THE_LATEST:
                            self._checkpoint(conn)
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                finally:
                    if not flush:
                        conn.execute("PRAGMA synchronous = FULL")
            except sqlite3.Error as exc:
                raise JournalError(
                    f"Cannot record {what} in the journal {self.path}: {exc}. Check free disk space."
                ) from None

    # --- writes ---------------------------------------------------------------------------------

    def record_order(self, order: Order) -> None:
        """Insert a new order, as first created, with the events it has so far; commit."""
        self.record_orders((order,))

    def record_orders(self, orders: Sequence[Order], keys: Mapping[ClientOrderId, IntakeKey] | None = None,
                      held: Sequence[HeldChild] = ()) -> None:
        """Insert new orders, as first created, with their events so far, in one transaction (one disk flush).

        keys: the strategy's idempotency key of each order that came with one, committed with it.
        held: held children to insert or update in the same transaction (a bracket's children with its entry;
        a child's TRIGGERED state with the order it sends).
        All or none: a ValueError (an order already journaled, or modified; DuplicateIntakeKey for a key
        another order holds) or JournalError records none.
        """
        key_rows = [(k.strategy, k.key, k.body_hash, coid) for coid, k in (keys or {}).items()]
        if any(coid not in {order.client_order_id for order in orders} for *_, coid in key_rows):
            raise ValueError("an idempotency key was given for an order not in the batch")
        rows = []
        for order in orders:
            if any(isinstance(event, OrderModified) for event in order.events):
                raise ValueError(f"{order.client_order_id}: record the order before it is modified")
            rows.append((order.client_order_id, order_sql.order_values(order),
                         [order_sql.event_values(order, event) for event in order.events]))
        what = f"order {orders[0].client_order_id}" if len(orders) == 1 else f"{len(orders)} orders"
        with self._write(what) as conn:
            before = conn.total_changes
            try:
                conn.executemany(order_sql.INSERT_ORDER, [values for _, values, _ in rows])
            except sqlite3.IntegrityError:  # the primary key: the first row not inserted is journaled already
                duplicate = rows[conn.total_changes - before][0]
                raise ValueError(f"order {duplicate} is already journaled") from None
            conn.executemany(order_sql.INSERT_EVENT, [event for _, _, events in rows for event in events])
            before = conn.total_changes
            try:
                if key_rows:  # an empty executemany still costs a statement look-up: most orders have no key
                    conn.executemany(order_sql.INSERT_KEY, key_rows)
            except sqlite3.IntegrityError:  # (strategy, key) is unique: the first row not inserted is taken
                strategy, key, body_hash, _ = key_rows[conn.total_changes - before]
                raise DuplicateIntakeKey(IntakeKey(strategy, key, body_hash)) from None
            if held:
                write_held(conn, held)

    def record_held(self, children: Sequence[HeldChild]) -> None:
        """Insert or update held children (armed, resized, cancelled) in one transaction."""
        if children:
            with self._write(f"{len(children)} held order(s)") as conn:
                write_held(conn, children)

    def load_held(self) -> list[HeldChild]:
        """Return every held child the journal keeps, oldest first."""
        with self._read() as conn:
            return read_held(conn)

    def adopt_intake_keys(self, records: Sequence[IntakeRecord]) -> int:
        """Journal idempotency keys an older TradeTerm kept beside the journal, each whose order is journaled.

        Keys already journaled (or of orders the journal does not hold) are left alone; return how many were new.
        """
        rows = [(r.key.strategy, r.key.key, r.key.body_hash, r.client_order_id, r.client_order_id) for r in records]
        if not rows:
            return 0
        with self._write(f"{len(rows)} idempotency key(s) of an older TradeTerm") as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO intake_keys (strategy, key, body_hash, client_order_id) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM orders WHERE client_order_id = ?)", rows)
            return conn.total_changes - before

    def find_intake(self, strategy: str, key: str) -> IntakeRecord | None:
        """Return the journaled idempotency key of the strategy and the order it created, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT body_hash, client_order_id FROM intake_keys WHERE strategy = ? AND key = ?", (strategy, key)
            ).fetchone()
        return None if row is None else IntakeRecord(IntakeKey(strategy, key, row[0]), ClientOrderId(row[1]))

    def record_event(self, order: Order, event: OrderEvent, *, defer: bool = False) -> None:
        """Append event and save the order's new state, in one transaction.

        defer: a report of the broker's (accepted, canceled, ...) is kept, in order, for the next
        transaction or `write_deferred`, so the reports of a burst of orders share one transaction.
        Other events are always committed at once.
        """
        values = order_sql.event_values(order, event)
        state = order_sql.state_values(order)
        flush = not isinstance(event, _BROKER_REPORTS)
        if defer and not flush:
            with self._mutex:
                self._deferred.append((state, order.client_order_id, values))
            return
        with self._write(f"{type(event).__name__} for order {order.client_order_id}", flush) as conn:
            if not order_sql.append_event(conn, state, order.client_order_id, values):
                raise ValueError(f"order {order.client_order_id} is not journaled; record_order it first")

    def record_events(self, changes: Sequence[tuple[Order, OrderEvent]]) -> None:
        """Append several order events, each with its order's state, in one transaction (one disk flush at most).

        All or none: a ValueError (an order not journaled) records none.
        """
        rows = [(order_sql.state_values(order), order.client_order_id, order_sql.event_values(order, event))
                for order, event in changes]
        flush = any(not isinstance(event, _BROKER_REPORTS) for _, event in changes)
        with self._write(f"{len(rows)} order event(s)", flush) as conn:
            for state, client_order_id, values in rows:
                if not order_sql.append_event(conn, state, client_order_id, values):
                    raise ValueError(f"order {client_order_id} is not journaled; record_order it first")

    def write_deferred(self) -> None:
        """Checkpoint the write-ahead log if it is due, then commit the deferred broker reports.

        Both run here, after the orders went out, never inside an order's commit. The reports commit without a
        disk flush, like every broker report. After a checkpoint the first write starts the log over, and SQLite
        flushes the new log's header before its first frame: the reports' write does that here, so the next
        order's commit flushes once, not twice (it did every CHECKPOINT_EVERY transactions: a click's p99).
        """
        if self._commits >= CHECKPOINT_EVERY:
            with self._mutex:
                if self._conn is not None and self._refused is None:
                    self._checkpoint(self._conn)
        if (self._deferred or self._audits) and self._refused is None:
            with self._write(f"{len(self._deferred)} broker report(s)", flush=False):
                pass

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Copy the log into the database (PASSIVE: it waits for nothing); the log then starts over."""
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:  # the log keeps everything; the next checkpoint tries again
            _log.warning("journal %s: checkpoint failed (%s); will retry", self.path, exc)
            return
        self._commits = 0

    def _write_reports(self, conn: sqlite3.Connection, reports: Sequence[
            tuple[tuple[str | int | None, ...], str, tuple[str, str, str, str]]]) -> None:
        updated = conn.executemany(order_sql.UPDATE_ORDER,
                                   [(*state, client_order_id) for state, client_order_id, _ in reports])
        if updated.rowcount == len(reports):  # every order is journaled (always, for orders the manager tracks)
            conn.executemany(order_sql.INSERT_EVENT, [values for _, _, values in reports])
            return
        for _, client_order_id, values in reports:  # find the reports of orders it does not hold; keep the others
            if conn.execute(order_sql.IS_JOURNALED, (client_order_id,)).fetchone() is None:
                _log.error("journal %s: a broker report for order %s, which it does not hold, was dropped",
                           self.path, client_order_id)
            else:
                conn.execute(order_sql.INSERT_EVENT, values)

    def has_fill(self, fill: Fill) -> bool:
        """Return True if this fill is journaled: its (account, trade id), of the same order (fill_keys.py)."""
        with self._read() as conn:
            return stored_trade_id(conn, fill) is None

    def record_fill(self, fill: Fill, order: Order | None = None, event: OrderEvent | None = None) -> bool:
        """Insert fill, and with it the order's fill event and new state, in one transaction.

        Return False (and change nothing) if it is already journaled (its trade id, of the same order: fill_keys.py).
        """
        text = codec.to_json(codec.encode_fill(fill))
        event_values = state = None
        if order is not None and event is not None:
            event_values, state = order_sql.event_values(order, event), order_sql.state_values(order)
        with self._write(f"fill {fill.trade_id}") as conn:
            key = stored_trade_id(conn, fill)
            if key is None:
                return False
            conn.execute(_INSERT_FILL, (fill.account_id, key, fill.client_order_id, text, order_sql.sort_ts(fill.ts)))
            if (order is not None and event_values is not None and state is not None
                    and not order_sql.append_event(conn, state, order.client_order_id, event_values)):
                raise ValueError(f"order {order.client_order_id} is not journaled; record_order it first")
            return True

    def record_fills(self, fills: Sequence[tuple[Fill, Order | None, OrderEvent | None]]) -> list[bool]:
        """Insert fills, each with its order's fill event and new state, in one transaction (one disk flush).

        As record_fill does for one, for each: True if inserted, False (its order event not written either)
        if its (account, trade id) is already journaled. All or none: a JournalError or ValueError records none.
        """
        rows = [(codec.to_json(codec.encode_fill(fill)), None if order is None or event is None else
                 (order_sql.state_values(order), order.client_order_id, order_sql.event_values(order, event)))
                for fill, order, event in fills]
        inserted: list[bool] = []
        with self._write(f"{len(rows)} fill(s)") as conn:
            for (fill, _, _), (text, change) in zip(fills, rows, strict=True):
                key = stored_trade_id(conn, fill)
                added = key is not None and conn.execute(_INSERT_FILL, (
                    fill.account_id, key, fill.client_order_id, text, order_sql.sort_ts(fill.ts))).rowcount == 1
                inserted.append(added)
                if added and change is not None and not order_sql.append_event(conn, *change):
                    raise ValueError(f"order {change[1]} is not journaled; record_order it first")
        return inserted

    def record_audit(self, actor: str, action: str, detail: str, *, with_next_write: bool = False) -> None:
        """Append one line to the audit trail: who did what.

        with_next_write: keep it for the next write transaction, which commits it with a disk flush: the
        override a person confirmed goes in the transaction of the order it lets out (a Flatten of 1,000
        positions on a held account paid a flush for each audit line, then one for each order).
        """
        row = (order_sql.sort_ts(self._now()), actor, action, detail)
        if with_next_write:
            with self._mutex:
                self._audits.append(row)
            return
        with self._write(f"audit entry {action!r}") as conn:
            conn.execute(_INSERT_AUDIT, row)

    def audit_entries(self, actions: Sequence[str], since: datetime | None = None) -> list[AuditEntry]:
        """Return every audit entry of these actions (written at or after since, if given), oldest first.

        With since, the read seeks the audit's time index: it costs the entries since then, not the history.
        """
        with self._read() as conn:
            return read_audit(conn, actions, None if since is None else order_sql.sort_ts(since))

    def latest_audit(self, action: str, detail_prefix: str = "") -> AuditEntry | None:
        """Return the newest audit entry of action whose detail starts with detail_prefix, or None."""
        with self._read() as conn:
            return read_latest_audit(conn, action, detail_prefix)

    # --- reads ----------------------------------------------------------------------------------

    def load(self) -> JournalState:
        """Return every order (rebuilt by replaying its events) and every fill, oldest first."""
        self.write_deferred()
        with self._read() as conn:
            conn.execute("BEGIN")
            try:
                order_rows = conn.execute(f"SELECT {ORDER_COLUMNS} FROM orders ORDER BY rowid").fetchall()
                event_rows = conn.execute(
                    "SELECT client_order_id, seq, event FROM order_events ORDER BY seq"
                ).fetchall()
                fill_rows = conn.execute("SELECT trade_id, fill FROM fills ORDER BY ts, rowid").fetchall()
            finally:
                conn.execute("COMMIT")
        events: dict[str, list[tuple[int, str]]] = {}
        for order_id, seq, text in event_rows:
            events.setdefault(order_id, []).append((seq, text))
        orders = tuple(self._replay(row, events.get(row[0], [])) for row in order_rows)
        fills = tuple(self._decode_fill(trade_id, text) for trade_id, text in fill_rows)
        return JournalState(orders=orders, fills=fills)

    def load_live(self, since: datetime, until: datetime, fills_after: int, orders_after: int) -> LiveJournal:
        """Return what a restart loads (see LiveJournal): live and recent orders, new fills; one read transaction."""
        self.write_deferred()
        with self._read() as conn:
            conn.execute("BEGIN")
            try:
                return read_live(conn, self._replay, self._decode_fill, since, until, fills_after, orders_after)
            finally:
                conn.execute("COMMIT")

    def load_order_window(self, since: datetime) -> tuple[OrderWindowEntry, ...]:
        """Return the orders the rolling order window counts, created since `since` (see the port), oldest first."""
        self.write_deferred()
        with self._read() as conn:
            return read_order_window(conn, since)

    def load_order(self, client_order_id: ClientOrderId) -> Order | None:
        """Return one journaled order rebuilt from its events, or None (an order in memory is asked of the manager:
        its deferred reports are not written here)."""
        with self._read() as conn:
            return read_order(conn, self._replay, client_order_id)

    def load_fill_owners(self) -> tuple[Order, ...]:
        """Return each order that has a fill, as first created (without its events): whose each fill is."""
        with self._read() as conn:
            return read_fill_owners(conn, self._replay)

    def journaled(self, client_order_ids: Sequence[ClientOrderId]) -> set[ClientOrderId]:
        """Return those of the ids whose orders the journal holds (one indexed look-up each)."""
        with self._read() as conn:
            found = conn.execute
            return {coid for coid in client_order_ids if found(order_sql.IS_JOURNALED, (coid,)).fetchone() is not None}

    def load_checkpoint(self) -> PositionsCheckpoint | None:
        """Return the positions checkpoint, or None (none yet; one this TradeTerm cannot read is logged, not used)."""
        try:
            with self._read() as conn:
                return read_checkpoint(conn)
        except JournalError as exc:
            _log.warning("journal %s: the positions checkpoint is not used (%s); every fill is read instead",
                         self.path, exc)
            return None

    def record_checkpoint(self, checkpoint: PositionsCheckpoint) -> None:
        """Replace the positions checkpoint in one transaction."""
        with self._write("the positions checkpoint") as conn:
            write_checkpoint(conn, checkpoint, order_sql.sort_ts(self._now()))

    def _replay(self, row: tuple[str, ...], events: list[tuple[int, str]]) -> Order:
        return replay_order(row, events, self._damaged)

    def _decode_fill(self, trade_id: str, text: str) -> Fill:
        try:
            return codec.decode_fill(codec.from_json(text))
        except JournalError as exc:
            raise self._damaged(f"fill {trade_id}", exc) from None

    def _damaged(self, where: str, exc: Exception) -> JournalError:
        return JournalError(
            f"The journal {self.path} has an entry this TradeTerm cannot read ({where}: {exc}). "
            "TradeTerm has not changed it; restore it from a backup or report the problem."
        )

    def watermark(self, account_id: AccountId) -> datetime | None:
        """Return the time of the newest journaled fill of the account, or None if it has none."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT trade_id, fill FROM fills WHERE account_id = ? ORDER BY ts DESC, rowid DESC LIMIT 1",
                (account_id,),
            ).fetchone()
        return None if row is None else self._decode_fill(row[0], row[1]).ts
