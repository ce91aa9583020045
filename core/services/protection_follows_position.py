"""ProtectionFollowsPosition: a bracket's children working at the broker follow a position another order changed.

A native bracket's stop-loss and take-profit (IB, Alpaca, OANDA) work at the broker for the entry's quantity. A
close or Flatten cancels them first (session.py); but a position changed by any other order (a sell typed on the
ticket, a ladder click, a strategy's order, the broker's own) left them as they were:
- closed: they stayed working, and the next touch of the stop would have opened a new position the other way;
  they are now cancelled;
- reduced (10 bought, 4 sold): they stayed for 10, and the stop would have sold 10, 4 short; they are now cut
  to what is left (6), through the one modify path (journaled, risk-checked).
Only once the bracket's entry is done (it may still fill: its children protect what it will buy). The fill of
one child does not touch its sibling: the broker's OCA group cancels it. A broker whose children belong to the
trade (OANDA: ChildrenFollowTrade) keeps them right itself; TradeTerm's held children size themselves
(held_protection.py).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from core.domain import AccountId, ClientOrderId, FillRecorded, LogMessage, Order, OrderOrigin, Side
from core.domain.protection import same_bracket
from core.services.bus import EventBus
from core.services.native_bracket import working_native_children
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.services.waiting_child import entry_id_of

Cancel = Callable[[ClientOrderId], Coroutine[Any, Any, None]]
Modify = Callable[[ClientOrderId, object, object, object], Coroutine[Any, Any, Order]]
Spawn = Callable[[Coroutine[Any, Any, object]], None]


class ProtectionFollowsPosition:
    """Cancel or cut a bracket's children at the broker when another order closed or reduced their position."""

    def __init__(self, bus: EventBus, oms: OrderManager, portfolio: Portfolio, cancel: Cancel, modify: Modify,
                 spawn: Spawn, follows_trade: Callable[[AccountId], bool]) -> None:
        self._bus, self._oms, self._portfolio = bus, oms, portfolio
        self._cancel, self._modify, self._spawn = cancel, modify, spawn
        self._follows_trade = follows_trade
        self._asked: dict[ClientOrderId, Decimal] = {}
        """What each child was last asked to become (0: cancelled), so a burst of fills asks once."""
        bus.subscribe(FillRecorded, self._on_fill)  # after the portfolio's: the position counts the fill

    def _on_fill(self, event: FillRecorded) -> None:
        fill = event.fill
        children = working_native_children(self._oms, fill.account_id, fill.symbol)
        if not children or self._follows_trade(fill.account_id):
            return
        filled = self._oms.get(fill.client_order_id) if fill.client_order_id is not None else None
        position = self._portfolio.position(fill.account_id, fill.symbol)
        held = Decimal(0) if position is None else position.quantity
        for child in children:
            coid = child.client_order_id
            if filled is not None and filled.origin is OrderOrigin.PROTECTIVE and same_bracket(
                    filled.client_order_id, coid):
                continue  # its sibling filled: the broker's OCA group cancels it
            entry = self._oms.get(entry_id_of(coid))
            if entry is not None and entry.is_working:
                continue  # the entry may still fill: its children protect what it will buy
            left = max(Decimal(0), held * (Side.BUY if child.side is Side.SELL else Side.SELL).sign)
            if left >= child.leaves_qty or self._asked.get(coid) == left:
                continue
            self._asked[coid] = left
            by = "" if filled is None else f" by {filled.client_order_id}"
            what = f"{child.order_type.value} {child.side.value} {child.leaves_qty.normalize():f} ({coid})"
            if left == 0:
                self._say(f"{fill.account_id} {fill.symbol}: the position was closed{by}; cancelling its protective "
                          f"{what} at the broker, which would otherwise open a new position when touched.")
                self._spawn(self._cancel(coid))
            elif child.order_type.is_trailing:  # its trail is the broker's to keep: not changed from here
                self._say(f"{fill.account_id} {fill.symbol}: the position was reduced to {left.normalize():f}{by}; "
                          f"its trailing {what} still closes {child.leaves_qty.normalize():f}: change or cancel it "
                          "in Working orders.", "ERROR")
            else:
                self._say(f"{fill.account_id} {fill.symbol}: the position was reduced to {left.normalize():f}{by}; "
                          f"cutting its protective {what} to {left.normalize():f}, so it never goes through zero.")
                self._spawn(self._cut(child, child.filled_qty + left))

    async def _cut(self, child: Order, quantity: Decimal) -> None:
        limit = None if child.limit_price is None else child.limit_price.value
        stop = None if child.stop_price is None else child.stop_price.value
        try:
            await self._modify(child.client_order_id, quantity, limit, stop)
        except Exception as exc:  # refused (risk, a field) or the broker's refusal: the trader must know
            self._say(f"Could not cut {child.client_order_id} to {quantity.normalize():f}: {exc}. Change or cancel "
                      "it in Working orders.", "ERROR")

    def _say(self, text: str, level: str = "WARNING") -> None:
        self._bus.publish(LogMessage(level, text))
