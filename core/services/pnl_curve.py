"""PnlCurve: one account's P&L (realised + unrealised, one currency) over the session, for the P&L curve.

The curve starts from the journal: its fills replayed in order, each point the positions' realised P&L
(net of commissions) plus their unrealised P&L marked at the trade prices known then (each symbol at its
own last fill). From the session's start on, `sample` adds the portfolio's own figure (marked at the live
quotes, the same realised + unrealised the status bar sums) whenever it changed, so the curve moves
with every fill and every mark. The points before `since` (the session's start) collapse into the
first point, so the curve shows the session's course from where the account stood.

How far back the replay goes: to the account's first fill. Today's realised P&L needs the cost basis
of every position carried into today, and the portfolio's current positions cannot give it: they
already hold today's fills, and an average cost cannot be unwound past a position that went flat or
reversed. So `replay_account` reads the account's fills oldest first, a page at a time through the
read-only HistoryReader (blocking: run it in a worker thread), into a PnlReplay that keeps only the
running positions (one per symbol), their running total per currency, and the points of today's
session: its memory does not grow with the journal's history, and nothing of it runs on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.domain import AccountId, Fill, Instrument, Position
from core.ports.history import Cursor, FillFilter, HistoryQueries
from core.services.instruments import instrument_for
from core.services.portfolio import PnlTotals

ZERO = Decimal(0)
REPLAY_PAGE = 5_000
"""Fills the replay reads per page (one short read transaction each)."""


@dataclass(frozen=True, slots=True)
class PnlPoint:
    """The account's realised + unrealised P&L in the curve's currency at ts."""

    ts: datetime
    pnl: Decimal


class PnlReplay:
    """One account's fills replayed in time order into running positions (see the module doc).

    Keeps one Position per symbol, the running P&L per currency, the points at or after since (one
    per fill) and how many fills each currency had; never the fills themselves. A fill of another
    account, or whose instrument the catalog does not have, is left out.
    """

    def __init__(self, instruments: Mapping[str, Instrument], account_id: AccountId, since: datetime) -> None:
        self._instruments = instruments
        self.account_id = account_id
        self.since = since
        self._positions: dict[str, Position] = {}
        self._shares: dict[str, Decimal] = {}
        self._totals: dict[str, Decimal] = {}
        self._before: dict[str, Decimal] = {}
        self._points: dict[str, list[PnlPoint]] = {}
        self.currencies: dict[str, int] = {}
        """Fills per currency seen in the replay."""

    def add(self, fill: Fill) -> None:
        """Replay one fill (fills must come oldest first)."""
        instrument = instrument_for(self._instruments, fill.symbol, fill.account_id)
        if fill.account_id != self.account_id or instrument is None:
            return
        currency = instrument.currency
        self.currencies[currency] = self.currencies.get(currency, 0) + 1
        position = self._positions.get(fill.symbol)
        if position is None:
            position = self._positions[fill.symbol] = Position(self.account_id, instrument)
        position.apply(fill)
        position.mark(fill.price.value)
        share = position.realized_pnl + (position.unrealized_pnl or ZERO)
        total = self._totals.get(currency, ZERO) + share - self._shares.get(fill.symbol, ZERO)
        self._shares[fill.symbol] = share
        self._totals[currency] = total
        if fill.ts < self.since:
            self._before[currency] = total
        else:
            self._points.setdefault(currency, []).append(PnlPoint(fill.ts, total))

    def points(self, currency: str) -> list[PnlPoint]:
        """Return the curve's points in currency: the P&L at since (or zero), then one per later fill."""
        return [PnlPoint(self.since, self._before.get(currency, ZERO)), *self._points.get(currency, [])]


def replayed_pnl(fills: Iterable[Fill], instruments: Mapping[str, Instrument], account_id: AccountId,
                 currency: str, since: datetime) -> list[PnlPoint]:
    """Return the curve's points from the journal's fills of account_id in currency (see the module doc).

    The first point is at since, with the P&L of the fills before it (or zero); one point per later fill.
    A fill whose instrument the catalog no longer has is left out.
    """
    replay = PnlReplay(instruments, account_id, since)
    for fill in sorted((f for f in fills if f.account_id == account_id), key=lambda f: f.ts):
        replay.add(fill)
    return replay.points(currency)


class ReplayCancelled(Exception):
    """The replay was stopped (TradeTerm is shutting down)."""


def replay_account(history: HistoryQueries, instruments: Mapping[str, Instrument], account_id: AccountId,
                   since: datetime, stop: threading.Event | None = None) -> PnlReplay:
    """Replay every fill of account_id in the journal, oldest first, a page at a time (blocking: run off the loop).

    Raises ReplayCancelled when stop is set between two pages.
    """
    replay = PnlReplay(instruments, account_id, since)
    where = FillFilter(account=str(account_id))
    cursor: Cursor | None = None
    while True:
        if stop is not None and stop.is_set():
            raise ReplayCancelled(f"The P&L replay of {account_id} was stopped.")
        result = history.fills_page(where, cursor, REPLAY_PAGE, newest_first=False)
        for fill in result.rows:
            replay.add(fill)
        if result.next is None:
            return replay
        cursor = result.next


AccountTotals = Callable[[AccountId], Mapping[str, PnlTotals]]
"""An account's P&L totals per currency now (Portfolio.totals, or the session view's account_pnl)."""


def currencies_of(totals: AccountTotals, seen: Mapping[str, int], account_id: AccountId) -> list[str]:
    """Return the currencies account_id has traded (seen: fills per currency) or holds positions in, most used first."""
    counts = dict(seen)
    for currency in totals(account_id):
        counts.setdefault(currency, 0)
    return sorted(counts, key=lambda c: -counts[c])


class PnlCurve:
    """One account's P&L curve in one currency: replayed history, then live samples of the portfolio."""

    def __init__(self, totals: AccountTotals, account_id: AccountId, currency: str,
                 history: Iterable[PnlPoint]) -> None:
        self._totals = totals
        self.account_id = account_id
        self.currency = currency
        self.points: list[PnlPoint] = list(history)

    def begin_with(self, history: Iterable[PnlPoint]) -> None:
        """Put the replayed history before the live samples taken so far (those before the first sample)."""
        first = self.points[0].ts if self.points else None
        self.points[:0] = [p for p in history if first is None or p.ts < first]

    def sample(self, now: datetime) -> bool:
        """Add the portfolio's realised + unrealised P&L at now if it changed; return True when a point was added.

        Nothing is added while a held position has no mark (the figure is unknown, not zero).
        """
        totals = self._totals(self.account_id).get(self.currency)
        if totals is None or totals.unrealized is None:
            return False
        value = totals.realized + totals.unrealized
        if self.points and self.points[-1].pnl == value:
            return False
        self.points.append(PnlPoint(now, value))
        return True

    @property
    def latest(self) -> Decimal | None:
        return self.points[-1].pnl if self.points else None
