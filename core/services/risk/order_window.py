"""OrderWindow: how many orders each account, and each strategy, sent over a rolling window of hours.

The per-second and per-minute throttles catch a runaway loop; this one caps a day's (or a week's) business: e.g.
at most 500 orders in any rolling 24 h. It counts every order that passed the risk checks, by its wall-clock
time, once under its account and once under its strategy ("manual" for a person's orders), so a strategy with
its own max_orders_per_window is held to it across every account it trades. It is rebuilt from the journal's
orders after a restart (an order intent is journaled before it is sent), so a restart does not give an account a
fresh allowance. That is a week of orders (13,000 at a few thousand a day): the restart hands over how to read them
(`restore_later`) and they are read at the first count or order, or when the window is settled after the first
paint, so the time to the first screen does not grow with the week's business.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from core.domain import AccountId, ClientOrderId, Order, OrderStatus, StrategyId
from core.services.risk.strategy_book import MANUAL, strategy_of

MAX_WINDOW_H: Final = Decimal(168)
"""The longest window that may be set (a week): orders older than that are forgotten."""
_KEEP: Final = timedelta(hours=int(MAX_WINDOW_H))
Entry = tuple[AccountId, ClientOrderId, datetime, StrategyId | None]
"""A journaled order as the window counts it: account, id, created at, strategy (None: a person's)."""


class OrderWindow:
    """Each account's and each strategy's orders that passed, oldest first, counted over a rolling span by bisection."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, deque[tuple[datetime, ClientOrderId]]] = {}
        """Keyed by AccountId, and by ("strategy", StrategyId) for the strategies."""
        self._at: dict[ClientOrderId, datetime] = {}
        self._pending: tuple[Callable[[], Iterable[Entry]], datetime] | None = None
        """The journal's read of the orders a restart counts, not yet run (see restore_later)."""

    def remember(self, account_id: AccountId, client_order_id: ClientOrderId, at: datetime,
                 strategy: StrategyId | None = None) -> None:
        """Count an order that passed (once: an order checked again, at approval, keeps its first time)."""
        self.settle()
        if client_order_id in self._at:
            return
        keys: list[Hashable] = [account_id] if strategy is None else [account_id, ("strategy", strategy)]
        for key in keys:
            entries = self._entries.setdefault(key, deque())
            when = max(at, entries[-1][0]) if entries else at  # the wall clock stepped back: keep the order, in order
            entries.append((when, client_order_id))
            self._forget_older(entries, when)
        self._at[client_order_id] = at

    def restore(self, orders: Iterable[Order], now: datetime) -> None:
        """Count the journal's orders of the last MAX_WINDOW_H hours that passed risk (every one but the denied)."""
        kept = sorted((o for o in orders if o.status is not OrderStatus.DENIED and now - o.created_at < _KEEP),
                      key=lambda o: o.created_at)
        for order in kept:
            self.remember(order.account_id, order.client_order_id, order.created_at, strategy_of(order))

    def restore_entries(self, entries: Iterable[Entry], now: datetime) -> None:
        """Count the journal's orders (account, id, created at, strategy) of the last MAX_WINDOW_H hours that passed
        risk: the journal's query names every order created in that span that was not DENIED (see `restore`)."""
        kept = sorted((e for e in entries if now - e[2] < _KEEP), key=lambda e: e[2])
        for account_id, client_order_id, created_at, strategy in kept:
            if client_order_id in self._at:
                continue
            self._at[client_order_id] = created_at
            for key in (account_id, ("strategy", MANUAL if strategy is None else strategy)):
                entries_of = self._entries.setdefault(key, deque())
                when = max(created_at, entries_of[-1][0]) if entries_of else created_at
                entries_of.append((when, client_order_id))  # in time order and all within _KEEP: none to forget

    def restore_later(self, load: Callable[[], Iterable[Entry]], now: datetime) -> None:
        """Count load()'s orders as `restore_entries` does, at the first count or order or at `settle`, not now."""
        self._pending = (load, now)

    def settle(self) -> None:
        """Run the read `restore_later` handed over, if it has not run (a failed read is raised, and tried again)."""
        if self._pending is not None:
            load, now = self._pending
            entries = load()
            self._pending = None
            self.restore_entries(entries, now)

    def count_within(self, account_id: AccountId, now: datetime, hours: Decimal,
                     without: ClientOrderId | None = None) -> int:
        """Return how many of account_id's orders passed within the last `hours` before now, leaving out `without`."""
        return self._count(account_id, now, hours, without)

    def strategy_count_within(self, strategy: StrategyId, now: datetime, hours: Decimal,
                              without: ClientOrderId | None = None) -> int:
        """Return how many of the strategy's orders, on every account, passed within the last `hours` before now."""
        return self._count(("strategy", strategy), now, hours, without)

    def _count(self, key: Hashable, now: datetime, hours: Decimal, without: ClientOrderId | None) -> int:
        self.settle()
        entries = self._entries.get(key)
        if not entries:
            return 0
        self._forget_older(entries, now)
        since = now - timedelta(hours=float(hours))
        count = len(entries) - bisect_left(entries, since, key=lambda entry: entry[0])
        mine = None if without is None else self._at.get(without)
        return count - (mine is not None and mine >= since)

    def _forget_older(self, entries: deque[tuple[datetime, ClientOrderId]], now: datetime) -> None:
        """Forget the orders older than the longest window (memory stays bounded with no limit set)."""
        while entries and now - entries[0][0] > _KEEP:
            self._at.pop(entries.popleft()[1], None)
