"""HeldProtection: the stop-loss and take-profit children that TradeTerm holds for a broker that cannot.

Every child is journaled with its entry (PENDING), armed when the entry fills (sized to what filled, never more
than the position it protects), and watched on the account's own feed. When its trigger is touched it is sent
through the one order path (`send`: validation, risk, journal, adapter) under a client order id derived from
the entry's; its TRIGGERED state, and the cancel of its sibling (one cancels the other), are committed in the
child order's own transaction. So after a crash at any point the journal holds either the armed child and no
child order (it is re-armed and fires on the next touch) or both (it is never sent again).

Cancelling the entry unfilled cancels its children; a close or Flatten of the position cancels them first; any
other order that closes the position once the entry is done cancels them too (a later position in the symbol is
another trade: it never brings them back); a child that triggers while its entry still works (partly filled)
cancels the rest of the entry.
A held stop whose feed has not quoted for `stale_after` seconds is warned about at once.

OCO pairs (two working orders, one cancelling the other: TradingSession.submit_oco) are held here too, unless
the broker holds them (NativeOco: IB's OCA groups): when
either order fills, even in part, the other is cancelled at once, and again after a reconnect (`sweep_oco`)
if TradeTerm stopped between the fill and the cancel. The pair is known by its ids (`oco_partner_id`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from core.domain import (
    AccountId,
    ClientOrderId,
    FillRecorded,
    LogMessage,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    OrderUpdated,
    Quote,
    Side,
    TimeInForce,
)
from core.domain.held_events import HeldChildChanged
from core.domain.protection import (
    HELD_BADGE,
    HeldChild,
    HeldState,
    ProtectionLeg,
    oco_partner_id,
    protected_quantity,
    touched,
)
from core.ports.clock import Clock
from core.ports.journal import Journal, JournalError
from core.services.bus import EventBus
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.services.reconciliation import NEVER_SENT
from core.services.refusals import OrderRefused
from core.services.waiting_child import moved_child_problem

log = logging.getLogger(__name__)

SendChild = Callable[[OrderRequest, ClientOrderId, Sequence[HeldChild]], Awaitable[Order]]
"""Send a child through the order path under its id, journaling the held rows in its transaction."""
CancelOrder = Callable[[ClientOrderId], Awaitable[None]]
STALE_AFTER_S = 10
_ENDED = (OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED, OrderStatus.DENIED)


class HeldProtection:
    """Arm, size, trigger and cancel held children; see the module doc.

    Events: LogMessage (a child armed, triggered, refused, cancelled; a stale feed under a held stop).
    """

    def __init__(self, bus: EventBus, journal: Journal, oms: OrderManager, portfolio: Portfolio, clock: Clock,
                 send: SendChild, cancel: CancelOrder, *, stale_after_s: float = STALE_AFTER_S,
                 broker_holds_oco: Callable[[AccountId], bool] = lambda _account: False) -> None:
        """broker_holds_oco(account): its broker cancels an OCO's other order itself (NativeOco): leave it be."""
        self._bus = bus
        self._journal = journal
        self._oms = oms
        self._portfolio = portfolio
        self._clock = clock
        self._send = send
        self._cancel = cancel
        self._broker_holds_oco = broker_holds_oco
        self._stale_after = timedelta(seconds=stale_after_s)
        self._children: dict[tuple[ClientOrderId, ProtectionLeg], HeldChild] = {}
        self._by_entry: dict[ClientOrderId, set[ProtectionLeg]] = {}
        self._by_child_order: dict[ClientOrderId, tuple[ClientOrderId, ProtectionLeg]] = {}
        self._armed: dict[str, dict[tuple[ClientOrderId, ProtectionLeg], HeldChild]] = {}
        """Armed children by symbol: what each quote is checked against (the tick path looks at nothing else)."""
        self._last_tick: dict[tuple[str, str], datetime] = {}
        self._stale_warned: set[tuple[ClientOrderId, ProtectionLeg]] = set()
        self._unsent_warned: set[tuple[ClientOrderId, ProtectionLeg]] = set()
        self._tasks: set[asyncio.Task[object]] = set()
        bus.subscribe(OrderUpdated, self._on_order)
        bus.subscribe(FillRecorded, self._on_fill)
        bus.subscribe_quotes(self._on_quotes)

    # --- reads ----------------------------------------------------------------------------------

    def children(self, account_id: AccountId | None = None) -> list[HeldChild]:
        """Return every held child (of one account, or all), live or not."""
        return [c for c in self._children.values() if account_id is None or c.account_id == account_id]

    def protecting(self, account_id: AccountId, symbol: str) -> list[HeldChild]:
        """Return the live children that protect a position (what the positions grid shows)."""
        return [c for c in self._children.values()
                if c.account_id == account_id and c.symbol == symbol and c.state.is_live]

    # --- lifecycle ------------------------------------------------------------------------------

    def restore(self) -> None:
        """Load the journaled children, then size every live one from its entry's fills and the position.

        Call after the orders and fills are restored. An entry that filled just before a crash arms its
        children here; one that ended unfilled cancels them.
        """
        children = self._journal.load_held()
        unseen = [c.child_id for c in children
                  if c.state is HeldState.TRIGGERED and self._oms.in_memory(c.child_id) is None]
        finished = self._journal.journaled(unseen)  # journaled, yet not restored: finished (days ago, perhaps)
        for child in children:
            if child.state is HeldState.CANCELED or (child.state is HeldState.TRIGGERED and (
                    child.child_id in finished or not _unsettled(self._oms.in_memory(child.child_id)))):
                continue  # settled: kept in the journal, not watched
            self._put(child)
        self._refresh(list(self._children.values()), fire=False,  # not connected yet: `resume` sends them
                      closed_ends=True)
        for child in self._children.values():
            if child.state is HeldState.ARMED:
                self._bus.publish(LogMessage("INFO", f"{_name(child)} re-armed ({HELD_BADGE})."))

    def adopt(self, children: Iterable[HeldChild]) -> None:
        """Track children the order path has just journaled (with their entry, or with a child order)."""
        for child in children:
            self._put(child)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _put(self, child: HeldChild) -> None:
        """Hold child's newest state and keep the indexes by entry, child order and armed symbol; say it changed."""
        before = self._children.get(child.key)
        self._children[child.key] = child
        if before != child:
            self._bus.publish(HeldChildChanged(child))
        self._by_entry.setdefault(child.entry, set()).add(child.leg)
        if child.state is HeldState.TRIGGERED:
            self._by_child_order[child.child_id] = child.key
        armed = self._armed.setdefault(child.symbol, {})
        if child.state is HeldState.ARMED:
            armed[child.key] = child
        else:
            armed.pop(child.key, None)

    def _of_entry(self, entry: ClientOrderId) -> list[HeldChild]:
        return [self._children[(entry, leg)] for leg in self._by_entry.get(entry, ())]

    # --- sizing and cancelling ------------------------------------------------------------------

    def _on_order(self, event: OrderUpdated) -> None:
        order = event.order
        if order.filled_qty > 0:
            self._cancel_oco_partner(order)
        if order.client_order_id in self._by_entry:  # most orders are no bracket's entry: asked of every update
            mine = [c for c in self._of_entry(order.client_order_id) if c.state.is_live]
            if mine:
                self._refresh(mine)
                return
        key = self._by_child_order.get(order.client_order_id)
        child = None if key is None else self._children[key]
        if child is not None and child.state is HeldState.TRIGGERED and child.child_id == order.client_order_id:
            self._on_child_order(child, order)

    def _on_fill(self, event: FillRecorded) -> None:
        fill = event.fill  # the portfolio has counted it (it subscribed first): the position is the new one
        self._refresh([c for c in self._children.values()
                       if c.state.is_live and c.account_id == fill.account_id and c.symbol == fill.symbol],
                      closed_ends=True)

    def _refresh(self, children: Sequence[HeldChild], *, fire: bool = True, closed_ends: bool = False) -> None:
        """Size children to their entry's fills and the position; cancel those whose entry ended unfilled and
        (closed_ends: the position is known to be current) those whose trade is over, their entry done and its
        position closed by another order; send the OTO orders whose entry is done (fire)."""
        changed: list[HeldChild] = []
        for child in children:
            entry = self._oms.get(child.entry)
            if entry is None:
                new = child.with_state(HeldState.CANCELED, "Its entry order is not in the journal.")
            elif entry.status in _ENDED and entry.filled_qty == 0:
                new = child.with_state(HeldState.CANCELED, f"The entry was {entry.status.value.lower()} unfilled.")
            else:
                quantity = protected_quantity(entry.filled_qty, self._held(entry), child.entry_side)
                if closed_ends and quantity == 0 and not entry.is_working and not child.leg.fires_on_fill:
                    # Its position was closed by another order: a new position later is not this trade's, and must
                    # not bring back a stop or target the trader set for the old one.
                    new = child.with_state(HeldState.CANCELED, "Its position was closed by another order.")
                else:
                    new = child.sized(quantity)
            if new != child:
                changed.append(new)
        self._commit(changed)
        if fire:
            for child in children:
                self._fire_if_entry_done(self._children[child.key])

    def _held(self, entry: Order) -> Decimal:
        """Return the position an entry's children protect: its product's where the account holds the symbol per
        product (Kite: an MIS entry's stop never counts the CNC shares), else the symbol's net."""
        if entry.product is not None:
            products = self._portfolio.products(entry.account_id, entry.symbol)
            if products:
                return next((p.quantity for p in products if p.product is entry.product), Decimal(0))
        position = self._portfolio.position(entry.account_id, entry.symbol)
        return Decimal(0) if position is None else position.quantity

    def _fire_if_entry_done(self, child: HeldChild) -> None:
        """Send an armed OTO order once its entry has stopped working (filled, or ended part-filled)."""
        if not (child.leg.fires_on_fill and child.state is HeldState.ARMED and child.quantity > 0):
            return
        entry = self._oms.get(child.entry)
        if entry is not None and not entry.is_working:
            self._trigger(child, f"Its entry {entry.client_order_id} {entry.status.value.lower()}.")

    def cancel_symbol(self, account_id: AccountId, symbol: str, reason: str) -> int:
        """Cancel the live children of a position (before a close or Flatten goes out); return how many."""
        live = [c.with_state(HeldState.CANCELED, reason) for c in self.protecting(account_id, symbol)]
        self._commit(live)
        return len(live)

    def cancel_all(self, account_id: AccountId | None, reason: str) -> int:
        """Cancel every live child (of one account, or all): cancel all and the kill switch; return how many."""
        live = [c.with_state(HeldState.CANCELED, reason) for c in self._children.values()
                if c.state.is_live and (account_id is None or c.account_id == account_id)]
        self._commit(live)
        return len(live)

    def cancel_entry(self, entry: ClientOrderId, reason: str) -> int:
        """Cancel the live children of one entry (the trader removed its protection); return how many."""
        live = [c.with_state(HeldState.CANCELED, reason) for c in self._of_entry(entry) if c.state.is_live]
        self._commit(live)
        return len(live)

    def cancel_leg(self, entry: ClientOrderId, leg: ProtectionLeg, reason: str) -> HeldChild:
        """Cancel one live held child (the trader removed that stop or target; its sibling stays); return it.

        Journaled before it stops being watched. Raises ValueError saying why when the child is no longer live.
        """
        child = self._children.get((entry, leg))
        if child is None or not child.state.is_live:
            state = "not held" if child is None else child.state.value.lower()
            raise ValueError(f"The held {leg.label} of {entry} is {state}: there is nothing to cancel.")
        cancelled = child.with_state(HeldState.CANCELED, reason)
        self._commit([cancelled])
        self._bus.publish(LogMessage("INFO", f"{_name(cancelled)} cancelled: {reason} ({HELD_BADGE})."))
        return cancelled

    def move(self, entry: ClientOrderId, leg: ProtectionLeg, trigger: Decimal, quote: Quote | None) -> HeldChild:
        """Move a live held child's trigger to trigger (journaled before it is watched there); return it moved.

        quote: the account's latest quote of the symbol. Raises ValueError saying why and what to do when the
        child is no longer held, or when the new trigger is already touched (it would fire at once). A child whose
        entry has not filled (PENDING) is checked against the entry's price and its sibling instead: it cannot fire
        before the fill, and the moved trigger (journaled here) is the one armed and sent once the entry fills.
        """
        child = self._children.get((entry, leg))
        if child is None or not child.state.is_live:
            state = "not held" if child is None else child.state.value.lower()
            raise ValueError(f"The held {leg.label} of {entry} is {state}: there is nothing to move.")
        if not trigger.is_finite() or trigger <= 0:
            raise ValueError(f"The {leg.label} must be a positive price, not {trigger}.")
        moved = replace(child, trigger=trigger)
        entry_order = self._oms.get(entry)
        if child.state is HeldState.PENDING and entry_order is not None:  # protects nothing yet: against its entry
            siblings = [(c.leg, c.trigger) for c in self._of_entry(child.entry)
                        if c.leg is not leg and c.state.is_live and not c.leg.fires_on_fill]
            problem = moved_child_problem(leg, trigger, entry_order, siblings[0] if siblings else None)
            if problem is not None:
                raise ValueError(problem)
        elif quote is not None and touched(moved, quote.bid, quote.ask, quote.last):
            exit_price = (quote.bid if child.entry_side is Side.BUY else quote.ask) or quote.last
            side = "below" if (leg is ProtectionLeg.STOP_LOSS) == (child.entry_side is Side.BUY) else "above"
            raise ValueError(f"A {leg.label} at {trigger} is through the market ({exit_price}) and would fire at "
                             f"once: put it {side} {exit_price}.")
        self._commit([moved])
        self._bus.publish(LogMessage("INFO", f"{_name(moved)} moved from {child.trigger} to {trigger} ({HELD_BADGE})."))
        return moved

    def _commit(self, changed: Sequence[HeldChild]) -> None:
        """Journal changed children, then adopt them: nothing is acted on before it is durable."""
        if not changed:
            return
        self._journal.record_held(changed)
        for child in changed:
            before = self._children.get(child.key)
            self._put(child)
            if child.state is HeldState.ARMED and (before is None or before.state is not HeldState.ARMED):
                self._bus.publish(LogMessage("INFO", f"{_name(child)} armed for {child.quantity} ({HELD_BADGE})."))
                self._warn_if_stale(child, self._clock.now())
            elif child.state is HeldState.CANCELED:
                self._stale_warned.discard(child.key)

    # --- OCO pairs ------------------------------------------------------------------------------

    def _cancel_oco_partner(self, order: Order) -> bool:
        """Cancel the other order of order's OCO pair once order has filled (in part); return True if asked."""
        partner_id = oco_partner_id(order.client_order_id)
        partner = None if partner_id is None else self._oms.get(partner_id)
        if partner is None or not partner.is_working or partner.status is OrderStatus.PENDING_CANCEL:
            return False
        if self._broker_holds_oco(order.account_id):
            return False  # the broker cancels it (its report closes it in our books); a cancel of ours would race
        self._bus.publish(LogMessage("INFO", f"OCO: {order.client_order_id} filled {order.filled_qty.normalize():f}; "
                                             f"cancelling {partner_id} (one cancels the other)."))
        task: asyncio.Task[object] = asyncio.ensure_future(self._cancel(partner.client_order_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def resume(self, account_id: AccountId) -> None:
        """Do what a crash or a lost link kept from going out, once the account is reconciled: cancel each working
        order whose OCO partner has filled, and send each OTO order whose entry is done."""
        filled = [o for o in self._oms.orders(account_id) if o.filled_qty > 0]
        for order in filled:
            self._cancel_oco_partner(order)
        asked = {o.client_order_id for o in filled}
        for order in self._oms.working(account_id):  # a partner that filled days ago is in the journal, not in memory
            partner_id = oco_partner_id(order.client_order_id)
            if partner_id is not None and partner_id not in asked:
                partner = self._oms.get(partner_id)
                if partner is not None and partner.filled_qty > 0:
                    self._cancel_oco_partner(partner)
        for child in [c for c in self._children.values() if c.account_id == account_id]:
            self._fire_if_entry_done(child)

    # --- triggering -----------------------------------------------------------------------------

    def _on_quotes(self, quotes: Sequence[Quote]) -> None:
        now = self._clock.now()
        for quote in quotes:
            self._last_tick[(quote.source, quote.symbol)] = now
            armed = self._armed.get(quote.symbol)
            if not armed:
                continue
            for child in list(armed.values()):
                if (child.quantity > 0 and quote.source == child.account_id
                        and self._children[child.key].state is HeldState.ARMED
                        and touched(child, quote.bid, quote.ask, quote.last)):
                    self._trigger(child)

    def _trigger(self, child: HeldChild, reason: str = "") -> None:
        """Send child through the order path once; its sibling is cancelled in the same transaction."""
        fired = child.with_state(HeldState.TRIGGERED, reason or f"Touched {child.trigger}.")
        rows = [fired] + [s.with_state(HeldState.CANCELED, f"Its {child.leg.label} was triggered (one cancels "
                                                           "the other).")
                          for s in self._of_entry(child.entry) if s.key != child.key and s.state.is_live]
        for row in rows:  # not re-triggered by the next tick while the child order is being journaled
            self._put(row)
        entry = self._oms.get(child.entry)
        order_type = _CHILD_TYPE[child.leg]
        request = OrderRequest(
            account_id=child.account_id, symbol=child.symbol, side=child.exit_side, quantity=child.quantity,
            order_type=order_type,
            limit_price=child.trigger if order_type is OrderType.LIMIT else None,
            stop_price=child.trigger if order_type is OrderType.STOP else None,
            tif=entry.tif if entry is not None and child.leg.fires_on_fill and entry.tif is not TimeInForce.IOC
            else TimeInForce.DAY,  # an OTO's order rests as long as its entry would have; a touched child is sent now
            origin=OrderOrigin.PROTECTIVE,
            strategy_id=None if entry is None else entry.strategy_id,  # its fills close the entry's strategy's position
            product=None if entry is None else entry.product,  # an MIS entry's stop closes the MIS position
        )
        task: asyncio.Task[object] = asyncio.ensure_future(self._send_child(child, request, rows))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_child(self, child: HeldChild, request: OrderRequest, rows: Sequence[HeldChild]) -> None:
        try:
            order = await self._send(request, child.child_id, rows)
        except (OrderRefused, ValueError, JournalError) as exc:
            if self._oms.get(child.child_id) is None:  # nothing journaled: armed as before, tried on the next touch
                for row in rows:
                    self._put(self._previous(row, child))
                if child.key not in self._unsent_warned:  # once, not on every tick while it cannot go
                    self._unsent_warned.add(child.key)
                    self._bus.publish(LogMessage("ERROR", f"{_name(child)} {_why_sent(child)} but could not be "
                                                          f"sent: {exc} It stays armed and is tried again "
                                                          f"{_when_again(child)}."))
            else:
                self._bus.publish(LogMessage("ERROR", f"{_name(child)} was refused: {exc} The position is NOT "
                                                      "protected: close it or protect it by hand."))
            return
        self._bus.publish(LogMessage("WARNING", f"{_name(child)} {_how(child)}: sent "
                                                f"{request.side.value.lower()} {child.quantity} {child.symbol} "
                                                f"({order.status.value})."))
        entry = self._oms.get(child.entry)
        if entry is not None and entry.is_working:  # what is left of the entry would reopen an unprotected position
            await self._cancel(entry.client_order_id)

    def _previous(self, row: HeldChild, fired: HeldChild) -> HeldChild:
        return fired if row.key == fired.key else row.with_state(HeldState.ARMED if row.quantity > 0
                                                                 else HeldState.PENDING)

    def _on_child_order(self, child: HeldChild, order: Order) -> None:
        if order.status is OrderStatus.CANCELED and order.reason == NEVER_SENT and order.filled_qty == 0:
            again = child.rearmed(f"Its order {order.client_order_id} never reached the broker.")
            if again is not None:  # the broker never had it: a new id, and the next touch sends it
                self._commit([again])
                self._refresh([again])
                return
        if order.status in _ENDED and order.filled_qty < order.quantity.value:
            self._bus.publish(LogMessage("ERROR", f"{_name(child)} order {order.client_order_id} ended "
                                                  f"{order.status.value.lower()}: {order.reason or 'no reason given'}. "
                                                  "The position may NOT be protected: check it."))

    # --- stale feeds ----------------------------------------------------------------------------

    def check_feeds(self) -> list[HeldChild]:
        """Warn (once per stale spell) about each armed stop whose account feed has gone quiet; return them."""
        now = self._clock.now()
        return [c for c in self._children.values() if c.state is HeldState.ARMED and self._warn_if_stale(c, now)]

    def _warn_if_stale(self, child: HeldChild, now: datetime) -> bool:
        last = self._last_tick.get((child.account_id, child.symbol))
        if last is not None and now - last <= self._stale_after:
            self._stale_warned.discard(child.key)
            return False
        if child.key not in self._stale_warned:
            self._stale_warned.add(child.key)
            since = "has not quoted it yet" if last is None else f"last quoted it at {last:%H:%M:%S}"
            self._bus.publish(LogMessage("WARNING", f"{_name(child)} is held by TradeTerm, but {child.account_id}'s "
                                                    f"feed {since}: it cannot trigger without prices."))
        return True

    async def watch_feeds(self, every_s: float = 1.0) -> None:
        """Check the feeds under armed stops every every_s seconds until cancelled."""
        while True:
            self.check_feeds()
            await asyncio.sleep(every_s)


_CHILD_TYPE = {ProtectionLeg.STOP_LOSS: OrderType.MARKET, ProtectionLeg.TAKE_PROFIT: OrderType.LIMIT,
               ProtectionLeg.THEN_LIMIT: OrderType.LIMIT, ProtectionLeg.THEN_STOP: OrderType.STOP}
"""The order a held child sends: a touched stop-loss at market, a touched target as a limit at its price, an
OTO's order as the limit or stop it is, to work at the broker."""


def _why_sent(child: HeldChild) -> str:
    return "is due (its entry is done)" if child.leg.fires_on_fill else "was touched"


def _when_again(child: HeldChild) -> str:
    return "once the account is reconnected" if child.leg.fires_on_fill else "on the next price"


def _how(child: HeldChild) -> str:
    return "sent as its entry filled" if child.leg.fires_on_fill else f"triggered at {child.trigger}"


def _unsettled(order: Order | None) -> bool:
    """Return True for a triggered child's order whose fate is still open (a restart may re-arm it)."""
    return order is None or order.is_working or order.status is OrderStatus.UNKNOWN


def _name(child: HeldChild) -> str:
    return f"{child.account_id} {child.symbol} held {child.leg.label} {child.trigger} (entry {child.entry})"
