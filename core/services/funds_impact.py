"""What an order not sent yet would do to its account's funds: the buying power it uses, shown on ticket and confirm."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from core.domain import Position, ValidatedRequest
from core.domain.funds import AccountFunds, FundsSource
from core.services.funds import RateLookup, in_currency
from core.services.order_preview import OrderPreview

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class FundsImpact:
    """The account's buying power (as its funds last said) and the estimated cost of the order's opening part.

    uses: what the part that opens or grows a position uses of the buying power (its notional, or the broker's
    margin for it: Instrument.buying_power_use); a part that closes a position uses none. None without a price.
    """

    buying_power: Decimal | None
    uses: Decimal | None
    currency: str
    converted_from: str | None = None
    """The currency the broker reported the buying power in, when it is not the order's (converted, or None
    when there was no rate)."""
    margin_rate: Decimal | None = None
    """The instrument's margin rate when `uses` is margin, not notional (the buying power is then margin available)."""

    @property
    def text(self) -> str:
        """Say it in one line: 'Buying power 1,000,000.00 USD · this order ≈ 15,000.00 (1.5%)'."""
        if self.buying_power is None and self.converted_from is not None:
            return (f"Buying power in {self.currency}: reported in {self.converted_from} only; watch "
                    f"{self.currency}.{self.converted_from} or {self.currency}_{self.converted_from} to convert it")
        if self.buying_power is None:
            return f"Buying power in {self.currency}: not reported yet"
        what = "Buying power" if self.margin_rate is None else "Margin available"
        text = f"{what} {self.buying_power:,.2f} {self.currency}"
        if self.converted_from is not None:
            text += f" (from {self.converted_from})"
        if self.uses is None:
            return text
        if self.uses == 0:
            return f"{text} · this order closes a position (uses none)"
        text += f" · this order ≈ {self.uses:,.2f}"
        if self.buying_power > 0:
            text += f" ({self.uses * 100 / self.buying_power:,.1f}%)"
        if self.margin_rate is not None:
            text += f" at {format((self.margin_rate * 100).normalize(), 'f')}% margin"
        return text + (f" — MORE THAN THE {what.upper()}" if self.uses > self.buying_power else "")

    @property
    def exceeds(self) -> bool:
        return self.buying_power is not None and self.uses is not None and self.uses > self.buying_power


def funds_impact(preview: OrderPreview, valid: ValidatedRequest, funds: AccountFunds | None,
                 position: Position | None, rate: RateLookup | None = None) -> FundsImpact | None:
    """Return what the order previewed uses of its account's buying power, or None if the account has no funds yet
    or its broker reports none (the books' cash only: an e-mail desk).

    A buying power reported only in the account's base currency is converted at rate (`in_currency`).
    """
    if funds is None:
        return None
    currency = valid.instrument.currency
    power, converted_from = in_currency(funds, currency, "buying_power", rate)
    if power is None and funds.source is FundsSource.COMPUTED:
        return None  # a broker that reports no funds (an e-mail desk): never "not reported yet"
    held = ZERO if position is None else position.quantity * valid.side.sign
    opening = valid.quantity if held >= 0 else max(ZERO, valid.quantity + held)
    uses = None
    if preview.price is not None:
        uses = valid.instrument.buying_power_use(opening, preview.price)
    return FundsImpact(power, uses, currency, converted_from, valid.instrument.margin_rate)


def with_funds_impact(preview: OrderPreview, valid: ValidatedRequest, funds: AccountFunds | None,
                      position: Position | None, rate: RateLookup | None = None) -> OrderPreview:
    return replace(preview, funds=funds_impact(preview, valid, funds, position, rate))
