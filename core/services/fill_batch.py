"""FillBatch: the fills a broker reports in one turn of the event loop share one journal commit.

A fill is journaled (one transaction, one disk flush) before anything acts on it: the order's new state,
the position, the views all follow its FillRecorded. A flush costs the same for one fill as for sixteen,
so a Flatten whose closes fill together paid one flush per fill (1,000 positions: 1,000 flushes). The
first fill of a turn is committed at once, alone, as before: a click's fill waits for nothing. A fill
reported later in the same turn is held, untouched (its order, the position and the views do not see it
yet), and committed with every other fill held in that turn at the end of the turn.

Whatever touches an order whose fill is held commits the held fills first (OrderManager.apply), so an
order's events stay in their order and an intent (a cancel) is never journaled ahead of a fill before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from core.domain import ClientOrderId, OrderFilled


class FillBatch:
    """Hold the fills reported after the first of a turn; `commit` (the OMS's) journals them at the end of it."""

    def __init__(self, commit: Callable[[], None]) -> None:
        self._commit = commit
        self._held: list[OrderFilled] = []
        self._orders: set[ClientOrderId] = set()
        self._due: asyncio.Handle | None = None
        self._turn: asyncio.Handle | None = None
        """Set once a fill of this turn was committed at once, until the turn ends."""
        self._done: asyncio.Future[None] | None = None

    def take(self, event: OrderFilled) -> bool:
        """Hold event for the end of this turn (True), or leave it to be committed at once (False): the first
        fill of a turn, or any fill reported without a running loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._turn is None and not self._held:
            self._turn = loop.call_soon(self._end_turn)
            return False
        self._held.append(event)
        self._orders.add(event.client_order_id)
        if self._due is None:
            self._due = loop.call_soon(self._commit)
        return True

    def holds(self, client_order_id: ClientOrderId) -> bool:
        """Return True while a fill of this order is held."""
        return client_order_id in self._orders

    def __bool__(self) -> bool:
        return bool(self._held)

    def drain(self) -> list[OrderFilled]:
        """Return the held fills, in the order they were reported, and hold none."""
        if self._due is not None:
            self._due.cancel()
            self._due = None
        held, self._held = self._held, []
        self._orders.clear()
        return held

    def settled(self) -> None:
        """Wake those waiting in `until_committed`: the drained fills are committed (or failed, and said so)."""
        done, self._done = self._done, None
        if done is not None and not done.done():
            done.set_result(None)

    async def until_committed(self, client_order_id: ClientOrderId) -> None:
        """Return once no fill of this order is held (at once if none is)."""
        while client_order_id in self._orders:
            if self._done is None:
                self._done = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._done)

    def _end_turn(self) -> None:
        self._turn = None
