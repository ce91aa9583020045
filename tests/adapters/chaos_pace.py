"""The chaos runs' sense of time: a trader's pace between intents, and a session clock that skips the pauses.

Used by the shared chaos driver (chaos_core.py) and the IB world (ib_chaos_world.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime


class PacedClock:
    """The session's clock: real wall time; monotonic time runs ahead by the trader's pauses (advance).

    Within a basket (advance with hold=True) monotonic time stands still but for the basket's own gaps: the
    machine's time to handle each order (slow on a loaded CI host) does not spread the basket out, so the
    per-second limit sees it as sent. Monotonic time never goes back.
    """

    def __init__(self) -> None:
        self.skew = 0.0
        self.held: float | None = None

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return self.held if self.held is not None else time.monotonic() + self.skew

    def advance(self, seconds: float, hold: bool = False) -> None:
        if hold:
            self.held = self.monotonic() + seconds
            return
        if self.held is not None:
            self.skew = self.held - time.monotonic()
            self.held = None
        self.skew += seconds


class Pace:
    """Seconds a trader waits before the next intent: mostly 0.4-0.9 s; now and then a burst (a basket) of
    6-8 intents 10-50 ms apart, at least one every BASKET_EVERY intents.

    About 90 orders a minute on average (the limit is 120) and 1-2 a second (limit 5): the bursts trip the
    per-second limit, and the spread now and then the per-minute one, as they would for a fast trader. Its
    random draws are its own (seeded from the run's seed), so where the bursts fall does not depend on how
    the run's timing steered the other draws.

    A burst never covers a step with a planned break (`avoid`), and ends CLEAR steps before one (it is cut short
    to fit, and waits for room of at least 6): an intent the rate limit refuses is never sent, so the break
    planned on it would not happen (the run checks every planned point was reached).
    """

    BASKET_EVERY = 20
    CLEAR = 3
    """Steps after a burst before a planned break: over a second of normal gaps, so the limit has let go."""

    def __init__(self, seed: int, avoid: Iterable[int] = ()) -> None:
        self.rng = random.Random(f"pace {seed}")
        self.avoid = frozenset(avoid)
        self.burst = 0
        self.since = 0
        self.in_burst = False
        """Whether the gap next_gap last returned was within a basket."""

    def next_gap(self, step: int) -> float:
        """Return the pause before intent number step (counted as the run's plan counts them)."""
        if self.burst == 0:
            self.since += 1
            if self.rng.random() < 0.02 or self.since >= self.BASKET_EVERY:
                planned = min((s for s in self.avoid if s >= step), default=step + 1_000)
                length = min(self.rng.randint(6, 8), planned - step - self.CLEAR - 1)  # ends CLEAR steps before
                if length >= 6:
                    self.burst, self.since = length, 0
        self.in_burst = self.burst > 0
        if self.burst:
            self.burst -= 1
            return self.rng.uniform(0.01, 0.05)
        return self.rng.uniform(0.4, 0.9)
