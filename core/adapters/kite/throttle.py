"""OrderThrottle: at most N order requests (place, modify, cancel) in any one-second window."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

_WINDOW_S = 1.1
"""A little over Kite's one second, so requests that reach Kite late still fit its window."""


class OrderThrottle:
    """Wait before an order request that would exceed Kite's limit (10 per second) instead of being refused."""

    def __init__(self, per_second: int = 10, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_second
        self._clock = clock
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Return once one more request fits in the window; requests go out in the order they asked."""
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= _WINDOW_S:
                    self._sent.popleft()
                if len(self._sent) < self._limit:
                    self._sent.append(now)
                    return
                await asyncio.sleep(_WINDOW_S - (now - self._sent[0]) + 0.005)
