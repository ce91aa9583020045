"""Size a ladder click or a chart place by risk, as the ticket's "Size by risk" row says (its 'Ladder & chart' box).

The quantity is core's (SessionView.size_by_risk: the risk per trade, the stop, rounded down to the lot and
capped by every risk limit), for the order the click would send at its price: no second formula here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain import AccountId, OrderRequest, OrderType, Side, validate_request
from core.domain.order_request import plain
from core.services.session_view import SessionView
from core.services.sizing import SizingError
from gui.widgets.order_ticket import OrderTicketWidget


@dataclass(frozen=True, slots=True)
class ClickSize:
    """The quantity chosen for a click, and what it risks in words (for the place's status line)."""

    quantity: Decimal
    note: str


def size_click(view: SessionView, ticket: OrderTicketWidget, account: str, symbol: str, side: Side,
               order_type: OrderType, price: Decimal) -> ClickSize | None:
    """Return the quantity risk sizing gives an order of side at price (None: the ticket does not size clicks).

    Raise SizingError saying what is missing or why no quantity passes (the click must then not send).
    """
    spec = ticket.click_sizing()
    if spec is None:
        return None
    instrument = view.instrument(symbol, account)
    if instrument is None:
        raise SizingError("symbol", f"{symbol} is not listed by any account: it cannot be sized.")
    limit = price if order_type.needs_limit else None
    stop = price if order_type.needs_stop else None
    request = OrderRequest(AccountId(account), symbol, side, instrument.lot_size, order_type, limit, stop)
    valid, problems = validate_request(request, instrument)
    if valid is None:
        raise SizingError(problems[0].field if problems else "symbol",
                          problems[0].message if problems else "The order is not valid.")
    sized, currency = view.size_by_risk(valid, spec)
    note = (f"sized by risk: qty {plain(sized.quantity)} risks {sized.at_risk.quantize(Decimal('0.01')):,f} "
            f"{currency} to the stop {sized.stop:.{instrument.price_places}f}")
    if sized.capped_by is not None:
        note += f" (capped: {sized.capped_by})"
    return ClickSize(sized.quantity, note)
