"""The window's periodic refreshes start apart: none of them is due in the same pass as another."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from gui.periodic import start_apart


def test_refreshes_of_one_period_are_due_apart_and_keep_their_period(qtbot: QtBot) -> None:
    timers = [QTimer(interval=500) for _ in range(6)]
    for timer in timers:
        start_apart(timer)
    due = sorted(timer.remainingTime() for timer in timers)
    assert all(later - earlier >= 20 for earlier, later in pairwise(due)), due
    assert all(timer.timerType() is Qt.TimerType.PreciseTimer for timer in timers), "a coarse one could be moved"
    fired: list[int] = []
    timers[-1].timeout.connect(lambda: fired.append(timers[-1].interval()))
    qtbot.waitUntil(lambda: len(fired) == 1, timeout=2000)
    assert fired == [500] and timers[-1].isActive(), "after its first (later) timeout it ticks every 500 ms again"
    for timer in timers:
        timer.stop()
    assert not any(timer.isActive() for timer in timers), "stop() stops it; nothing restarts it later"


def test_the_default_timers_would_have_been_coarse(qtbot: QtBot) -> None:
    """What start_apart is for: Qt's default for these periods may line timers up to wake less often."""
    assert QTimer(interval=500).timerType() is Qt.TimerType.CoarseTimer
