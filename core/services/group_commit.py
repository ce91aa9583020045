"""GroupCommit: orders on their way together share one commit (one transaction, one disk flush).

A durable commit costs a disk flush, and a flush costs the same for one record as for fifty. An item
added while nothing else is on its way (a click, one order at a time) is committed at once, alone: it
waits for nothing. An item added while others are on their way (a basket, a strategy's burst, many
requests to the strategy API) waits for the next turn of the event loop and is committed with every
other item added in this turn; each sender resumes in the turn of the commit, right after it.

Senders that resume together send together, and come back to commit their next items together: with 64 orders
in flight a round is one commit and one paper sync. A sender woken by its future would resume a turn after the
commit, and a batch whose senders came back in different turns split into several, each with its own commit
and sync (64 in flight, 2,000 orders: 61 commits and 94 paper syncs, where one batch a round takes 33 and 35).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

Outcome = BaseException | None
"""What committing one item gave: None when it is committed, else the exception to raise to its sender."""


class GroupCommit(Generic[T]):
    """Commit items through `commit(items) -> outcome per item`: at once when alone, batched when not.

    A batch is committed on the loop, outside any task, so a sender that is cancelled while it waits
    does not take its item out of the batch: what was added is committed.
    """

    def __init__(self, commit: Callable[[Sequence[T]], Sequence[Outcome]]) -> None:
        self._commit = commit
        self._items: list[T] = []
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def pending(self) -> bool:
        """True while items wait for their batch's commit (due in this turn of the loop or the next)."""
        return bool(self._items)

    async def add(self, item: T, *, alone: bool) -> None:
        """Return once item is committed; raise what committing it raised.

        alone: nothing else is on its way, so nothing would share the commit: commit at once.
        """
        if alone and not self._items:
            (outcome,) = self._commit((item,))
            if outcome is not None:
                raise outcome
            return
        loop = asyncio.get_running_loop()
        if not self._items:
            loop.call_soon(self._run)
        waiter: asyncio.Future[None] = loop.create_future()
        self._items.append(item)
        self._waiters.append(waiter)
        try:
            # Yield once: this sender's wake-up is queued behind the batch's commit, so it resumes right after
            # it, in the same turn, not in the turn after, as one woken by its future would (see the module doc).
            await asyncio.sleep(0)
            if not waiter.done():  # its batch did not run in that turn: wait for it
                await waiter
        except asyncio.CancelledError:
            # a sender cancelled here cancels only its waiter: its item stays in the batch
            if not waiter.cancel():
                waiter.exception()  # committed already, or failed: the failure goes with the cancelled sender
            raise
        waiter.result()  # raises what committing its item raised

    def _run(self) -> None:
        items, waiters = self._items, self._waiters
        self._items, self._waiters = [], []
        try:
            outcomes = self._commit(items)
        except BaseException as exc:  # handed to every sender of the batch
            outcomes = [exc] * len(items)
        for waiter, outcome in zip(waiters, outcomes, strict=True):
            if waiter.cancelled():
                continue
            if outcome is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(outcome)
