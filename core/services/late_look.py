"""A late look at an order closed as never reached: if the broker works it after all, hold its account.

The resolver closes an order as never reached after the broker has answered, for a while, that it has no such
order. A request stalled on its way can still reach the broker afterwards. The order is then reopened
(order_resolver.OrderResolver.look_again) and, as for any order the broker works that TradeTerm had ended
(reconciliation.py), listed in the reconciliation view and the log, and the account is HALTED (MISMATCH)
until the trader reviews it and a reconciliation finds the books agreeing.
"""

from __future__ import annotations

import logging

from core.domain import LogMessage, Order, ReconciliationRequired, TradingState
from core.ports import errors
from core.services.accounts import AccountSlot
from core.services.bus import EventBus
from core.services.ended_orders import ORDERS_DIFFER
from core.services.order_resolver import OrderResolver
from core.services.risk import HoldCause, RiskEngine

log = logging.getLogger(__name__)


async def look_again_later(
    resolver: OrderResolver, slot: AccountSlot, order: Order, risk: RiskEngine, bus: EventBus
) -> None:
    """Look the order up again later; if the broker works it, hold the account and list the order."""
    account = slot.adapter.account_id
    try:
        difference = await resolver.look_again(slot.adapter, order)
    except (errors.BrokerError, OSError, TimeoutError) as exc:  # the next reconnect's reconciliation compares it
        log.info("%s: late look at %s failed: %s", account, order.client_order_id, exc)
        return
    if difference is None:
        return
    risk.hold(account, HoldCause.MISMATCH, TradingState.HALTED, ORDERS_DIFFER)
    bus.publish(LogMessage("ERROR", f"{account}: the broker works an order TradeTerm had closed as never reached: "
                                    f"{difference}"))
    bus.publish(ReconciliationRequired(account, (difference,)))
