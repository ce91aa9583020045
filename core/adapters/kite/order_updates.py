"""KiteOrderUpdates: how KiteBroker learns what Kite did to its orders (verdicts, changes, polling, postbacks)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from core.adapters.kite.parsing import parse_cash
from core.adapters.kite.rest import KiteRestBase
from core.adapters.kite.tracker import MODIFY_STATUSES, PendingModify, TrackedOrder
from core.domain import AccountUpdated, LogMessage, Order, OrderModifyRejected, Price, Quantity
from core.ports.errors import AuthenticationFailed, BrokerError, ConnectionLost, Timeout

log = logging.getLogger(__name__)
_POLL_DECISION_S = 0.05

CHANGE_NEVER_ARRIVED = ("Kite's order history shows the change never arrived: the order keeps its price and "
                        "quantity. Modify it again if you still want the change.")


class KiteOrderUpdates(KiteRestBase):
    """The order-state half of KiteBroker: modify and settling its outcome, order verdicts, the poll loop and
    the ticker's postbacks, all fed to the OrderTracker."""

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        """Change quantity and prices at Kite; publish OrderModified or OrderModifyRejected from Kite's order states.

        Kite's HTTP 200 only says the request was taken: its OMS may still refuse the change (the order keeps its
        old values). So the outcome comes from the order history and postbacks, never from the 200. If Kite has
        not decided within order_timeout_s, the order stays "modifying" and polling settles it later.
        """
        self._require_connected("modify the order")
        tracked = self._tracker.find(order.client_order_id)
        if tracked is None or tracked.broker_order_id is None or tracked.ended:
            self._sink(OrderModifyRejected(order.client_order_id, "The order is no longer working at Kite."))
            return
        changes: dict[str, Any] = {"quantity": int(quantity.value)}
        if limit_price is not None:
            changes["price"] = str(limit_price.value)
        if stop_price is not None:
            changes["trigger_price"] = str(stop_price.value)
        before = len(await self._rest(self._kite.order_history, tracked.broker_order_id))
        change = PendingModify(int(quantity.value), None if limit_price is None else limit_price.value,
                               None if stop_price is None else stop_price.value, before)
        await self._throttle.acquire()
        try:
            await self._rest(self._kite.modify_order, variety=tracked.variety, order_id=tracked.broker_order_id,
                             **changes)
        except (AuthenticationFailed, ConnectionLost, Timeout):
            # The answer is lost, not the change: Kite may have taken it. Its order history tells; if it cannot
            # be read yet, the change stays watched, so a state showing it applied or refused settles it later.
            # A history without it proves nothing yet: the request may still be on its way (a stalled Kite
            # answers late), so polling settles it, refusing it once order_timeout_s pass without a trace.
            change.answer_lost_at = asyncio.get_running_loop().time()
            self._tracker.expect_modify(tracked, change)
            if not await self._change_taken(tracked.broker_order_id, change):
                raise
        except BrokerError as exc:
            self._sink(OrderModifyRejected(order.client_order_id, str(exc)))
            return
        self._tracker.expect_modify(tracked, change)
        deadline = asyncio.get_running_loop().time() + self.config.order_timeout_s
        while not change.resolved and asyncio.get_running_loop().time() < deadline:
            await self._settle_modify(tracked)
            if not change.resolved:
                await asyncio.sleep(_POLL_DECISION_S)
        if not change.resolved:
            self._sink(LogMessage("WARNING", f"Kite {self.account_id}: the change to {order.symbol} is still pending "
                                             "at Kite; TradeTerm keeps checking and shows the result when it comes."))

    async def _change_taken(self, broker_order_id: str, change: PendingModify) -> bool | None:
        """Return whether the order's history shows Kite took a change whose answer was lost (a MODIFY state or the
        new values); None if the history cannot be read now."""
        try:
            history = await self._rest(self._kite.order_history, broker_order_id)
        except BrokerError:
            return None
        return any(str(state.get("status")) in MODIFY_STATUSES or change.applied(state)
                   for state in history[change.history_from:])

    async def _settle_modify(self, tracked: TrackedOrder) -> None:
        """Feed the order-history entries since a pending change was sent to the tracker's change, then the
        order's new fills and its latest state (so an order that ended during the change ends at Kite's values)."""
        change = tracked.modify
        if change is None or tracked.broker_order_id is None:
            return
        async with self._updates:
            history = await self._rest(self._kite.order_history, tracked.broker_order_id)
            for state in history[change.history_from:]:  # the change first: fills then complete the right quantity
                if change.resolved:
                    break
                self._tracker.settle_change(state)
            lost_at = change.answer_lost_at
            if not change.resolved and not change.seen_pending and lost_at is not None \
                    and asyncio.get_running_loop().time() - lost_at > self.config.order_timeout_s:
                self._tracker.give_up_change(tracked, CHANGE_NEVER_ARRIVED)  # its answer was lost, and so was it
            if history and self._tracker.needs_trades(history[-1]):
                self._tracker.on_trades(await self._rest(self._kite.order_trades, tracked.broker_order_id))
            if history:
                self._tracker.on_order(history[-1])

    async def _await_decision(self, tracked: TrackedOrder, order_id: str, symbol: str) -> Mapping[str, Any]:
        assert tracked.decided is not None
        deadline = asyncio.get_running_loop().time() + self.config.order_timeout_s
        while not tracked.decided.done():
            history = await self._rest(self._kite.order_history, order_id)
            if history:
                self._tracker.on_order(history[-1])
            if tracked.decided.done():
                break
            if asyncio.get_running_loop().time() > deadline:
                raise Timeout(f"Kite did not confirm the {symbol} order within {self.config.order_timeout_s:g} s; "
                              "it may be working. TradeTerm checks it with Kite on reconnect and will not resend it.")
            await asyncio.sleep(_POLL_DECISION_S)
        return tracked.decided.result()

    async def _catch_up(self, order_id: str) -> None:
        """Fetch an order's latest state (and its trades if it filled) and apply them (a pending change first)."""
        tracked = self._tracker.lookup({"order_id": order_id})
        if tracked is not None and tracked.modify is not None:
            await self._settle_modify(tracked)
        async with self._updates:
            history = await self._rest(self._kite.order_history, order_id)
            if not history:
                return
            if self._tracker.needs_trades(history[-1]):
                self._tracker.on_trades(await self._rest(self._kite.order_trades, order_id))
            self._tracker.on_order(history[-1])

    def _still_polling(self) -> bool:
        return self._polling

    async def _poll_loop(self) -> None:
        self._polling = True
        while self._still_polling():
            await asyncio.sleep(self.config.poll_interval_s)
            if not self._still_polling():
                return
            try:
                for tracked in self._tracker.pending_modifies():  # before the fills: see _settle_modify
                    await self._settle_modify(tracked)
                async with self._updates:
                    orders = await self._rest(self._kite.orders)
                    new = self._tracker.on_trades(await self._rest(self._kite.trades))
                    for order in orders:
                        self._tracker.on_order(order)
                if new:
                    margins = await self._rest(self._kite.margins)
                    self._sink(AccountUpdated(self.account_id, parse_cash(margins)))
            except AuthenticationFailed:
                return
            except BrokerError as exc:
                log.warning("Kite %s: polling failed: %s", self.account_id, exc)

    def _on_postback(self, order: dict[str, Any]) -> None:
        self._spawn(self._apply_postback(order))

    async def _apply_postback(self, order: dict[str, Any]) -> None:
        try:
            tracked = self._tracker.lookup(order)
            if tracked is not None and tracked.modify is not None:
                await self._settle_modify(tracked)  # a pending change before the fills: see _settle_modify
            async with self._updates:
                if self._tracker.needs_trades(order):
                    self._tracker.on_trades(await self._rest(self._kite.order_trades, str(order["order_id"])))
                self._tracker.on_order(order)
        except BrokerError as exc:
            log.warning("Kite %s: could not apply an order update: %s", self.account_id, exc)
