"""Totals over accounts' funds: per currency (no conversion), and a grand total in a base currency through FX.

Pure functions: the window calls them with the newest AccountFunds and a rate lookup over the quotes
of connected feeds (IB CASH pairs such as EUR.USD). A currency without a rate is left out of the grand
total by name, never converted at a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.domain import Quote
from core.domain.funds import AccountFunds, FundsLine
from core.services.live_fx import LiveFx

ZERO = Decimal(0)
FIELDS = ("cash", "equity", "buying_power", "margin_used", "margin_available", "maintenance_margin",
          "excess_liquidity", "unrealized_pnl", "realized_pnl", "day_pnl", "broker_unrealized_pnl",
          "broker_realized_pnl", "broker_day_pnl")

RateLookup = Callable[[str, str], Decimal | None]
"""rate(from_currency, to_currency): units of to_currency per unit of from_currency, or None if unknown."""


@dataclass(frozen=True, slots=True)
class GrandTotal:
    """The accounts' equity (cash where a line has no equity) in base; `missing` lists currencies left out."""

    base: str
    equity: Decimal
    missing: tuple[str, ...]

    @property
    def text(self) -> str:
        amount = format(equity_rounded(self.equity), ",f")
        if not self.missing:
            return f"Total equity: {amount} {self.base}"
        return (f"Total equity: {amount} {self.base} — leaves out {', '.join(self.missing)} "
                f"(no {'/'.join(f'{c}.{self.base}' for c in self.missing)} rate from a connected feed)")


def equity_rounded(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def currency_totals(accounts: Iterable[AccountFunds]) -> dict[str, FundsLine]:
    """Return one line per currency summing every account's summed lines (a figure no line has stays None)."""
    sums: dict[str, dict[str, Decimal | None]] = {}
    for funds in accounts:
        for line in funds.summed():
            into = sums.setdefault(line.currency, dict.fromkeys(FIELDS))
            for name in FIELDS:
                value = getattr(line, name)
                if value is not None:
                    before = into[name]
                    into[name] = value if before is None else before + value
    return {currency: FundsLine(currency, **figures) for currency, figures in sorted(sums.items())}  # type: ignore[arg-type]


def grand_total(totals: dict[str, FundsLine], base: str, rate: RateLookup) -> GrandTotal:
    """Return the sum of every currency's equity (or cash) converted into base; name the currencies without a rate."""
    total = ZERO
    missing = []
    for currency, line in totals.items():
        amount = line.equity if line.equity is not None else line.cash
        if amount is None:
            continue
        if currency == base:
            total += amount
            continue
        factor = rate(currency, base)
        if factor is None:
            missing.append(currency)
        else:
            total += amount * factor
    return GrandTotal(base, total, tuple(missing))


def quote_rate(latest: Callable[[str], Quote | None]) -> RateLookup:
    """Return a RateLookup over the FX pairs the feeds quote (EUR.USD, USD_JPY, ...), direct or inverted."""
    return LiveFx(latest)
