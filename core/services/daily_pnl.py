"""DailyPnlSums: per account and currency, an exact running sum of the positions' daily P&L.

The portfolio marks a position as touched when a quote or fill changes it (a set insertion, nothing
more); the sums take in the touched positions only when someone reads them. So a reader pays for
what changed since it last looked, not for every position of the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from types import MappingProxyType

from core.domain import AccountId, Position

ZERO = Decimal(0)
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Additions in this context never round: the running sums stay exact however long they run."""
_NONE: Mapping[str, DailySum] = MappingProxyType({})


class DailySum:
    """The daily P&L of an account's positions in one currency, kept current by DailyPnlSums (read it only).

    `total` is the exact sum of the known figures and `size` the sum of their absolute values (it bounds
    how far a position-by-position sum in the default 28-digit context can round away from `total`);
    `unknown` counts the positions whose daily P&L is unknown (held, no mark yet).
    """

    __slots__ = ("currency", "size", "total", "unknown")

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.total = ZERO
        self.size = ZERO
        self.unknown = 0


class DailyPnlSums:
    """Keep the sums; call `touch(position)` whenever a position is marked or filled."""

    def __init__(self) -> None:
        self._taken: dict[Position, Decimal | None] = {}
        self._sums: dict[AccountId, dict[str, DailySum]] = {}
        self._touched: set[Position] = set()

    def touch(self, position: Position) -> None:
        """Note that the position's daily P&L may have changed."""
        self._touched.add(position)

    def reset(self, positions: Iterable[Position]) -> None:
        """Forget every sum and take positions afresh (after a restore)."""
        self._taken.clear()
        self._sums.clear()
        self._touched = set(positions)

    def sums(self, account_id: AccountId) -> Mapping[str, DailySum]:
        """Return the account's sums per currency (every currency it has a position in, flat ones too)."""
        if self._touched:
            self._take_touched()
        return self._sums.get(account_id, _NONE)

    def _take_touched(self) -> None:
        touched, self._touched = self._touched, set()
        add = _EXACT.add
        subtract = _EXACT.subtract
        for position in touched:
            running = self._sums.setdefault(position.account_id, {}).get(position.currency)
            if running is None:
                running = self._sums[position.account_id][position.currency] = DailySum(position.currency)
            new = position.daily_pnl
            if position in self._taken:
                old = self._taken[position]
                if old is None:
                    running.unknown -= 1
                else:
                    running.total = subtract(running.total, old)
                    running.size = subtract(running.size, abs(old))
            self._taken[position] = new
            if new is None:
                running.unknown += 1
            else:
                running.total = add(running.total, new)
                running.size = add(running.size, abs(new))
