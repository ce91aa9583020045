"""FrameFlusher: one timer that flushes every registered model or view at most once per frame, a budget per pass."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal

DEFAULT_HZ = 30
BUDGET_MS = 8.0
"""GUI-thread CPU one pass may spend flushing turns and painting what they changed: a turn goes in a pass if what
it cost last time fits in what is left, else it and the turns after it wait for the next pass (the next turn of
the event loop), the longest waiting first. The first turn of a pass always goes, however dear."""
CATCH_UP = 0.05
"""The share of a frame by which a frame may start sooner than a frame after the last, to make up for a late one
(the timer's latency): the views keep the frame rate. A frame later than this moves the clock."""
_EARLY_S = 0.0002
"""A frame that starts within this starts now (timer granularity)."""


@runtime_checkable
class Flushable(Protocol):
    """What the flusher drives: anything that stages work and applies it in one `flush()` per frame.

    A RowTableModel is one; so is a frame-feed watch, and so is any view (a chart, a ladder) that
    keeps its own staged state.
    """

    @property
    def has_pending(self) -> bool:
        """True when work waits for flush()."""
        ...

    def flush(self) -> None:
        """Apply the staged work (repaint what changed)."""
        ...

    def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
        """Call callback whenever this goes from idle to having pending work."""
        ...


class _Turn:
    """Flushables flushed together (a watch just before the model it stages rows for), and in which frame."""

    __slots__ = ("cost", "flushed_at", "frame", "members", "pending_since")

    def __init__(self, first: Flushable) -> None:
        self.members = [first]
        self.frame = -1
        """The number of the frame it was last flushed in."""
        self.flushed_at = float("-inf")
        """When it was last flushed (perf_counter): the turn that has waited longest goes first."""
        self.pending_since: float | None = None
        """When one of its members went from idle to pending (perf_counter), since the turn's last flush."""
        self.cost = 0.0
        """The GUI thread's CPU its last flush and paint took (seconds)."""

    @property
    def has_pending(self) -> bool:
        return any(member.has_pending for member in self.members)


class FrameFlusher(QObject):
    """Flush registered flushables, each at most once per frame, on a timer that runs only while work is pending.

    Any number of upserts between two flushes costs one `flush()` per flushable. The timer is started
    by the first upsert after an idle spell (through the pending callback) and stops once nothing is
    pending.

    Flushables take turns (one each, by order of registration; `register(x, before=model)` puts x in
    model's turn, flushed just before it: a frame-feed watch staging the rows its model paints). Frames
    start on a steady clock (hz a second); a turn with work is due once in each. A pass flushes the due
    turns, the one flushed longest ago first, and has Qt paint what each changed at once, so
    that its clock counts the paint too, as long as the next turn's last cost fits in what is left of
    BUDGET_MS of the GUI thread's CPU; the turns left go in the next pass, a turn of the event loop
    later. So one turn of the event loop paints a budget's worth of views, not every view a frame
    changed (ten ladders painted in one pass were a 13 ms stall of the GUI thread in bench/ladder.py's
    depth storm), the timer wakes the thread once a frame however many views there are, and no view
    starves: a turn put off is late by the passes ahead of it (`late_max_ms` keeps the longest wait).

    Events:
        flushed(int): after a pass, with the number of flushables that were flushed.
    """

    flushed = Signal(int)

    def __init__(self, hz: float = DEFAULT_HZ, parent: QObject | None = None, *, budget_ms: float = BUDGET_MS) -> None:
        super().__init__(parent)
        if hz <= 0:
            raise ValueError(f"hz: {hz!r} must be positive")
        if budget_ms <= 0:
            raise ValueError(f"budget_ms: {budget_ms!r} must be positive")
        self._frame = 1 / hz
        self._budget = budget_ms / 1000
        self._turns: list[_Turn] = []
        self._all: list[Flushable] = []
        self._frame_no = 0
        self._frame_started = float("-inf")
        """When the current frame started (perf_counter)."""
        self._next_frame = float("-inf")
        """When the next frame starts (perf_counter): a frame after the last, or at once after an idle spell."""
        self.carried = 0
        """Turns a spent budget put off to a later pass, since the flusher was made."""
        self.late_max_ms = 0.0
        """The longest a due turn waited for a pass to take it (ms), since `reset_late()`."""
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_tick)

    @property
    def interval_ms(self) -> int:
        """Milliseconds between two frames while work is pending: a flushable is flushed once in each at most."""
        return round(self._frame * 1000)

    @property
    def is_ticking(self) -> bool:
        """True while the frame timer runs (something had pending work at the last pass)."""
        return self._timer.isActive()

    def reset_late(self) -> None:
        """Start measuring `late_max_ms` afresh."""
        self.late_max_ms = 0.0

    def register(self, flushable: Flushable, *, before: Flushable | None = None) -> None:
        """Flush flushable once per frame from now on; it wakes the timer whenever it gets work.

        before: a registered flushable whose turn flushable joins, flushed just before it
        (without it, flushable takes a turn of its own).
        """
        if flushable in self._all:
            return
        if before is None:
            turn = _Turn(flushable)
            self._turns.append(turn)
        else:
            found = next((turn for turn in self._turns if before in turn.members), None)
            if found is None:
                raise ValueError(f"before: {before!r} is not registered; register it first")
            turn = found
            turn.members.insert(turn.members.index(before), flushable)
        self._all.append(flushable)
        flushable.set_pending_callback(partial(self._wake, turn))

    def unregister(self, flushable: Flushable) -> None:
        """Stop flushing flushable."""
        if flushable not in self._all:
            return
        flushable.set_pending_callback(None)
        self._all.remove(flushable)
        for turn in self._turns:
            if flushable in turn.members:
                turn.members.remove(flushable)
        self._turns = [turn for turn in self._turns if turn.members]

    def flush_now(self) -> None:
        """Flush everything with pending work immediately (e.g. before a screenshot or on shutdown)."""
        flushed = sum(self._flush(turn) for turn in self._turns)
        if not any(flushable.has_pending for flushable in self._all):
            self._timer.stop()
        if flushed:
            self.flushed.emit(flushed)

    def _wake(self, turn: _Turn) -> None:
        """A member of turn got work: a pass at once if the turn has not had this frame, else at the next frame."""
        now = time.perf_counter()
        if turn.pending_since is None:
            turn.pending_since = now
        wait = self._wait_ms(self._due_at(turn, now) - now)
        if not self._timer.isActive() or self._timer.remainingTime() > wait:
            self._timer.start(wait)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        if now >= self._next_frame - _EARLY_S:
            self._frame_no += 1
            self._frame_started = now
            # a late frame does not put the clock back, but the next comes no sooner than CATCH_UP short of a frame
            self._next_frame = max(self._next_frame + self._frame, now + self._frame * (1 - CATCH_UP))
        frame_no, soon = self._frame_no, now + _EARLY_S
        due = []
        for turn in self._turns:
            if turn.pending_since is None:  # no work since its last flush: the pending callback says when
                continue
            if not turn.has_pending:
                turn.pending_since = None  # its work was taken without a pass (a direct flush, a cancelled watch)
            elif self._due_at(turn, now) <= soon:
                due.append(turn)
        due.sort(key=lambda turn: turn.flushed_at)
        started = time.thread_time()
        flushed = taken = 0
        try:
            for turn in due:
                turn_started = time.thread_time()
                if taken and turn_started - started + turn.cost > self._budget:
                    break  # it would not fit (as dear as last time): it goes first in the next pass
                # the wait since the later of its frame's start and its work's arrival
                late = time.perf_counter() - max(self._frame_started, turn.pending_since or now)
                self.late_max_ms = max(self.late_max_ms, late * 1000)
                taken += 1
                turn.frame, turn.flushed_at = frame_no, time.perf_counter()  # first: one that raises waits too
                flushed += self._flush(turn)
                QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)  # paint it now: the budget counts it
                turn.cost = time.thread_time() - turn_started
        finally:  # a flush that raised leaves the others their frames
            self.carried += len(due) - taken
            self._schedule(carried=taken < len(due))
        if flushed:
            self.flushed.emit(flushed)

    def _flush(self, turn: _Turn) -> int:
        flushed = 0
        for flushable in turn.members:
            if flushable.has_pending:  # asked in order: a watch's flush gives its model work
                flushable.flush()
                flushed += 1
        # pending again only if work came while it flushed (a watch's rows for its model do not count)
        turn.pending_since = time.perf_counter() if turn.has_pending else None
        return flushed

    def _schedule(self, *, carried: bool) -> None:
        """The next pass: at once when a budget left turns, at the next frame when one has work, else none."""
        if carried:
            self._timer.start(0)  # the next turn of the event loop: input, sockets and other timers go first
        else:
            now = time.perf_counter()
            waiting = [self._due_at(turn, now) for turn in self._turns if turn.pending_since is not None]
            if waiting:
                self._timer.start(self._wait_ms(min(waiting) - now))

    def _due_at(self, turn: _Turn, now: float) -> float:
        """When turn may be flushed: in the next frame if it had this one (now if this one is over), and never
        sooner than CATCH_UP short of a frame after its last flush."""
        spaced = turn.flushed_at + self._frame * (1 - CATCH_UP)
        if turn.frame < self._frame_no or now >= self._next_frame:
            return spaced
        return max(self._next_frame, spaced)

    @staticmethod
    def _wait_ms(seconds: float) -> int:
        return math.ceil(seconds * 1000) if seconds > 0 else 0  # never before it is due
