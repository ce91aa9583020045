"""The chaos runs' sense of time: a trader's pace between intents, and a session clock that skips the pauses.

Used by the shared chaos driver (chaos_core.py) and the IB world (ib_chaos_world.py).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime


class PacedClock:
    """The session's clock: real wall time; monotonic time runs ahead by the trader's pauses (advance)."""

    def __init__(self) -> None:
        self.skew = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic() + self.skew

    def advance(self, seconds: float) -> None:
        self.skew += seconds


class Pace:
    """Seconds a trader waits before the next intent: mostly 0.4-0.9 s; now and then a burst (a basket) of
    5-8 orders 10-50 ms apart.

    About 90 orders a minute on average (the limit is 120) and 1-2 a second (limit 5): the bursts trip the
    per-second limit, and the spread now and then the per-minute one, as they would for a fast trader.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.burst = 0

    def next_gap(self) -> float:
        if self.burst == 0 and self.rng.random() < 0.02:
            self.burst = self.rng.randint(5, 8)
        if self.burst:
            self.burst -= 1
            return self.rng.uniform(0.01, 0.05)
        return self.rng.uniform(0.4, 0.9)
