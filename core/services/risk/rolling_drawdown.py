"""RollingDrawdown: each account's equity peak over the last N days, how far equity has fallen from it.

The intraday drawdown (drawdown.py) starts afresh every morning, so a loss spread over a week never
trips it. This one follows the account's equity across days: the P&L of each local day (realized +
unrealized, net of commissions, in the limits' currency) adds to the days before it, and the peak is the
highest point of that running sum within the last `rolling_drawdown_days` days, today included. Days
TradeTerm did not run count as flat. Beyond `rolling_drawdown_limit` (or `..._pct` of the equity at
the peak) the account may only reduce positions, beyond `rolling_drawdown_halt` (or `..._pct`) it is HALTED,
until a person resets the drawdown (thresholds.py: the daily loss's two levels). A strategy with its own
limits is measured the same way on its own P&L of each day on each account (its % of the account's equity),
and beyond them may only reduce its own positions, or send nothing, while the account trades on; a strategy's
reset starts its own days afresh and touches neither the account's nor another strategy's.

Each day's peak and close (its last P&L) are journaled as audit entries (ROLLING_AUDIT): a peak rise of
more than the journal step at once, a moved close at most every CLOSE_EVERY, and a day's last figure as
the next day begins. A restart reads back only the entries of the window's days, through the audit's
time index (`Journal.audit_entries(actions, since)`), never the whole history.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from core.domain import AccountId, StrategyId, TradingState
from core.services.risk.drawdown import Drawdown, PeakKey, measure, step_of
from core.services.risk.limits import MAX_DRAWDOWN_DAYS, RiskLimits
from core.services.risk.thresholds import Levels, breach, money_text, pct_text

ZERO = Decimal(0)
ROLLING_AUDIT = "drawdown_day"
CLOSE_EVERY = timedelta(minutes=5)
"""A day's close that moved is journaled at most this often (a rise of the peak at once)."""
Record = Callable[[PeakKey, date, Decimal, Decimal, bool], None]


@dataclass(slots=True)
class _Day:
    peak: Decimal
    close: Decimal
    written: tuple[Decimal, Decimal] | None = None
    """The (peak, close) last journaled."""
    written_at: datetime | None = None
    base: Decimal | None = None
    """The P&L figure this day counts from, while this process saw it (None: restored from the journal)."""


@dataclass(frozen=True, slots=True)
class RollingFall:
    """The drawdown over the window, with the day of its peak (None: at the peak, or no day seen)."""

    drawdown: Drawdown
    peak_day: date | None


def day_detail(key: PeakKey, day: date, peak: Decimal, close: Decimal, reset: bool) -> str:
    """Return the audit detail of one day's peak and close (JSON), `reset` when a person reset the drawdown."""
    account_id, strategy_id = key
    record: dict[str, object] = {"account": str(account_id), "day": day.isoformat(), "peak": format(peak, "f"),
                                 "close": format(close, "f")}
    if strategy_id is not None:
        record["strategy"] = str(strategy_id)
    if reset:
        record["reset"] = True
    return json.dumps(record)


