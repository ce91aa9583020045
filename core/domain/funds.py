"""AccountFunds: an account's cash, equity, buying power and margin per currency, and the event that carries it.

Stdlib only. Figures are Decimal; a figure the source does not give is None (never zero): the window
shows it as blank rather than inventing a number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from core.domain.events import StampedEvent
from core.domain.identifiers import AccountId

HUNDRED = Decimal(100)


class LineKind(StrEnum):
    """What a funds line stands for, so that per-currency totals count every amount once.

    ACCOUNT: the account's (or one segment's) whole figures in that currency: summed into totals.
    BALANCE: one currency's cash balance of an account whose ACCOUNT line (IB's BASE) already
    includes it converted: shown, never summed.
    """

    ACCOUNT = "ACCOUNT"
    BALANCE = "BALANCE"


class FundsSource(StrEnum):
    """Who computed the figures: the broker (IB account values, Kite margins, easytrader balance) or TradeTerm."""

    BROKER = "BROKER"
    COMPUTED = "COMPUTED"


PNL_BASIS = "net of commissions"
"""TradeTerm's P&L figures (unrealized, realized, day) are net of commissions: see core.domain.position."""


@dataclass(frozen=True, slots=True)
class FundsLine:
    """One currency (and segment) of an account.

    equity: net liquidation value (cash + positions at market). margin_used: initial margin held by
    positions (IB InitMarginReq, Kite utilised debits); margin_available: what is left for new
    positions (IB AvailableFunds, Kite net). buying_power: the notional a new order may reach.
    unrealized/realized/day_pnl: TradeTerm's own, net of commissions; broker_*: the broker's figure,
    as it reports it, where it reports one (IB UnrealizedPnL, RealizedPnL, reqPnL's daily P&L).
    """

    currency: str
    cash: Decimal | None = None
    equity: Decimal | None = None
    buying_power: Decimal | None = None
    margin_used: Decimal | None = None
    margin_available: Decimal | None = None
    maintenance_margin: Decimal | None = None
    excess_liquidity: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    realized_pnl: Decimal | None = None
    day_pnl: Decimal | None = None
    broker_unrealized_pnl: Decimal | None = None
    broker_realized_pnl: Decimal | None = None
    broker_day_pnl: Decimal | None = None
    segment: str = ""
    """The broker's segment (Kite: equity, commodity; IB: BASE for the whole account in its base currency)."""
    kind: LineKind = LineKind.ACCOUNT

    @property
    def utilisation(self) -> Decimal | None:
        """Return margin used as a percentage of all margin (used + available); None without both figures."""
        if self.margin_used is None or self.margin_available is None:
            return None
        whole = self.margin_used + self.margin_available
        if whole <= 0:
            return None if self.margin_used == 0 else HUNDRED
        return self.margin_used * HUNDRED / whole

    @property
    def label(self) -> str:
        """Return how the window names the line: the currency, with the segment when there is one."""
        return f"{self.currency} {self.segment}" if self.segment else self.currency


@dataclass(frozen=True, slots=True)
class AccountFunds:
    """An account's funds as of one moment: one line per currency (and segment), from source."""

    account_id: AccountId
    lines: tuple[FundsLine, ...]
    source: FundsSource
    as_of: datetime
    note: str = ""
    """How the figures were made (paper: its margin model), shown as the row's tooltip."""

    def line(self, currency: str, segment: str = "") -> FundsLine | None:
        """Return the line of currency (and segment), or None."""
        for line in self.lines:
            if line.currency == currency and line.segment == segment:
                return line
        return None

    def summed(self) -> tuple[FundsLine, ...]:
        """Return the lines that count in per-currency totals (see LineKind)."""
        return tuple(line for line in self.lines if line.kind is LineKind.ACCOUNT)

    def with_lines(self, lines: tuple[FundsLine, ...]) -> AccountFunds:
        return replace(self, lines=lines)


@dataclass(frozen=True, slots=True)
class FundsUpdated(StampedEvent):
    """An account's funds were read again (after a fill, a connect, or a change the broker pushed)."""

    funds: AccountFunds
