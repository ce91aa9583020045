"""AccountDrawdowns: each account's drawdown from today's peak and over its window of days, and what each calls for.

The risk engine holds the account (HoldCause.DRAWDOWN, HoldCause.ROLLING_DRAWDOWN) on what `intraday_target` and
`rolling_target` say; this class only measures, from the account's exact P&L of the day (drawdown.py,
rolling_drawdown.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

from core.domain import AccountId, TradingState
from core.services.risk.context import PositionSource
from core.services.risk.drawdown import Drawdown, DrawdownPeaks, drawdown_target, journal_step, measure
from core.services.risk.limits import RiskLimits
from core.services.risk.rolling_drawdown import RollingDrawdown, RollingFall, rolling_fall, rolling_set, rolling_target

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


class AccountDrawdowns:
    """Measure each account's drawdowns; `peaks` and `rolling` are journaled and restored by the session."""

    def __init__(self, positions: PositionSource, limits_for: Callable[[AccountId], RiskLimits],
                 equity_of: Callable[[AccountId, str], Decimal | None], today: Callable[[], date],
                 now: Callable[[], datetime]) -> None:
        self._positions = positions
        self._limits_for = limits_for
        self._equity_of = equity_of
        self._today = today
        self._now = now
        self.peaks = DrawdownPeaks()
        self.rolling = RollingDrawdown()

    def day_pnl(self, account_id: AccountId, limits: RiskLimits) -> Decimal | None:
        """Return the account's exact P&L of the day in the limits' currency, or None while a figure is unknown."""
        total = Decimal(0)
        for currency, day in self._positions.daily_sums(account_id).items():
            rate = limits.fx_rate(currency)
            if day.unknown or rate is None:
                return None
            total = _EXACT.add(total, _EXACT.multiply(day.total, rate))
        return total

    def intraday(self, account_id: AccountId) -> Drawdown | None:
        """Return the account's drawdown from today's equity peak, or None while its P&L is unknown."""
        limits = self._limits_for(account_id)
        pnl = self.day_pnl(account_id, limits)
        if pnl is None:
            return None
        peak = self.peaks.observe((account_id, None), self._today(), pnl, journal_step(limits))
        return measure(peak, pnl, self._equity_of(account_id, limits.currency))

    def intraday_target(self, account_id: AccountId) -> tuple[TradingState, str] | None:
        """Move the account's peak; return the state its drawdown from today's peak calls for, with why (None:
        none, or no drawdown limit, so a limit switched on during the day counts from the P&L then)."""
        limits = self._limits_for(account_id)
        if journal_step(limits) is None:
            return None
        drawdown = self.intraday(account_id)
        return None if drawdown is None else drawdown_target(limits, drawdown)

    def over_days(self, account_id: AccountId) -> RollingFall | None:
        """Return the account's drawdown over its window of days (observing the P&L now), or None while its P&L is
        unknown or it has no rolling drawdown limit."""
        limits = self._limits_for(account_id)
        pnl = self.day_pnl(account_id, limits) if rolling_set(limits) else None
        if pnl is None:
            return None
        return rolling_fall(self.rolling, (account_id, None), limits, pnl, self._today(), self._now(),
                            self._equity_of(account_id, limits.currency))

    def rolling_target(self, account_id: AccountId) -> tuple[TradingState, str] | None:
        """Return the state the account's drawdown over days calls for, with why, or None."""
        fall = self.over_days(account_id)
        return None if fall is None else rolling_target(self._limits_for(account_id), fall)

    def reset(self, account_id: AccountId) -> None:
        """Make the P&L now the peak of today and of the window (both drawdowns start again from zero)."""
        pnl = self.day_pnl(account_id, self._limits_for(account_id))
        if pnl is not None:
            self.peaks.reset((account_id, None), self._today(), pnl)
            self.rolling.reset((account_id, None), self._today(), pnl, self._now())
