"""EventLoop: qasync's asyncio loop on Qt, with callbacks that are due now run a batch per Qt timer event.

qasync runs each `call_soon` through a Qt timer of its own: startTimer, one pass of Qt's timer
dispatch, a Python `timerEvent`, killTimer. Every resumed task and every done future costs that
(18 µs of CPU a hop on the slow host; an order sent with others in flight takes four). Here the
callbacks due now wait in one queue, in order, and one zero-interval timer runs those queued before
it fired; those they queue run at its next firing, after Qt has handled its own events (paints,
input, sockets) in between, as asyncio's loop does a turn at a time.

A callback that opens a nested Qt event loop (a modal dialog) does not stop the others: the queue
arms a fresh timer before it runs a batch, and Qt fires that one inside the nested loop.
Callbacks with a delay stay with qasync, one Qt timer each.

Leaving a batch to the next pass when the pass had already run 2 ms (a paint, a flush) was tried:
in a 100k quotes/s storm the stall p99 fell by about 2 ms, but an order's hops then waited behind
the next pass's paints (2.2 ms median a wait): click-to-ack p50 rose by 1 ms and orders per second
fell by a tenth. The queue keeps asyncio's turn order instead.

This builds on private parts of qasync and asyncio; tests/gui/test_qasync_internals.py names each one,
and pyproject.toml pins qasync to the version they were checked against.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtCore import QObject, QTimerEvent


class _ReadyQueue(QObject):
    """Handles due now, run in the order they were queued, a batch per firing of one zero-interval timer."""

    def __init__(self) -> None:
        super().__init__()
        self._ready: deque[asyncio.Handle] = deque()
        self._timer_id = 0
        self._stopped = False

    def add(self, handle: asyncio.Handle) -> None:
        if self._stopped:  # the loop is closed: as qasync does, what is queued after that never runs
            return
        self._ready.append(handle)
        if not self._timer_id:
            self._timer_id = self.startTimer(0)

    def timerEvent(self, event: QTimerEvent) -> None:
        ready = self._ready
        self.killTimer(event.timerId())
        self._timer_id = self.startTimer(0) if ready else 0  # what a nested loop or the next turn runs
        for _ in range(len(ready)):  # only those queued before this firing: Qt's own events come next
            if not ready:  # a nested event loop ran them
                break
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()  # asyncio.Handle hands an exception to the loop's exception handler
        if not ready and self._timer_id:
            self.killTimer(self._timer_id)
            self._timer_id = 0

    def stop(self) -> None:
        """Drop what is queued and stop the timer: the loop is closing."""
        self._stopped = True
        self._ready.clear()
        if self._timer_id:
            self.killTimer(self._timer_id)
            self._timer_id = 0


class EventLoop(qasync.QEventLoop):  # type: ignore[misc,name-defined]
    """The application's asyncio loop: qasync's, with one queue for the callbacks due now (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._ready_queue = _ReadyQueue()
        super().__init__(*args, **kwargs)

    def call_soon(
        self, callback: Callable[..., object], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        """Run callback at the next firing of the ready queue, after those queued before it."""
        if self._debug:
            self._check_callback(callback, "call_soon")
        handle = asyncio.Handle(callback, args, self, context)
        self._ready_queue.add(handle)
        return handle

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        """Run callback after delay seconds; one due now (delay <= 0) joins the ready queue, as in qasync."""
        if delay <= 0:
            return self.call_soon(callback, *args, context=context)
        return super().call_later(delay, callback, *args, context=context)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the loop, stopping every Qt timer it still has registered.

        qasync's close() leaves the timers of delayed callbacks registered with Qt. A process that
        makes several loops (the tests make one each) could then have Qt fire one at a timer object
        already collected: a segfault in QTimerInfoList::activateTimers.
        """
        if self.is_running() or self.is_closed():
            super().close()  # raises for a running loop; nothing to do for a closed one
            return
        self._ready_queue.stop()
        timer = self._timer
        pending = timer._SimpleTimer__callbacks  # qasync keeps them by Qt timer id
        for timer_id in list(pending):
            timer.killTimer(timer_id)
        pending.clear()
        super().close()
