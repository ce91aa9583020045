"""The paper market's past: deterministic bars that end where its live random walk stands now. Pure.

Each bar's move is drawn from a generator seeded by (seed, symbol, interval, the bar's start), so the
same bar always has the same shape; the walk is laid backwards from the current mid, so the newest
complete bar closes near where the live quotes start. The size of a bar's move is the live walk's
(`step_bps` a tick) scaled by the square root of the ticks in the bar.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

from core.domain import Instrument
from core.domain.bars import Bar
from core.ports.bar_history import CHART_INTERVALS, bar_start

MAX_BARS: Final = 5_000
"""The most bars one request returns (the newest)."""
PAPER_INTERVALS: Final = frozenset(CHART_INTERVALS)


def paper_history(instrument: Instrument, mid: Decimal, *, seed: int, source: str, interval: timedelta,
                  start: datetime, end: datetime, now: datetime, step_bps: Decimal = Decimal(1),
                  tick_interval_s: float = 0.25) -> list[Bar]:
    """Return the complete bars of instrument from start to end (never past the bar under way at now)."""
    seconds = int(interval.total_seconds())
    last_start = bar_start(min(end, now), interval) - interval  # the newest bar that has ended by then
    first_start = bar_start(start, interval)
    if first_start < start:
        first_start += interval
    first_start = max(first_start, last_start - (MAX_BARS - 1) * interval)
    count = int((last_start - first_start).total_seconds()) // seconds + 1
    if count <= 0:
        return []
    tick = instrument.tick_size
    sigma = float(step_bps) / 10_000 * math.sqrt(max(1.0, seconds / max(tick_interval_s, 1e-3)))
    sigma = min(sigma, 0.05)
    lot = instrument.lot_size
    floor = max(2, int(mid / tick) // 20)
    close_ticks = int(mid / tick)
    bars: list[Bar] = []
    epoch = int(last_start.timestamp())
    for index in range(count):
        at = epoch - index * seconds
        rng = random.Random(f"{seed}:{instrument.symbol}:{seconds}:{at}")
        open_ticks = max(floor, round(close_ticks * (1 - rng.gauss(0.0, sigma))))
        reach = abs(rng.gauss(0.0, sigma / 2))
        high_ticks = max(open_ticks, close_ticks) + round(max(open_ticks, close_ticks) * reach)
        bottom = min(open_ticks, close_ticks)
        low_ticks = max(floor, bottom - round(bottom * abs(rng.gauss(0.0, sigma / 2))))
        volume = rng.randint(10, 200) * max(1, seconds // 60) * lot
        bars.append(Bar(symbol=instrument.symbol, source=source, interval=interval,
                        start=datetime.fromtimestamp(at, UTC), open=open_ticks * tick, high=high_ticks * tick,
                        low=low_ticks * tick, close=close_ticks * tick, volume=volume,
                        ts=datetime.fromtimestamp(at + seconds, UTC)))
        close_ticks = open_ticks
    bars.reverse()
    return bars
