"""Drawdown: each account's intraday equity peak, how far equity has fallen from it, and the state that calls for.

Equity here is the account's P&L of the day (realized + unrealized, net of commissions, in the limits'
currency) on top of its start-of-day equity, so the start of the day is the first peak (P&L 0). The
drawdown is the peak minus the P&L now, in currency, and as a percentage of the equity at the peak
(equity now + drawdown, when the account's funds say its equity). A new day starts a new peak; a
reset (by a person) makes the P&L now the peak.

The peak is journaled, not recomputed from a partial history after a restart: `record` is called
whenever the peak rises by JOURNAL_STEP of the smallest currency threshold (or at all, when only %
thresholds are set), so a restart restores it at most that far below the true peak.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain import AccountId, StrategyId, TradingState
from core.services.risk.limits import RiskLimits
from core.services.risk.thresholds import Levels, breach, money_text, pct_text

ZERO = Decimal(0)
HUNDRED = Decimal(100)
JOURNAL_STEP = Decimal("0.01")
"""A rise of the peak is journaled once it exceeds this share of the smallest currency threshold."""
PeakKey = tuple[AccountId, StrategyId | None]
"""Whose peak: an account's (strategy None), or one strategy's on one account."""
PEAK_AUDIT = "drawdown_peak"
RESET_AUDIT = "drawdown_reset"


@dataclass(frozen=True, slots=True)
class Drawdown:
    """An account's drawdown now: the peak P&L of the day, the fall from it, and that fall in % (None: no equity)."""

    peak: Decimal
    amount: Decimal
    pct: Decimal | None


@dataclass(slots=True)
class _Peak:
    day: date
    peak: Decimal
    journaled: Decimal


def peak_detail(key: PeakKey, day: date, peak: Decimal) -> str:
    """Return the audit detail that journals a peak (JSON: account, strategy if any, local day, peak P&L)."""
    account_id, strategy_id = key
    record = {"account": str(account_id), "day": day.isoformat(), "peak": format(peak, "f")}
    if strategy_id is not None:
        record["strategy"] = str(strategy_id)
    return json.dumps(record)


def read_peak(detail: str) -> tuple[PeakKey, date, Decimal]:
    """Read an audit detail written by peak_detail; raise ValueError if it is not one."""
    record = json.loads(detail)
    try:
        strategy = record.get("strategy")
        key = (AccountId(str(record["account"])), None if strategy is None else StrategyId(str(strategy)))
        return key, date.fromisoformat(record["day"]), Decimal(record["peak"])
    except (KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        raise ValueError(f"not a drawdown peak: {detail!r}") from exc


class DrawdownPeaks:
    """The intraday peak of each account's (and strategy's) P&L; `record(key, day, peak, reset)` journals it."""

    def __init__(self) -> None:
        self._peaks: dict[PeakKey, _Peak] = {}
        self.record: Callable[[PeakKey, date, Decimal, bool], None] = lambda key, day, peak, reset: None

    def restore(self, key: PeakKey, day: date, peak: Decimal) -> None:
        """Take a journaled peak back after a restart (a later rise replaces it as usual)."""
        self._peaks[key] = _Peak(day, peak, peak)

    def reset(self, key: PeakKey, day: date, pnl: Decimal) -> None:
        """Start the drawdown afresh from the P&L now (a person's decision); journal it."""
        self._peaks[key] = _Peak(day, pnl, pnl)
        self.record(key, day, pnl, True)

    def observe(self, key: PeakKey, day: date, pnl: Decimal, step: Decimal | None) -> Decimal:
        """Take in the P&L now; return the day's peak. Journal the peak when it rose by more than step (None: never)."""
        held = self._peaks.get(key)
        if held is None or held.day != day:
            held = self._peaks[key] = _Peak(day, ZERO, ZERO)
        if pnl > held.peak:
            held.peak = pnl
        if step is not None and held.peak - held.journaled > step:
            held.journaled = held.peak
            self.record(key, day, held.peak, False)
        return held.peak


def drawdown_levels(limits: RiskLimits) -> Levels:
    """Return the two thresholds of the drawdown from today's peak (currency and %)."""
    return Levels(limits.drawdown_limit, limits.drawdown_halt, limits.drawdown_limit_pct, limits.drawdown_halt_pct)


def journal_step(limits: RiskLimits) -> Decimal | None:
    """Return by how much the peak may rise before it is journaled, or None when no drawdown limit is set."""
    if (limits.drawdown_limit is None and limits.drawdown_halt is None and limits.drawdown_limit_pct is None
            and limits.drawdown_halt_pct is None):
        return None  # every order asks (the drawdown watch): no Levels made when no limit is set, the usual case
    return step_of(drawdown_levels(limits))


def step_of(levels: Levels) -> Decimal | None:
    """Return by how much a peak may rise before it is journaled: a share of the smallest currency threshold, every
    rise when only % thresholds are set, never (None) when none is."""
    smallest = levels.smallest_amount
    if smallest is not None:
        return smallest * JOURNAL_STEP
    return ZERO if levels.any else None


def measure(peak: Decimal, pnl: Decimal, equity: Decimal | None) -> Drawdown:
    """Return the drawdown from peak to pnl; in % of the equity at the peak when the equity now is known."""
    amount = max(peak - pnl, ZERO)
    pct = None
    if equity is not None and equity + amount > 0:
        pct = amount * HUNDRED / (equity + amount)
    return Drawdown(peak, amount, pct)


def drawdown_target(limits: RiskLimits, drawdown: Drawdown) -> tuple[TradingState, str] | None:
    """Return the state a drawdown beyond a threshold calls for (HALTED before REDUCING), with why, or None."""
    if drawdown.amount == 0:
        return None  # at the peak: the usual case, decided without a word of text
    found = breach(drawdown_levels(limits), drawdown.amount, drawdown.pct)
    if found is None:
        return None
    share = f" ({pct_text(drawdown.pct)})" if found.pct and drawdown.pct is not None else ""
    return found.state, (f"Drawdown {money_text(drawdown.amount, limits.currency)} from today's peak{share} is "
                         f"beyond {found.level_text(limits.currency, 'drawdown')}.")
