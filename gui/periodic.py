"""start_apart: start a window's periodic refresh at a phase of its own, so refreshes never pile into one pass.

Qt lets coarse timers (its default above 20 ms) drift together to wake the process less often, and the window's
refreshes (the status bar's P&L every 250 ms; the drawdown column, P&L curve, alerts, approvals countdown and the
ladder's stale check every 500 ms; the funds total every second) ran in one pass of the loop: during a Flatten
of 1,000 positions, drawdown (1-3 ms), P&L curve (1.4-1.9 ms) and status bar (1.1-2.5 ms) together made 4-7 ms of
one GUI stretch. Started apart, precise, each costs its own pass.
"""

from __future__ import annotations

from itertools import count

from PySide6.QtCore import Qt, QTimer

PHASE_STEP_MS = 37
"""How far apart successive timers start (a prime: phases stay apart against 250, 500 and 1000 ms periods)."""
_started = count()


def start_apart(timer: QTimer) -> None:
    """Start timer (its interval already set) so that its first timeout comes after its interval plus a phase of
    its own, then every interval; stop() stops it as ever (nothing restarts it later)."""
    interval = timer.interval()
    timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may be moved to fire with the others
    phase = (next(_started) * PHASE_STEP_MS) % max(interval, 1)
    if phase == 0:
        timer.start()
        return

    def settle() -> None:
        timer.timeout.disconnect(settle)
        if timer.isActive():
            timer.setInterval(interval)  # from now on every interval, at the phase reached

    timer.timeout.connect(settle)
    timer.start(interval + phase)
