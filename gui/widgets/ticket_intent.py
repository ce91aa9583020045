"""What the order ticket holds besides its fields: a position's close, where its quotes come from, risk's verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from core.domain import Quote, Side, TimeInForce, ValidatedRequest
from core.domain.order_request import plain
from core.domain.product import Product
from core.services.order_preview import OrderPreview

DEFAULT_TIF = TimeInForce.DAY
"""The time in force a new symbol starts with (no account setting asks for another yet)."""

QuoteSource = Callable[[str, str], Quote | None]
"""(symbol, account) -> the newest quote of that account's feed (a quote whose source is another feed is shown
as that feed's)."""
RiskPreview = Callable[[ValidatedRequest], OrderPreview]
"""What risk would say about an order now, without sending or remembering it (core.services.order_preview)."""


@dataclass(frozen=True, slots=True)
class CloseIntent:
    """The ticket holds the close of one position: its account, symbol and signed quantity when it was clicked."""

    account: str
    symbol: str
    position: Decimal
    avg_cost: str = ""
    """The position's average cost as the positions grid shows it ("" when unknown)."""
    product: Product | None = None
    """The position's product where the broker keeps products apart (Kite): the close is sent in it."""

    @property
    def side(self) -> Side:
        return Side.SELL if self.position > 0 else Side.BUY

    def describe(self, quantity: str) -> str:
        """Say what the order does, e.g. 'Close long 100 AAPL on IB-1, avg 187.235' (or 'Close 40 of long 100 …').

        A position of a product names it: 'Close long 4 INFY · MIS on KITE-1'.
        """
        name = self.symbol if self.product is None else f"{self.symbol} · {self.product.value}"
        held = f"{'long' if self.position > 0 else 'short'} {plain(abs(self.position))} {name}"
        part = "" if quantity in ("", plain(abs(self.position))) else f"{quantity} of "
        avg = f", avg {self.avg_cost}" if self.avg_cost else ""
        return f"Close {part}{held} on {self.account}{avg}"


def verdict_text(preview: OrderPreview) -> tuple[str, bool]:
    """Return the line the ticket shows for preview, and whether risk would let the order pass."""
    funds = "" if preview.funds is None else f"\n{preview.funds.text}"
    if preview.refusal is not None:
        return f"Risk would refuse: {preview.refusal.reason}{funds}", False
    value = "" if preview.notional is None else f" · {preview.notional:,.2f} {preview.currency}"
    return f"Risk: passes{value}{funds}", True


def funds_text(preview: OrderPreview | None) -> str:
    """Return the buying-power line of preview for the confirm ('' when the account has no funds yet)."""
    return "" if preview is None or preview.funds is None else str(preview.funds.text)
