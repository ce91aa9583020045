"""OrphanedChildren: protective orders working at the broker whose position another order closed are cancelled.

A native bracket's stop-loss and take-profit (IB, Alpaca, OANDA) work at the broker for the entry's quantity. A
close or Flatten cancels them first (session.py); but a position closed by any other order (a sell typed on the
ticket, a ladder click, a strategy's order, the broker's own) left them working, and the next touch of the stop
would have opened a new position the other way. So once a fill leaves the position flat (or on the other side)
and the bracket's entry is done, its children still working are cancelled through the one cancel path. The fill
of one child of a bracket does not cancel its sibling: the broker's OCA group does that.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from core.domain import ClientOrderId, FillRecorded, LogMessage, OrderOrigin, Side
from core.domain.protection import same_bracket
from core.services.bus import EventBus
from core.services.native_bracket import working_native_children
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.services.waiting_child import entry_id_of


class OrphanedChildren:
    """Cancel a bracket's children at the broker once another order closed their position (see the module)."""

    def __init__(self, bus: EventBus, oms: OrderManager, portfolio: Portfolio,
                 cancel: Callable[[ClientOrderId], Coroutine[Any, Any, None]],
                 spawn: Callable[[Coroutine[Any, Any, object]], None]) -> None:
        self._bus, self._oms, self._portfolio = bus, oms, portfolio
        self._cancel, self._spawn = cancel, spawn
        self._asked: set[ClientOrderId] = set()
        bus.subscribe(FillRecorded, self._on_fill)  # after the portfolio's: the position counts the fill

    def _on_fill(self, event: FillRecorded) -> None:
        fill = event.fill
        children = working_native_children(self._oms, fill.account_id, fill.symbol)
        if not children:
            return
        filled = self._oms.get(fill.client_order_id) if fill.client_order_id is not None else None
        position = self._portfolio.position(fill.account_id, fill.symbol)
        held = Decimal(0) if position is None else position.quantity
        for child in children:
            coid = child.client_order_id
            if coid in self._asked:
                continue
            if filled is not None and filled.origin is OrderOrigin.PROTECTIVE and same_bracket(
                    filled.client_order_id, coid):
                continue  # its sibling filled: the broker's OCA group cancels it
            entry_side = Side.BUY if child.side is Side.SELL else Side.SELL
            if held * entry_side.sign > 0:
                continue  # a position on the entry's side is left to protect
            entry = self._oms.get(entry_id_of(coid))
            if entry is not None and entry.is_working:
                continue  # the entry may still fill: its children protect what it will buy
            self._asked.add(coid)
            closed_by = "" if filled is None else f" by {filled.client_order_id}"
            self._bus.publish(LogMessage("WARNING", (
                f"{fill.account_id} {fill.symbol}: the position was closed{closed_by}; cancelling its protective "
                f"{child.order_type.value} {child.side.value} {child.leaves_qty.normalize():f} ({coid}) at the broker, "
                "which would otherwise open a new position when touched.")))
            self._spawn(self._cancel(coid))
