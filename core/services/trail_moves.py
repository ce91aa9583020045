"""TrailMoves: a trailing order's stop moves, conflated to at most one journaled move per order per interval.

A broker ratchets a trailing stop on every tick that moves the market its way; writing each of those to the
journal would cost a disk write per tick per order for nothing a trader needs. A move that comes within
`interval` seconds of the order's last written one waits (only the newest waiting move is kept) and is written
when the interval is up, or at once before any other event of the order (a fill, a cancel), so the journal
always holds the level the order stood at when anything else happened to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from core.domain import ClientOrderId, Order, OrderTrailMoved

MOVE_INTERVAL_S = 1.0
"""The least time between two journaled stop moves of one order."""


def moves_stop(order: Order, event: OrderTrailMoved) -> bool:
    """Return True if event puts a working trailing order's stop or limit somewhere else than where it stands."""
    return (order.is_working and order.order_type.is_trailing
            and (event.stop_price != order.trail_stop or event.limit_price != order.trail_limit))


class TrailMoves:
    """Hold back stop moves that come too soon after the order's last written one; write each in time."""

    def __init__(self, write: Callable[[OrderTrailMoved], None], *, interval: float = MOVE_INTERVAL_S,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self._interval = interval
        self.now = now
        """The clock, in seconds (a test may set a fake one)."""
        self._written: dict[ClientOrderId, float] = {}
        self._waiting: dict[ClientOrderId, OrderTrailMoved] = {}
        self._timers: dict[ClientOrderId, asyncio.TimerHandle] = {}

    def offer(self, event: OrderTrailMoved) -> None:
        """Write event now if the order's last move was written long enough ago; else keep it as the newest."""
        coid = event.client_order_id
        now = self.now()
        last = self._written.get(coid)
        if last is None or now - last >= self._interval:
            self._waiting.pop(coid, None)
            self._write_now(event, now)
            return
        self._waiting[coid] = event
        if coid not in self._timers:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # nothing would wake up later: write it now
                self.flush(coid)
                return
            self._timers[coid] = loop.call_later(self._interval - (now - last), self._due, coid)

    def flush(self, coid: ClientOrderId) -> None:
        """Write the order's waiting move, if it has one (before any other event of the order)."""
        timer = self._timers.pop(coid, None)
        if timer is not None:
            timer.cancel()
        event = self._waiting.pop(coid, None)
        if event is not None:
            self._write_now(event, self.now())

    def forget(self, coid: ClientOrderId) -> None:
        """Drop what is kept about an order that has ended (call flush first)."""
        self.flush(coid)
        self._written.pop(coid, None)

    @property
    def waiting(self) -> int:
        """How many orders have a move waiting to be written."""
        return len(self._waiting)

    def _due(self, coid: ClientOrderId) -> None:
        self._timers.pop(coid, None)
        self.flush(coid)

    def _write_now(self, event: OrderTrailMoved, now: float) -> None:
        self._written[event.client_order_id] = now
        self._write(event)
