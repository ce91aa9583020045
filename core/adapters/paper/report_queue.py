"""ReportQueue: the paper broker's events, held until one fdatasync covers the changes they report.

A broker reports only what it has recorded. Changes made while others are on their way (a basket,
a strategy's burst, a cancel-all) share one fdatasync at the end of the event loop's turn; then
their events are reported, in order, and their callers resume in that turn, right after the flush: an
order sent one at a time takes one turn, not two, and orders sent together come back together (none a
turn behind the others, which would split their next round into two flushes). A change made when nothing
was reported for BURST_S (a click, one order at a time) is synced and reported at once: no loop hop,
in which a busy window could paint before the acknowledgement; but not within AFTER_BURST_S of a flush
that reported to several callers: that is the first order of a burst's next round, back from a journal
commit that took longer than BURST_S, and it waits for the flush of the rest of its round.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from core.domain import AccountId, Event
from core.ports.broker import EventSink

_log = logging.getLogger(__name__)

BURST_S = 0.001
"""A change waited for within this long of the previous one joins the end-of-turn flush."""
AFTER_BURST_S = 0.05
"""A change waited for within this long of a flush that reported to several callers joins the end-of-turn flush."""


class ReportQueue:
    """Hold events until `sync()` (one fdatasync for all of them) succeeds, then send them to the sink in order.

    If sync raises (OSError: the disk), none of the held events is reported and every caller waiting gets the error.
    """

    def __init__(self, account_id: AccountId, sync: Callable[[], None], sink: EventSink,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._account_id = account_id
        self._sync = sync
        self._sink = sink
        self._clock = clock
        self._events: list[Event] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._handle: asyncio.Handle | None = None
        self._last_wait = float("-inf")
        self._burst_at = float("-inf")
        """When a flush last reported to several waiting callers (orders on their way together)."""

    @property
    def pending(self) -> bool:
        """Return True while some event waits for its sync."""
        return bool(self._events)

    def add(self, events: Sequence[Event]) -> None:
        """Report events, after those already held, at the end of this turn of the loop (at once without a loop)."""
        self._events.extend(events)
        if self._handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._flush()
            return
        self._handle = loop.call_soon(self._flush)

    async def reported(self) -> None:
        """Return once every event held now is reported; raise the error of a failed sync (OSError: the disk)."""
        now = self._clock()
        quiet = now - self._last_wait >= BURST_S and now - self._burst_at >= AFTER_BURST_S
        self._last_wait = now
        if quiet and not self._waiting:
            error = self.flush_now()
            self._last_wait = self._clock()  # a burst is measured from the end of this flush
            if error is not None:
                raise error
            return
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append(future)
        if self._handle is None:
            self._handle = loop.call_soon(self._flush)
        # Every caller resumes in the turn of the flush, right after it (its wake-up is queued behind the flush),
        # instead of in the turn after, as one woken by its future would: one order sent one at a time takes one
        # turn of the loop, not two, and orders sent together come back together.
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            future.cancel()  # as a cancelled wait on the future would: its events are still reported
            raise
        if not future.done():  # no flush ran in that turn (it was due later): flush now
            self.flush_now()
        future.result()  # raises the error of a failed sync

    def flush_now(self) -> Exception | None:
        """Sync and report what is held now, instead of at the end of the turn; return the sync's error, if any."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()
        return self._flush()

    def _flush(self) -> Exception | None:
        self._handle = None
        events, self._events = self._events, []
        waiting, self._waiting = self._waiting, []
        if len(waiting) > 1:
            self._burst_at = self._clock()
        try:
            self._sync()
        except Exception as error:  # not only the disk's: the sync saves the turn's changes first (PaperBroker._sync)
            if isinstance(error, OSError):
                _log.error(
                    "paper account %s: the disk did not confirm the latest changes (%s); their %d event(s) are not "
                    "reported, and the next change saves the whole books", self._account_id, error, len(events),
                )
            else:
                _log.exception("paper account %s: the latest changes could not be saved; their %d event(s) are not "
                               "reported", self._account_id, len(events))
            for future in waiting:
                if not future.done():
                    future.set_exception(error)
            return error
        for event in events:
            try:
                self._sink(event)
            except Exception:
                _log.exception("paper account %s: the event sink failed on %s", self._account_id, type(event).__name__)
        for future in waiting:
            if not future.done():
                future.set_result(None)
        return None
