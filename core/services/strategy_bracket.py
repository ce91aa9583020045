"""A strategy's stop_loss and take_profit become a real bracket (held children) when they fit its order."""

from __future__ import annotations

from decimal import Decimal

from core.domain import LogMessage, Order, OrderRequest
from core.domain.protection import Bracket
from core.ports.journal import IntakeKey
from core.services.refusals import OrderRefused
from core.services.session import TradingSession

BRACKET_FIELDS = frozenset({"stop_loss", "take_profit"})


def bracket_of(stop_loss: Decimal | None, take_profit: Decimal | None) -> Bracket | None:
    """Return the bracket a strategy asked for (0 or None: no such child), or None when it asked for neither."""
    bracket = Bracket(stop_loss or None, take_profit or None)
    return None if bracket.is_empty else bracket


async def submit_protected(session: TradingSession, request: OrderRequest, stop_loss: Decimal | None,
                           take_profit: Decimal | None, *, intake_key: IntakeKey | None = None) -> Order:
    """Submit a strategy's order with its stop-loss/take-profit as held children.

    hikyuu sends its position's stoploss and goal_price with every order, a sell that closes a long included;
    prices that do not fit the order as an entry (a stop above a buy's price) are kept as notes only, said
    so in the log, and the order goes without children.
    """
    bracket = bracket_of(stop_loss, take_profit)
    if bracket is None:
        return await session.submit(request, intake_key=intake_key)
    try:
        return await session.submit_bracket(request, bracket, intake_key=intake_key)
    except OrderRefused as exc:
        if not exc.errors or any(e.field not in BRACKET_FIELDS for e in exc.errors):
            raise
        session.bus.publish(LogMessage("WARNING", f"{request.strategy_id}: {request.side.value.lower()} "
                                                  f"{request.symbol}: stop-loss/take-profit not attached ({exc}); "
                                                  "kept as notes."))
        return await session.submit(request, intake_key=intake_key)
