"""RecentOrders: the orders of one account that passed the checks lately, for the rate and duplicate checks."""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from dataclasses import dataclass

from core.domain import ClientOrderId


@dataclass(frozen=True, slots=True)
class RecentOrder:
    """An order that passed the checks, remembered for the duplicate window and the rate throttle."""

    at: float
    client_order_id: ClientOrderId
    key: tuple[object, ...]


class RecentOrders:
    """Remembered orders oldest first, counted per window by bisection and found by duplicate key.

    Each question costs the logarithm of how many are remembered (or less), so an account sending a
    thousand orders a second is checked as fast as a quiet one. Times come from a monotonic clock.
    """

    __slots__ = ("_by_coid", "_by_key", "_entries", "_start", "_times")

    def __init__(self) -> None:
        self._entries: list[RecentOrder] = []
        self._times: list[float] = []
        """Each entry's `at`, for bisection without a key function (every order counts twice)."""
        self._start = 0
        self._by_coid: dict[ClientOrderId, RecentOrder] = {}
        self._by_key: dict[tuple[object, ...], deque[RecentOrder]] = {}

    def __len__(self) -> int:
        return len(self._entries) - self._start

    def forget_older(self, now: float, keep: float) -> None:
        """Forget the orders remembered more than keep seconds before now."""
        entries = self._entries
        start = self._start
        while start < len(entries) and now - entries[start].at > keep:
            old = entries[start]
            del self._by_coid[old.client_order_id]
            same = self._by_key[old.key]
            same.popleft()
            if not same:
                del self._by_key[old.key]
            start += 1
        if start > 1024 and start * 2 > len(entries):
            del entries[:start]
            del self._times[:start]
            start = 0
        self._start = start

    def remember(self, entry: RecentOrder) -> None:
        """Add an order that passed (once: an order checked again keeps its first time)."""
        if entry.client_order_id in self._by_coid:
            return
        self._entries.append(entry)
        self._times.append(entry.at)
        self._by_coid[entry.client_order_id] = entry
        self._by_key.setdefault(entry.key, deque()).append(entry)

    def count_within(self, now: float, span: float, without: ClientOrderId | None = None) -> int:
        """Return how many were remembered less than span seconds before now, leaving out `without`."""
        times, start = self._times, self._start
        end = len(times)
        # The first remembered less than span before now: `now - at < span`, exactly as it reads. Bisect on
        # now - span, then step past the few that float rounding places on the other side of the boundary.
        first = max(start, bisect_left(times, now - span, start))
        while first > start and now - times[first - 1] < span:
            first -= 1
        while first < end and not now - times[first] < span:
            first += 1
        count = end - first
        mine = self._by_coid.get(without) if without is not None else None
        if mine is not None and now - mine.at < span:
            count -= 1
        return count

    def latest_same(self, key: tuple[object, ...], without: ClientOrderId | None = None) -> RecentOrder | None:
        """Return the newest remembered order with this duplicate key, other than `without`."""
        same = self._by_key.get(key)
        if not same:
            return None
        newest = same[-1]
        if newest.client_order_id != without:
            return newest
        return same[-2] if len(same) > 1 else None