def read_day(detail: str) -> tuple[PeakKey, date, Decimal, Decimal, bool]:
    """Read an audit detail written by day_detail; raise ValueError if it is not one."""
    try:
        record = json.loads(detail)
        strategy = record.get("strategy")
        key = (AccountId(str(record["account"])), None if strategy is None else StrategyId(str(strategy)))
        return (key, date.fromisoformat(record["day"]), Decimal(record["peak"]), Decimal(record["close"]),
                bool(record.get("reset", False)))
    except (KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        raise ValueError(f"not a drawdown day: {detail!r}") from exc


def rolling_fall(rolling: RollingDrawdown, key: PeakKey, limits: RiskLimits, pnl: Decimal, today: date, now: datetime,
                 equity: Decimal | None) -> RollingFall:
    """Take in the P&L of the day now of key (an account, or a strategy on it); return its fall over the window."""
    rolling.observe(key, today, pnl, now, rolling_step(limits))
    return rolling.fall(key, today, limits.rolling_drawdown_days, equity)


def rolling_levels(limits: RiskLimits) -> Levels:
    """Return the two thresholds of the drawdown over the window (currency and %)."""
    return Levels(limits.rolling_drawdown_limit, limits.rolling_drawdown_halt, limits.rolling_drawdown_limit_pct,
                  limits.rolling_drawdown_halt_pct)


def rolling_set(limits: RiskLimits) -> bool:
    """Return True when the account (or strategy) has a drawdown limit over days (either threshold, currency or %)."""
    return not (limits.rolling_drawdown_limit is None and limits.rolling_drawdown_halt is None
                and limits.rolling_drawdown_limit_pct is None and limits.rolling_drawdown_halt_pct is None)


def rolling_step(limits: RiskLimits) -> Decimal:
    """Return by how much a day's peak may rise before it is journaled (every rise for a % limit only)."""
    return step_of(rolling_levels(limits)) or ZERO


def window_start(today: date, days: int) -> date:
    """Return the first day of a window of `days` days ending today."""
    return today - timedelta(days=days - 1)


class RollingDrawdown:
    """Each account's (and strategy's) days: peak and close of its P&L; `record(key, day, peak, close, reset)`
    journals one."""

    def __init__(self) -> None:
        self._days: dict[PeakKey, dict[date, _Day]] = {}
        self.record: Record = lambda account, day, peak, close, reset: None

    def restore(self, key: PeakKey, day: date, peak: Decimal, close: Decimal, reset: bool) -> None:
        """Take back one journaled day (entries oldest first: a newer one of the same day replaces it; a reset
        forgets the days before it)."""
        days = self._days.setdefault(key, {})
        if reset:
            for older in [d for d in days if d < day]:
                del days[older]
        days[day] = _Day(peak, close, (peak, close))

    def reset(self, key: PeakKey, day: date, pnl: Decimal, now: datetime) -> None:
        """Count the drawdown afresh from the P&L now: the days before today are forgotten; journal it."""
        held = self._days.get(key, {}).get(day)
        base = held.base if held is not None and held.base is not None else ZERO
        pnl -= base
        self._days[key] = {day: _Day(pnl, pnl, (pnl, pnl), now, base)}
        self.record(key, day, pnl, pnl, True)

    def observe(self, key: PeakKey, day: date, pnl: Decimal, now: datetime, step: Decimal) -> None:
        """Take in the account's P&L of the day now; journal the day as the module doc says."""
        days = self._days.setdefault(key, {})
        held = days.get(day)
        if held is None:
            base = ZERO
            for older, kept in sorted(days.items()):
                if older < day and kept.written != (kept.peak, kept.close):  # the last figure of an earlier day
                    kept.written, kept.written_at = (kept.peak, kept.close), now
                    self.record(key, older, kept.peak, kept.close, False)
                if older < day - timedelta(days=MAX_DRAWDOWN_DAYS):
                    del days[older]
                elif kept.base is not None:  # running past midnight: the P&L figure carries on from yesterday's
                    base = kept.base + kept.close
            held = days[day] = _Day(ZERO, ZERO, base=base)  # the day starts at P&L 0: its first peak
        if held.base is None:
            held.base = ZERO
        pnl -= held.base
        held.peak = max(held.peak, pnl)
        held.close = pnl
        written = held.written
        rose = written is None or held.peak - written[0] > step
        moved = written is None or (held.close != written[1] and (
            held.written_at is None or now - held.written_at >= CLOSE_EVERY))
        if rose or moved:
            held.written, held.written_at = (held.peak, held.close), now
            self.record(key, day, held.peak, held.close, False)

    def fall(self, key: PeakKey, today: date, days: int, equity: Decimal | None) -> RollingFall:
        """Return the fall of the running P&L from its highest point within the last `days` days."""
        first = window_start(today, days)
        running = ZERO
        peak: Decimal | None = None
        peak_day: date | None = None
        for day, held in sorted(self._days.get(key, {}).items()):
            if first <= day <= today:
                if peak is None or running + held.peak > peak:
                    peak, peak_day = running + held.peak, day
                running += held.close
        if peak is None:
            return RollingFall(measure(ZERO, ZERO, equity), None)
        return RollingFall(measure(peak, running, equity), peak_day)


def span_text(days: int) -> str:
    return "today" if days == 1 else f"the last {days} days"


def rolling_target(limits: RiskLimits, fall: RollingFall) -> tuple[TradingState, str] | None:
    """Return the state the account's drawdown over the window calls for (HALTED before REDUCING), with why, or None."""
    drawdown, ccy = fall.drawdown, limits.currency
    if drawdown.amount == 0:
        return None
    found = breach(rolling_levels(limits), drawdown.amount, drawdown.pct)
    if found is None:
        return None
    since = "" if fall.peak_day is None else f" (peak on {fall.peak_day.isoformat()})"
    share = f" ({pct_text(drawdown.pct)} of the peak equity)" if found.pct and drawdown.pct is not None else ""
    then = ("no new orders" if found.state is TradingState.HALTED
            else "only orders that reduce a position are allowed")
    return found.state, (f"Drawdown {money_text(drawdown.amount, ccy)} from the equity peak of "
                         f"{span_text(limits.rolling_drawdown_days)}{since} is beyond {found.level_text(ccy)}{share}: "
                         f"{then}. Reset the drawdown in Risk limits once checked.")
