"""Qt probes shared by the tick-storm benchmarks: a 1 ms heartbeat and a paint counter on a view's viewport.

Imports only PySide6 and the stdlib, so the vn.py reference (another PySide6) uses it too.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractScrollArea


class Heartbeat(QObject):
    """A 1 ms precise timer; every gap between two beats is a stall of the event loop.

    For each gap it also keeps the CPU time the GUI thread ran in it (`cpu_gaps`): a gap much
    longer than its CPU time is one in which the thread did not run at all (the host preempted it,
    a VM's steal), which no code in the process can shorten.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gaps: list[float] = []
        self.cpu_gaps: list[float] = []
        self._last = 0.0
        self._last_cpu = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._on_beat)

    def start(self) -> None:
        self.gaps.clear()
        self.cpu_gaps.clear()
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._on_beat()  # the gap still open at the end counts too

    def _on_beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(now - self._last)
        self.cpu_gaps.append(cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu


class PaintProbe(QObject):
    """Count paints of a scroll area's viewport and time each one to its end.

    The probe paints the viewport itself (through the area's own viewportEvent) so it can read the
    clock when the paint is over; `on_painted(end_time)` is called after each paint.
    """

    def __init__(self, area: QAbstractScrollArea, on_painted: Callable[[float], None] | None = None) -> None:
        super().__init__(area)
        self.area = area
        self.paints = 0
        self.paint_seconds = 0.0
        self.counting = False
        self._on_painted = on_painted
        area.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint:
            return False
        start = time.perf_counter()
        self.area.viewportEvent(event)  # paint now, through the view's own handler
        end = time.perf_counter()
        if self.counting:
            self.paints += 1
            self.paint_seconds += end - start
        if self._on_painted is not None:
            self._on_painted(end)
        return True

    def visible_rows(self) -> tuple[int, int]:
        """Return (first, last) rows on screen, or (0, -1) when none."""
        view = self.area
        first = view.rowAt(0)  # type: ignore[attr-defined]
        if first < 0:
            return 0, -1
        last = view.rowAt(view.viewport().height() - 1)  # type: ignore[attr-defined]
        if last < 0:
            last = view.model().rowCount() - 1  # type: ignore[attr-defined]
        return first, last
