"""Two thresholds, the shape of every loss limit: beyond the first, REDUCING; beyond the second, HALTED.

The daily loss, the drawdown from today's peak and the drawdown over a window of days each have a limit
(only orders that reduce a position) and a halt level (no orders), in currency and, for the drawdowns, in %
of the equity at the peak. `breach` decides which one a figure is beyond, the halt level first; each caller
words its own reason around `Breach.level_text`. A figure exactly at a threshold is not beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain import TradingState


@dataclass(frozen=True, slots=True)
class Levels:
    """The two thresholds of one loss limit (None: that threshold is off)."""

    limit: Decimal | None
    halt: Decimal | None
    limit_pct: Decimal | None = None
    halt_pct: Decimal | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.limit, self.halt, self.limit_pct, self.halt_pct))

    @property
    def smallest_amount(self) -> Decimal | None:
        """Return the smallest threshold in currency (None: only % thresholds, or none)."""
        amounts = [v for v in (self.limit, self.halt) if v is not None]
        return min(amounts) if amounts else None


@dataclass(frozen=True, slots=True)
class Breach:
    """The threshold a figure is beyond: the state it calls for, the threshold, and whether it is a %."""

    state: TradingState
    level: Decimal
    pct: bool

    @property
    def word(self) -> str:
        return "halt level" if self.state is TradingState.HALTED else "limit"

    def level_text(self, currency: str, what: str = "", article: str = "the") -> str:
        """Return e.g. 'the 500.00 USD halt level' or 'its 5% drawdown limit' (what: a word before the kind)."""
        value = pct_text(self.level) if self.pct else money_text(self.level, currency)
        return f"{article} {value}{' ' + what if what else ''} {self.word}"


def breach(levels: Levels, used: Decimal, used_pct: Decimal | None = None) -> Breach | None:
    """Return the threshold `used` (or `used_pct`) is beyond, the halt level before the limit; None within both."""
    for state, amount, pct in ((TradingState.HALTED, levels.halt, levels.halt_pct),
                               (TradingState.REDUCING, levels.limit, levels.limit_pct)):
        if amount is not None and used > amount:
            return Breach(state, amount, False)
        if pct is not None and used_pct is not None and used_pct > pct:
            return Breach(state, pct, True)
    return None


def money_text(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01')):,f} {currency}"


def pct_text(value: Decimal) -> str:
    """Return a percentage as a trader reads it: 5%, 2.5%, 1.23% (at most two places)."""
    return f"{value.quantize(Decimal('0.01')).normalize():f}%"
