"""FrameFlusher: one timer that flushes every registered model or view at most once per frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

DEFAULT_HZ = 30
PHASES = 2


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


class FrameFlusher(QObject):
    """Flush registered flushables on a frame timer that runs only while one of them has pending work.

    Any number of upserts between two ticks costs one `flush()` per flushable. The timer is started
    by the first upsert after an idle spell (through the pending callback) and stopped by the tick
    that leaves nothing pending.

    Flushables take turns: the timer ticks PHASES times per frame and each tick flushes the turns of
    its phase (by order of registration), so the watchlist and the positions grid are flushed, and
    then painted, half a frame apart instead of in one long turn of the event loop. Each flushable
    is still flushed once per frame. `register(x, before=model)` puts x in model's turn, flushed
    just before it (a frame-feed watch staging the rows its model paints in the same turn).

    Events:
        flushed(int): after a tick, with the number of flushables that were flushed.
    """

    flushed = Signal(int)

    def __init__(self, hz: float = DEFAULT_HZ, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if hz <= 0:
            raise ValueError(f"hz: {hz!r} must be positive")
        self._turns: list[list[Flushable]] = []
        self._all: list[Flushable] = []
        self._phase = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000 / hz / PHASES)))
        self._timer.timeout.connect(self._on_tick)

    @property
    def interval_ms(self) -> int:
        """Milliseconds between two flushes of a flushable while work is pending."""
        return self._timer.interval() * PHASES

    @property
    def is_ticking(self) -> bool:
        """True while the frame timer runs (something had pending work at the last tick)."""
        return self._timer.isActive()

    def register(self, flushable: Flushable, *, before: Flushable | None = None) -> None:
        """Flush flushable once per frame from now on; it wakes the timer whenever it gets work.

        before: a registered flushable whose turn flushable joins, flushed just before it
        (without it, flushable takes a turn of its own).
        """
        if flushable in self._all:
            return
        if before is None:
            self._turns.append([flushable])
        else:
            turn = next((turn for turn in self._turns if before in turn), None)
            if turn is None:
                raise ValueError(f"before: {before!r} is not registered; register it first")
            turn.insert(turn.index(before), flushable)
        self._all.append(flushable)
        flushable.set_pending_callback(self._wake)

    def unregister(self, flushable: Flushable) -> None:
        """Stop flushing flushable."""
        if flushable not in self._all:
            return
        flushable.set_pending_callback(None)
        self._all.remove(flushable)
        for turn in self._turns:
            if flushable in turn:
                turn.remove(flushable)
        self._turns = [turn for turn in self._turns if turn]

    def flush_now(self) -> None:
        """Flush everything with pending work immediately (e.g. before a screenshot or on shutdown)."""
        self._flush(self._turns)

    def _wake(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _on_tick(self) -> None:
        self._phase = (self._phase + 1) % PHASES
        self._flush(self._turns[self._phase::PHASES])

    def _flush(self, turns: list[list[Flushable]]) -> None:
        flushed = 0
        for turn in turns:
            for flushable in turn:
                if flushable.has_pending:
                    flushable.flush()
                    flushed += 1
        if not any(flushable.has_pending for flushable in self._all):
            self._timer.stop()
        if flushed:
            self.flushed.emit(flushed)
