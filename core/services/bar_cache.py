"""BarCache: past bars kept on disk per source, symbol and interval, so a restart does not fetch them again.

One CSV file a (source, symbol, interval): start epoch, open, high, low, close, volume. Only complete
bars are stored (history never returns the bar under way). `cached_history` reads the file, asks the
broker only for what comes after its newest bar, and writes the merge back. The file I/O blocks:
it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from core.atomic_file import write_atomically
from core.domain.bars import Bar
from core.ports.bar_history import BarHistory

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class BarCache:
    """Bars on disk under root/<source>/<symbol>/<seconds>.csv."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, source: str, symbol: str, interval: timedelta) -> Path:
        return self.root / _UNSAFE.sub("_", source) / _UNSAFE.sub("_", symbol) / f"{int(interval.total_seconds())}.csv"

    def load(self, source: str, symbol: str, interval: timedelta) -> list[Bar]:
        """Return the stored bars, oldest first ([] when none, or when the file is unreadable)."""
        try:
            text = self.path(source, symbol, interval).read_text(encoding="utf-8")
        except OSError:
            return []
        bars: list[Bar] = []
        try:
            for row in csv.reader(io.StringIO(text)):
                at = datetime.fromtimestamp(int(row[0]), UTC)
                bars.append(Bar(symbol=symbol, source=source, interval=interval, start=at, open=Decimal(row[1]),
                                high=Decimal(row[2]), low=Decimal(row[3]), close=Decimal(row[4]),
                                volume=Decimal(row[5]), ts=at + interval))
        except (ValueError, IndexError, ArithmeticError):
            return []  # a damaged cache is fetched again
        return bars

    def store(self, source: str, symbol: str, interval: timedelta, bars: Sequence[Bar]) -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for bar in bars:
            writer.writerow((int(bar.start.timestamp()), bar.open, bar.high, bar.low, bar.close, bar.volume))
        path = self.path(source, symbol, interval)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, out.getvalue())


async def cached_history(broker: BarHistory, cache: BarCache | None, source: str, symbol: str,
                         interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
    """Return the bars from start to end: the cache's, then what the broker has after them (stored back)."""
    if cache is None:
        return list(await broker.history(symbol, interval, start, end))
    stored = await asyncio.to_thread(cache.load, source, symbol, interval)
    stored = [bar for bar in stored if bar.start >= start]
    since = start if not stored else max(start, stored[-1].start + interval)
    fresh = list(await broker.history(symbol, interval, since, end)) if since < end else []
    if stored and fresh and fresh[0].start - stored[-1].start > interval * 1000:
        stored = []  # a gap too old to bridge: keep only what is fresh
    merged = stored + [bar for bar in fresh if not stored or bar.start > stored[-1].start]
    if fresh:
        await asyncio.to_thread(cache.store, source, symbol, interval, merged)
    return [bar for bar in merged if bar.start < end]
