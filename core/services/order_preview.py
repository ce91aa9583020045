"""What risk would say about an order now, nothing remembered: for the ticket, the approval queue and the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.domain import ClientOrderId, Order, OrderRequest, Price, Quantity, Quote, Side, ValidatedRequest
from core.services.risk import Refusal, RiskEngine
from core.services.risk.prices import order_price

if TYPE_CHECKING:
    from core.services.funds_impact import FundsImpact

PREVIEW_ID = ClientOrderId("PREVIEW")


@dataclass(frozen=True, slots=True)
class OrderPreview:
    """Risk's verdict on an order not sent yet, and what it is worth at the price it would trade at."""

    refusal: Refusal | None
    """None: risk would let it pass now; else the check that would refuse it and why."""
    price: Decimal | None
    """The price it is valued at: its limit (or stop), else the touch of its account's feed; None without a quote."""
    notional: Decimal | None
    currency: str
    funds: FundsImpact | None = None
    """The order's use of its account's buying power, when its account has reported funds."""


def what_if(risk: RiskEngine, order: Order) -> Refusal | None:
    """Return the refusal risk would give order now, without remembering it (no rate or duplicate count)."""
    return risk.preview(order)


def reference_price(order: Order, quote_of: Any) -> Decimal | None:
    """Return the price the order is valued at: the one the notional and exposure checks use."""
    return order_price(order, quote_of(order.symbol))


def request_reference_price(request: OrderRequest, quote: Quote | None) -> Decimal | None:
    """Return the price a bracket's children are checked against: the entry's limit or stop, else the market."""
    for value in (request.limit_price, request.stop_price):
        if isinstance(value, Decimal):
            return value
        if isinstance(value, str | int):
            try:
                return Decimal(value)
            except ArithmeticError:
                return None
    if quote is None:
        return None
    return quote.ask if request.side is Side.BUY else quote.bid


def preview_order(
    risk: RiskEngine, quote_of: Callable[[str, str], Quote | None], valid: ValidatedRequest, now: datetime
) -> OrderPreview:
    """Run every risk check on valid as it stands now (see what_if): no order, no count, no journal.

    quote_of(symbol, account) is the feed risk reads (the session's QuoteCache.latest).
    """
    request = valid.request
    order = Order(
        client_order_id=PREVIEW_ID, account_id=request.account_id, instrument=valid.instrument, side=valid.side,
        quantity=Quantity(valid.quantity), order_type=valid.order_type,
        limit_price=None if valid.limit_price is None else Price(valid.limit_price),
        stop_price=None if valid.stop_price is None else Price(valid.stop_price), tif=valid.tif,
        origin=request.origin, strategy_id=request.strategy_id, created_at=now, product=valid.product,
        trail=valid.trail,
    )
    price = reference_price(order, lambda symbol: quote_of(symbol, str(request.account_id)))
    notional = None if price is None else valid.instrument.notional(valid.quantity, price)
    return OrderPreview(what_if(risk, order), price, notional, valid.instrument.currency)
