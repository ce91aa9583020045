"""PaperStore: the paper account's books on disk, a snapshot plus an append-only log of the changes since.

Each change costs one short line (what changed, not the whole book); `sync` then makes every
line written so far durable with one fdatasync, so the paper broker stays as durable as a broker
(a change it reports after a sync survives a crash right after) at a cost that grows neither with
the number of orders nor, for a burst of changes, with their count. Loading reads the snapshot,
replays the log and compacts (a new snapshot, then a new empty log: durable at once); so does a
log past its bound.

Files: `<state_path>` (the snapshot, see state_file.py) and `<state_path>.log` (see state_log.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from core.adapters.paper.books import Books
from core.adapters.paper.matching import PaperOrder
from core.adapters.paper.state_change import ChangeRecorder, apply_change
from core.adapters.paper.state_file import VERSION, PaperState, encode_order, read_state, write_state
from core.adapters.paper.state_log import CorruptLog, LogWriter, read_log
from core.adapters.state_json import DECODE_ERRORS, encode_fill
from core.domain import AccountId, ClientOrderId, Instrument
from core.ports.errors import AccountStateError

MIN_LINES_BEFORE_COMPACTION = 10_000
LINES_PER_ITEM = 2
"""A log compacts past max(MIN_LINES_BEFORE_COMPACTION, LINES_PER_ITEM x (orders + fills)) lines:
each compaction then costs O(1) per change it absorbs."""


class PaperStore:
    """Keep a paper account's books at path: load them, record each change, sync, compact the log."""

    def __init__(self, path: str, account_id: AccountId, instruments: Mapping[str, Instrument]) -> None:
        self._path = path
        self._account_id = account_id
        self._instruments = instruments
        self._log = LogWriter(Path(path + ".log"))
        self._recorder: ChangeRecorder | None = None

    def load(self, books: Books) -> PaperState | None:
        """Read the snapshot into books and replay its log (None if there is no snapshot).

        Raise AccountStateError naming the file that cannot be used and what to do about it.
        """
        snapshot = read_state(self._path, self._account_id, self._instruments, books)
        if snapshot is None:
            return None
        state = snapshot.state
        orders = {order.client_order_id: order for order in state.orders}
        try:
            changes = read_log(self._log.path, snapshot.log_id, VERSION)
            for number, change in enumerate(changes, start=2):
                try:
                    apply_change(state, orders, change, self._instruments)
                except DECODE_ERRORS as error:
                    raise CorruptLog(number, str(error)) from error
        except (CorruptLog, OSError) as error:
            raise AccountStateError(
                f"The paper account's state log {self._log.path} cannot be used ({error}). Move it aside to go "
                f"back to the books as last saved in {self._path}, or move both files aside to start the paper "
                "account afresh."
            ) from error
        state.orders = list(orders.values())
        self._log.lines = len(changes)
        return state

    def compact(self, state: PaperState, changed: Collection[ClientOrderId] | None = None) -> None:
        """Write state as the new snapshot, then replace the log with an empty one that continues it.

        changed: the orders changed since the last save. The others, and the fills, are written as
        the snapshot or the log last wrote them, without encoding them again (at 4,300 orders that
        was 30 ms of a compaction's 55). None (a load, a save of the whole books) encodes everything.
        A crash between the snapshot and the new log leaves the old log, whose id the new snapshot
        does not carry: it is then ignored, as everything in it is in the snapshot.
        """
        recorder, self._recorder = self._recorder, None  # until the new log is in place, every save compacts
        known = recorder.orders if recorder is not None and changed is not None else {}
        fresh = frozenset(changed or ())
        orders = {order.client_order_id: (None if order.client_order_id in fresh else known.get(order.client_order_id))
                  or encode_order(order) for order in state.orders}
        written_fills = recorder.fills if recorder is not None and changed is not None else []
        fills = written_fills + [encode_fill(fill) for fill in state.books.fills[len(written_fills):]]
        log_id = uuid.uuid4().hex
        write_state(self._path, state, log_id, list(orders.values()), fills)
        self._log.start(log_id, VERSION)
        self._recorder = ChangeRecorder(state, orders, fills)

    def record(
        self,
        trading_day: date,
        books: Books,
        changed: Iterable[PaperOrder],
        order_count: int,
        mids: Mapping[str, Decimal],
        closes: Mapping[str, Decimal],
    ) -> bool:
        """Append what changed (changed: the orders that did) to the log; durable only after sync.

        Return False, writing nothing, when the whole books should be written instead (call
        compact): the log is past its bound, or the change cannot be a log line.
        """
        recorder = self._recorder
        bound = max(MIN_LINES_BEFORE_COMPACTION, LINES_PER_ITEM * (order_count + len(books.fills)))
        if recorder is None or self._log.lines >= bound:
            return False
        change = recorder.describe(trading_day, books, changed, mids, closes)
        if change is None:
            recorder.fills.clear()  # fills were pruned: the ones written no longer line up with the books
            return False
        if change:
            self._log.append(change)  # written by the next sync; a sync that fails makes the next save compact
            recorder.written(trading_day, books, mids, closes)
        return True

    def sync(self) -> None:
        """Make every change recorded so far durable (one fdatasync; a compaction already is).

        On OSError the next save writes the whole books, these changes included.
        """
        try:
            self._log.sync()
        except OSError:
            self._recorder = None
            raise
