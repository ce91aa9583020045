"""The frame flusher's budget: one pass flushes and paints a budget's worth of views, the rest follow, none starves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from gui.models.flusher import FrameFlusher

PAINT_CPU_S = 0.002
"""What one view's paint costs the GUI thread (a ladder's is about 1 ms)."""


class CostlyView(QWidget):
    """A Flushable view whose flush only asks for a repaint and whose paint costs PAINT_CPU_S of CPU."""

    def __init__(self, log: list[str], name: str) -> None:
        super().__init__()
        self.resize(40, 20)
        self.log, self.name = log, name
        self.pending = False
        self.flushes = self.paints = 0
        self.restage = False
        """Stage new work at every flush (a depth storm: the view always has a newer book waiting)."""
        self._on_pending: Callable[[], None] | None = None

    def stage(self) -> None:
        if not self.pending:
            self.pending = True
            if self._on_pending is not None:
                self._on_pending()

    @property
    def has_pending(self) -> bool:
        return self.pending

    def flush(self) -> None:
        self.pending = False
        self.flushes += 1
        self.log.append(f"flush {self.name}")
        self.update()
        if self.restage:
            self.stage()

    def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
        self._on_pending = callback

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        self.log.append(f"paint {self.name}")
        started = time.thread_time()
        while time.thread_time() - started < PAINT_CPU_S:
            pass


def views(qtbot: QtBot, count: int, log: list[str]) -> list[CostlyView]:
    shown = []
    for i in range(count):
        view = CostlyView(log, f"V{i:02d}")
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        shown.append(view)
    return shown


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.005)


async def test_a_pass_paints_a_budgets_worth_of_views_and_the_rest_follow_in_the_next_passes(qtbot: QtBot) -> None:
    log: list[str] = []
    shown = views(qtbot, 12, log)
    await asyncio.sleep(0.05)  # the first paints of the shown views are over
    log.clear()
    for view in shown:
        view.paints = 0
    flusher = FrameFlusher(hz=30, budget_ms=4)
    for view in shown:
        flusher.register(view)
    passes: list[list[str]] = []
    flusher.flushed.connect(lambda _count: passes.append(log[sum(map(len, passes)):]))

    for view in shown:
        view.stage()  # twelve views changed in one frame: 24 ms of painting
    await until(lambda: not flusher.is_ticking)

    assert [view.flushes for view in shown] == [1] * 12, "each view flushed once"
    assert [view.paints for view in shown] == [1] * 12, "and painted once"
    for one in passes:
        flushed = [entry.split()[1] for entry in one if entry.startswith("flush")]
        assert [entry.split()[1] for entry in one if entry.startswith("paint")] == flushed, \
            f"a pass paints the views it flushed before it ends (its budget counts the paint): {one}"
        assert 1 <= len(flushed) <= 3, f"a 4 ms pass paints two or three 2 ms views, not {len(flushed)}: {one}"
    assert [entry.split()[1] for entry in log if entry.startswith("flush")] == [view.name for view in shown], \
        "the views left by a spent budget go next, in turn"


async def test_no_view_starves_when_a_frame_cannot_paint_them_all(qtbot: QtBot) -> None:
    log: list[str] = []
    shown = views(qtbot, 20, log)  # 40 ms of painting a round, more than a 33 ms frame
    await asyncio.sleep(0.05)
    flusher = FrameFlusher(hz=30, budget_ms=4)
    for view in shown:
        flusher.register(view)
        view.restage = True
        view.stage()
    await until(lambda: min(view.flushes for view in shown) >= 8)
    for view in shown:
        view.restage = False
    await until(lambda: not flusher.is_ticking)

    counts = [view.flushes for view in shown]
    assert min(counts) >= 8 and max(counts) - min(counts) <= 1, \
        f"every view gets its turn, oldest first, whatever its place in the registration: {counts}"
    assert flusher.carried > 0, "the budget put views off to later passes"
