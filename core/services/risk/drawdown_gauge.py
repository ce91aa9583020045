"""DrawdownGauge: how much of its drawdown limits an account uses now, in money and %, for the accounts panel.

An account has up to two drawdowns (from today's peak, and over its window of days), each with two thresholds
(thresholds.py). The gauge shows the one nearest its threshold against its first threshold (the reduce-only
limit; the halt level when only that is set), and says for each how far it is: clear, near (NEAR_SHARE of the
threshold or more), reducing, halted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from core.domain import AccountId, TradingState
from core.services.risk.drawdown import Drawdown, drawdown_levels
from core.services.risk.engine import RiskEngine
from core.services.risk.rolling_drawdown import rolling_levels, span_text
from core.services.risk.thresholds import Levels, breach, money_text, pct_text

NEAR_SHARE = Decimal("0.8")
"""From this share of its threshold a drawdown shows as near."""


class GaugeLevel(StrEnum):
    """How far a drawdown is toward its thresholds, in rising order of concern."""

    OFF = "no limit"
    CLEAR = "clear"
    NEAR = "near the limit"
    REDUCING = "beyond the limit"
    HALTED = "beyond the halt level"


_RANK = {level: rank for rank, level in enumerate(GaugeLevel)}


@dataclass(frozen=True, slots=True)
class Measure:
    """One drawdown of an account now, with its thresholds; `span` is 'today' or 'the last N days'."""

    span: str
    drawdown: Drawdown
    levels: Levels
    currency: str

    @property
    def first(self) -> tuple[Decimal | None, Decimal | None]:
        """Return the first threshold (currency, %): the reduce-only limit, or the halt level when only it is set."""
        if self.levels.limit is not None or self.levels.limit_pct is not None:
            return self.levels.limit, self.levels.limit_pct
        return self.levels.halt, self.levels.halt_pct

    @property
    def share(self) -> Decimal:
        """Return the largest share of its first threshold the drawdown uses (0 without one)."""
        amount, pct = self.first
        shares = [self.drawdown.amount / amount] if amount is not None else []
        if pct is not None and self.drawdown.pct is not None:
            shares.append(self.drawdown.pct / pct)
        return max(shares, default=Decimal(0))

    @property
    def level(self) -> GaugeLevel:
        if not self.levels.any:
            return GaugeLevel.OFF
        found = breach(self.levels, self.drawdown.amount, self.drawdown.pct)
        if found is not None:
            return GaugeLevel.HALTED if found.state is TradingState.HALTED else GaugeLevel.REDUCING
        return GaugeLevel.NEAR if self.share >= NEAR_SHARE else GaugeLevel.CLEAR

    def text(self) -> str:
        """Return e.g. '120.00 / 500.00 USD · 1.2% / 5%' (used / first threshold, in money, then in %)."""
        amount, pct = self.first
        parts = [f"{_figure(self.drawdown.amount)} / {money_text(amount, self.currency)}" if amount is not None
                 else money_text(self.drawdown.amount, self.currency)]
        if self.drawdown.pct is not None:
            parts.append(f"{pct_text(self.drawdown.pct)} / {pct_text(pct)}" if pct is not None
                         else pct_text(self.drawdown.pct))
        return " · ".join(parts)

    def detail(self) -> str:
        """Return one line naming the drawdown, its figures and every threshold set."""
        share = "" if self.drawdown.pct is None else f" ({pct_text(self.drawdown.pct)})"
        sets = [f"{word} beyond {', '.join(v)}" for word, v in (
            ("reduce-only", _values(self.levels.limit, self.levels.limit_pct, self.currency)),
            ("halt", _values(self.levels.halt, self.levels.halt_pct, self.currency))) if v]
        return (f"Drawdown from the peak of {self.span}: {money_text(self.drawdown.amount, self.currency)}{share}"
                f" — {'; '.join(sets) or 'no limit set'}.")


@dataclass(frozen=True, slots=True)
class DrawdownGauge:
    """An account's drawdowns now; `shown` is the one nearest its threshold."""

    measures: tuple[Measure, ...]

    @property
    def shown(self) -> Measure:
        return max(self.measures, key=lambda m: (_RANK[m.level], m.share))

    @property
    def level(self) -> GaugeLevel:
        return self.shown.level

    def text(self) -> str:
        """Return the shown drawdown's figures ('no limit' when none is set: its peak is then not followed)."""
        shown = self.shown
        if shown.level is GaugeLevel.OFF:
            return "no limit"
        prefix = "" if shown.span == "today" else f"{shown.span.removeprefix('the ')}: "
        return prefix + shown.text()

    def tooltip(self) -> str:
        if self.level is GaugeLevel.OFF:
            return "No drawdown limit is set for this account: set one in Risk limits to follow its drawdown."
        return "\n".join(m.detail() for m in self.measures)


def drawdown_gauge(engine: RiskEngine, account_id: AccountId) -> DrawdownGauge | None:
    """Return the account's drawdown gauge, or None while its P&L (so its drawdown) is unknown."""
    limits = engine.limits_for(account_id)
    today = engine.drawdown(account_id)
    if today is None:
        return None
    measures = [Measure("today", today, drawdown_levels(limits), limits.currency)]
    over_days = engine.rolling_drawdown(account_id)
    if over_days is not None:
        measures.append(Measure(span_text(limits.rolling_drawdown_days), over_days.drawdown, rolling_levels(limits),
                                limits.currency))
    return DrawdownGauge(tuple(measures))


def _figure(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,f}"


def _values(amount: Decimal | None, pct: Decimal | None, currency: str) -> list[str]:
    return ([money_text(amount, currency)] if amount is not None else []) + ([pct_text(pct)] if pct is not None
                                                                              else [])
