"""PnlCurve: one account's P&L (realised + unrealised, one currency) over the session, for the P&L curve.

The curve starts from the journal: its fills replayed in order, each point the positions' realised P&L
(net of commissions) plus their unrealised P&L marked at the trade prices known then (each symbol at its
own last fill). From the session's start on, `sample` adds the portfolio's own figure (marked at the live
quotes, the same realised + unrealised the status bar sums) whenever it changed, so the curve moves
with every fill and every mark. The points before `since` (the session's start) collapse into the
first point, so the curve shows the session's course from where the account stood.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.domain import AccountId, Fill, Instrument, Position
from core.services.portfolio import Portfolio

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PnlPoint:
    """The account's realised + unrealised P&L in the curve's currency at ts."""

    ts: datetime
    pnl: Decimal


def replayed_pnl(fills: Iterable[Fill], instruments: Mapping[str, Instrument], account_id: AccountId,
                 currency: str, since: datetime) -> list[PnlPoint]:
    """Return the curve's points from the journal's fills of account_id in currency (see the module doc).

    The first point is at since, with the P&L of the fills before it (or zero); one point per later fill.
    A fill whose instrument the catalog no longer has is left out.
    """
    positions: dict[str, Position] = {}
    before = ZERO
    points: list[PnlPoint] = []
    for fill in sorted((f for f in fills if f.account_id == account_id), key=lambda f: f.ts):
        instrument = instruments.get(fill.symbol)
        if instrument is None or instrument.currency != currency:
            continue
        position = positions.get(fill.symbol)
        if position is None:
            position = positions[fill.symbol] = Position(account_id, instrument)
        position.apply(fill)
        position.mark(fill.price.value)
        total = sum((p.realized_pnl + (p.unrealized_pnl or ZERO) for p in positions.values()), ZERO)
        if fill.ts < since:
            before = total
        else:
            points.append(PnlPoint(fill.ts, total))
    return [PnlPoint(since, before), *points]


def currencies_of(portfolio: Portfolio, fills: Iterable[Fill], instruments: Mapping[str, Instrument],
                  account_id: AccountId) -> list[str]:
    """Return the currencies account_id has traded or holds positions in, most used first."""
    seen: dict[str, int] = {}
    for fill in fills:
        instrument = instruments.get(fill.symbol)
        if fill.account_id == account_id and instrument is not None:
            seen[instrument.currency] = seen.get(instrument.currency, 0) + 1
    for currency in portfolio.totals(account_id):
        seen.setdefault(currency, 0)
    return sorted(seen, key=lambda c: -seen[c])


class PnlCurve:
    """One account's P&L curve in one currency: replayed history, then live samples of the portfolio."""

    def __init__(self, portfolio: Portfolio, account_id: AccountId, currency: str,
                 history: Iterable[PnlPoint]) -> None:
        self._portfolio = portfolio
        self.account_id = account_id
        self.currency = currency
        self.points: list[PnlPoint] = list(history)

    def sample(self, now: datetime) -> bool:
        """Add the portfolio's realised + unrealised P&L at now if it changed; return True when a point was added.

        Nothing is added while a held position has no mark (the figure is unknown, not zero).
        """
        totals = self._portfolio.totals(self.account_id).get(self.currency)
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
