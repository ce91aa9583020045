"""OrderManager: owns every Order, journals each change, deduplicates fills by trade id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence

from core.domain import (
    AccountId,
    ClientOrderId,
    Fill,
    FillRecorded,
    LogMessage,
    Order,
    OrderEvent,
    OrderFilled,
    OrderOrigin,
    OrderTrailMoved,
    OrderUpdated,
)
from core.domain.fill import order_key
from core.domain.protection import HeldChild
from core.domain.transitions import can_transition
from core.ports.journal import IntakeKey, Journal, JournalError
from core.services.bus import EventBus
from core.services.fill_batch import FillBatch
from core.services.group_commit import GroupCommit
from core.services.trail_moves import TrailMoves, moves_stop
from core.services.working_orders import WorkingOrders

log = logging.getLogger(__name__)

_Intent = tuple[Order, IntakeKey | None, tuple[HeldChild, ...]]
"""An order to journal, with its strategy's idempotency key and the held children written with it."""


class OrderManager:
    """Apply order events (from adapters via the bus, or from the session) to journaled orders.

    A trailing order's stop moves (OrderTrailMoved) are applied only when they move it, and at most about once a
    second per order (trail_moves.py); a waiting move is applied before any other event of its order.

    The fills a broker reports in one turn of the loop after its first share one commit at the end of the
    turn (fill_batch.py); until then nothing sees them, and any event of their orders commits them first.

    A new order created with `announce=False` is told (OrderUpdated) when `announce` is called for it, once its
    sender has sent it, or before any other event of it, or at the end of the loop's turn, whichever comes first:
    the views and the strategies' streams learn of an order after its bytes are on their way, never after an
    event of it.

    Events: OrderUpdated(order) after every journaled change; FillRecorded(fill) for each new fill,
    including fills of orders placed outside TradeTerm; LogMessage when an event breaks the table, or when
    a fill could not be journaled.
    """

    def __init__(self, bus: EventBus, journal: Journal, *, trail_moves: TrailMoves | None = None) -> None:
        self._bus = bus
        self._journal = journal
        self._orders: dict[ClientOrderId, Order] = {}
        self._working = WorkingOrders()
        self._open: dict[ClientOrderId, Order] = {}
        """The tracked orders that are working, in the order they were tracked: what `working` reads, so a
        Flatten's close does not walk the day's 5,000 cancelled orders for each position (its risk check asks)."""
        self._open_protective: dict[ClientOrderId, Order] = {}
        """The working orders among them whose origin is PROTECTIVE: what `working_protective` reads, so the
        positions grid's Protection cell does not walk 5,000 resting orders for each row it paints."""
        self._intents: GroupCommit[_Intent] = GroupCommit(self._create_all)
        self._untold: dict[ClientOrderId, Order] = {}
        """New orders created with announce=False whose OrderUpdated waits for `announce` (see the class doc)."""
        self._reports_due: asyncio.Handle | None = None
        self._announce_due: asyncio.Handle | None = None
        """The end-of-turn call that tells the untold orders, once queued for the turn (see `_tell_by_end_of_turn`)."""
        self._trail_moves = trail_moves or TrailMoves(self._apply)
        self._fills = FillBatch(self.commit_fills)
        bus.subscribe(OrderEvent, self._on_reported)

    @property
    def trail_moves(self) -> TrailMoves:
        """Return the conflation of trailing orders' stop moves (trail_moves.py)."""
        return self._trail_moves

    @property
    def working_index(self) -> WorkingOrders:
        """Return the running sums of the working orders per account and symbol (for the risk checks)."""
        return self._working

    def get(self, client_order_id: ClientOrderId) -> Order | None:
        """Return the order, from memory or else from the journal (a finished order a restart left there)."""
        order = self._orders.get(client_order_id)
        if order is None:
            order = self._journal.load_order(client_order_id)
            if order is not None:
                self._orders[client_order_id] = order
                self._note(order)
        return order

    def in_memory(self, client_order_id: ClientOrderId) -> Order | None:
        """Return the order if it is in memory (every unfinished order is, after a restore), else None."""
        return self._orders.get(client_order_id)

    def orders(self, account_id: AccountId | None = None) -> list[Order]:
        """Return the orders in memory: every unfinished one, today's, and those sent or changed since the start.

        Older finished orders stay in the journal (the history view reads them); `get` finds any of them.
        """
        return [o for o in self._orders.values() if account_id is None or o.account_id == account_id]

    def working(self, account_id: AccountId | None = None) -> list[Order]:
        """Return the working orders in memory (every one is), of one account or all, in the order they were tracked."""
        return [o for o in self._open.values() if o.is_working and (account_id is None or o.account_id == account_id)]

    def working_protective(self, account_id: AccountId) -> list[Order]:
        """Return the working orders of account_id whose origin is PROTECTIVE, in the order they were tracked."""
        return [o for o in self._open_protective.values() if o.is_working and o.account_id == account_id]

    def restore(self, orders: Iterable[Order]) -> None:
        """Adopt orders loaded from the journal (already journaled: nothing is written)."""
        for order in orders:
            self._orders[order.client_order_id] = order
            self._note(order)
            self._bus.publish(OrderUpdated(order))

    def create(self, order: Order) -> None:
        """Journal a new order with its events so far (commit), then track it."""
        if order.client_order_id in self._orders:
            raise ValueError(f"order {order.client_order_id} already exists")
        self._journal.record_order(order)
        self._track(order)

    async def create_durably(self, order: Order, *, alone: bool, intake_key: IntakeKey | None = None,
                             held: Sequence[HeldChild] = (), announce: bool = True) -> None:
        """Journal a new order with its events so far, then track it; return once it is committed.

        alone: no other order is on its way, so it is committed at once. Otherwise every order created
        in this turn of the loop is committed in one transaction (one disk flush). The order counts in
        the working sums from this call on, so the checks of orders made while it waits see it; if it
        cannot be journaled it is taken out again and the error raised.
        intake_key: the strategy's idempotency key, committed in the order's own transaction; one that
        another order holds raises DuplicateIntakeKey and the order is not created.
        held: held children (protective orders) written in the order's own transaction: a bracket's children
        with its entry, or a child's TRIGGERED state with the order it sends.
        announce: False keeps its OrderUpdated for `announce` (the sender calls it once the order is sent).
        """
        if order.client_order_id in self._orders:
            raise ValueError(f"order {order.client_order_id} already exists")
        self._working.update(order)
        if not announce:
            self._untold[order.client_order_id] = order  # _track tells it later
        try:
            await self._intents.add((order, intake_key, tuple(held)), alone=alone)
        except BaseException:
            self._untold.pop(order.client_order_id, None)
            raise

    def announce(self, client_order_id: ClientOrderId | None = None) -> None:
        """Tell the new orders kept untold (OrderUpdated), in the order they were created; None: every one.

        One id tells it and every untold order created before it, so they are told in order.
        """
        untold = self._untold
        if not untold or (client_order_id is not None and client_order_id not in untold):
            return
        while untold:
            coid, order = next(iter(untold.items()))
            del untold[coid]
            if coid in self._orders:  # committed (a failed commit took it out)
                self._bus.publish(OrderUpdated(order))
            if coid == client_order_id:
                return

    def create_together(self, orders: Sequence[Order], intake_key: IntakeKey | None = None) -> None:
        """Journal new orders with their events so far in one transaction (all or none, committed at once),
        then track them: a native bracket's entry and children. intake_key goes with the first order."""
        if any(order.client_order_id in self._orders for order in orders):
            raise ValueError("an order of this group already exists")
        keys = None if intake_key is None else {orders[0].client_order_id: intake_key}
        self._journal.record_orders(orders, keys)
        for order in orders:
            self._track(order)

    def _create_all(self, intents: Sequence[_Intent]) -> list[BaseException | None]:
        orders = [order for order, _, _ in intents]
        try:
            self._journal.record_orders(orders, _keys_of(intents), _held_of(intents))
            outcomes: list[BaseException | None] = [None] * len(orders)
        except (JournalError, ValueError) as exc:
            outcomes = [exc] if len(orders) == 1 else [self._create_one(intent) for intent in intents]
        for order, outcome in zip(orders, outcomes, strict=True):
            if outcome is None:
                self._track(order, counted=True)  # create_durably counted it, unchanged since: no second count
            elif order.client_order_id not in self._orders:  # not a duplicate of a tracked order
                self._working.discard(order.client_order_id)
        return outcomes

    def _create_one(self, intent: _Intent) -> BaseException | None:
        """Journal one order of a batch that failed as a whole, so one bad order fails alone."""
        try:
            self._journal.record_orders((intent[0],), _keys_of((intent,)), intent[2])
        except (JournalError, ValueError) as exc:
            return exc
        return None

    def _track(self, order: Order, *, counted: bool = False) -> None:
        self._orders[order.client_order_id] = order
        self._note(order, counted=counted)
        if order.client_order_id in self._untold:
            self._tell_by_end_of_turn()
            return
        self._bus.publish(OrderUpdated(order))

    def _tell_by_end_of_turn(self) -> None:
        """Make sure the untold orders are told at the end of this turn of the loop if nothing tells them sooner
        (one call for every order of the turn: a batch of 64 orders queued 64)."""
        if self._announce_due is not None:
            return
        try:
            self._announce_due = asyncio.get_running_loop().call_soon(self._announce_all)
        except RuntimeError:  # no loop: nothing comes after this call, tell them now
            self.announce()

    def _announce_all(self) -> None:
        self._announce_due = None
        self.announce()

    def _note(self, order: Order, *, counted: bool = False) -> None:
        """Take a tracked order's change into the working sums (unless `counted`: they hold it as it is now) and the
        working orders."""
        if not counted:
            self._working.update(order)
        if order.is_working:
            self._open[order.client_order_id] = order  # a known one keeps its place
            if order.origin is OrderOrigin.PROTECTIVE:
                self._open_protective[order.client_order_id] = order
        else:
            self._open.pop(order.client_order_id, None)
            self._open_protective.pop(order.client_order_id, None)

    def _on_reported(self, event: OrderEvent) -> None:
        """Apply an event a broker reported: a fill after the first of this turn waits for the turn's commit."""
        if isinstance(event, OrderFilled) and not self._fills.holds(event.client_order_id) and self._fills.take(event):
            return
        self.apply(event)

    async def settled(self, client_order_id: ClientOrderId) -> None:
        """Return once no fill of this order waits for its commit (at once if none does)."""
        await self._fills.until_committed(client_order_id)

    def commit_fills(self) -> None:
        """Journal the fills held for the end of this turn in one transaction, then apply them and tell as `apply`
        does; a batch the journal refuses is tried one fill at a time, so one bad fill fails alone."""
        if self._untold:
            self.announce()
        events = self._fills.drain()
        try:
            if events:
                self._record_fills(events)
        finally:
            self._fills.settled()

    def _record_fills(self, events: Sequence[OrderFilled]) -> None:
        changes: list[tuple[OrderFilled, Order | None, bool]] = []
        seen: set[tuple[str, str, str]] = set()
        for event in events:
            self._trail_moves.flush(event.client_order_id)
            fill = event.fill
            key = (fill.account_id, fill.trade_id, order_key(fill))  # a trade id names a fill within its order
            if key in seen or self._journal.has_fill(fill):
                log.info("duplicate fill %s ignored", fill.trade_id)
                continue
            seen.add(key)
            order = self.get(event.client_order_id)
            allowed = True
            if order is not None:
                allowed = order.apply(event)
                self._note(order)
            changes.append((event, order, allowed))
        rows = [(event.fill, order, event if order is not None else None) for event, order, _ in changes]
        try:
            recorded = self._journal.record_fills(rows)
        except (JournalError, ValueError):
            recorded = [self._record_fill(*row) for row in rows]
        for (event, order, allowed), new in zip(changes, recorded, strict=True):
            if not new:
                continue
            self._bus.publish(FillRecorded(event.fill))
            if order is None:
                self._say_foreign(event.fill)
                continue
            self._bus.publish(OrderUpdated(order))
            if not allowed:
                self._say_unexpected(order, event)
            if not order.is_working:
                self._trail_moves.forget(order.client_order_id)

    def _record_fill(self, fill: Fill, order: Order | None, event: OrderEvent | None) -> bool:
        """Journal one fill of a batch the journal refused as a whole; False (said in the log) if it failed too."""
        try:
            return self._journal.record_fill(fill, order, event)
        except (JournalError, ValueError) as exc:
            log.error("fill %s could not be journaled: %s", fill.trade_id, exc)
            self._bus.publish(LogMessage("ERROR", f"Fill {fill.trade_id} ({fill.side.value} {fill.quantity} "
                                                  f"{fill.symbol}) could not be journaled ({exc}); reconciliation "
                                                  "learns it again from the broker."))
            return False

    def apply(self, event: OrderEvent) -> None:
        """Apply one order event: dedupe fills, journal, update the order, tell the views."""
        if self._untold:  # the views learn of an order before any event of it
            self.announce(event.client_order_id)
        if self._fills.holds(event.client_order_id):  # its order's held fill goes first
            self.commit_fills()
        if isinstance(event, OrderTrailMoved):
            order = self._orders.get(event.client_order_id)
            if order is not None and moves_stop(order, event):
                self._trail_moves.offer(event)
            return
        self._trail_moves.flush(event.client_order_id)
        self._apply(event)
        order = self._orders.get(event.client_order_id)
        if order is not None and not order.is_working:
            self._trail_moves.forget(order.client_order_id)

    def _apply(self, event: OrderEvent) -> None:
        if isinstance(event, OrderTrailMoved):
            order = self._orders.get(event.client_order_id)
            if order is None or not moves_stop(order, event):  # it ended, or stands there, since the move waited
                return
        if isinstance(event, OrderFilled) and self._journal.has_fill(event.fill):
            log.info("duplicate fill %s ignored", event.fill.trade_id)
            return
        order = self.get(event.client_order_id)
        if order is None:
            self._on_foreign_event(event)
            return
        allowed = order.apply(event)
        self._note(order)
        if isinstance(event, OrderFilled):
            self._journal.record_fill(event.fill, order, event)  # fill and order state in one transaction
            self._bus.publish(FillRecorded(event.fill))
        else:
            self._journal.record_event(order, event, defer=self._defer_reports())
        self._bus.publish(OrderUpdated(order))
        if not allowed:
            self._say_unexpected(order, event)

    def _say_unexpected(self, order: Order, event: OrderEvent) -> None:
        self._bus.publish(
            LogMessage(
                "WARNING",
                f"{order.symbol} order {order.client_order_id}: {type(event).__name__} was not expected "
                f"while {order.status.value}; it needs reconciliation with the broker.",
            )
        )

    def apply_all(self, events: Sequence[OrderEvent]) -> None:
        """Apply events to tracked orders (no fills) and journal them in one transaction: one disk flush for all.

        For intents that go out together, such as the cancels of a cancel-all. Raises ValueError, changing
        nothing, for an event of an unknown order, a fill, or a change the order's status does not allow;
        JournalError after the orders have changed (and the views were told) if the journal cannot record them.
        """
        if self._untold:
            self.announce()
        if self._fills and any(self._fills.holds(event.client_order_id) for event in events):
            self.commit_fills()  # their orders' held fills go first
        changes: list[tuple[Order, OrderEvent]] = []
        for event in events:
            order = self.get(event.client_order_id)
            if order is None or isinstance(event, OrderFilled):
                raise ValueError(f"apply_all takes events of tracked orders, not fills: {event!r}")
            if not can_transition(order.status, order.target_status(event)):
                raise ValueError(f"order {order.client_order_id} is {order.status.value}: {type(event).__name__} "
                                 "is not allowed")
            changes.append((order, event))
        for order, _ in changes:
            self._trail_moves.flush(order.client_order_id)
        for order, event in changes:
            order.apply(event)
            self._note(order)
        try:
            self._journal.record_events(changes)
        finally:
            for order, _ in changes:
                self._bus.publish(OrderUpdated(order))

    def _defer_reports(self) -> bool:
        """Let the journal keep broker reports for one commit at the end of this turn of the loop (True), or not.

        A burst of orders brings a burst of acknowledgements: one transaction for all of them instead
        of one each. Without a running loop nothing would write them, so they are not deferred.
        """
        if self._reports_due is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return False
            self._reports_due = loop.call_soon(self._write_reports)
        return True

    def _write_reports(self, waited: bool = False) -> None:
        if not waited and self._intents.pending:
            # Orders wait for their commit, due before this handle's next turn: that transaction carries the
            # reports (SqliteJournal writes what is deferred in any transaction), one write of the log instead
            # of two. Once only: the reports and the log's checkpoint (write_deferred) wait one turn at most.
            self._reports_due = asyncio.get_running_loop().call_soon(self._write_reports, True)
            return
        self._reports_due = None
        try:
            self._journal.write_deferred()
        except JournalError as exc:  # kept for the next write; reconciliation learns them again after a crash
            log.error("%s", exc)
            self._bus.publish(LogMessage("ERROR", f"{exc} The broker's latest reports will be written with the "
                                                  "next change, or learned again from the broker."))

    def record_external_fill(self, fill: Fill) -> bool:
        """Journal a fill of an order TradeTerm did not place; return False if it was known already."""
        if not self._journal.record_fill(fill):
            return False
        self._bus.publish(FillRecorded(fill))
        if not fill.is_adjustment:  # an adoption says so itself ("adopted the broker's positions")
            self._say_foreign(fill)
        return True

    def _say_foreign(self, fill: Fill) -> None:
        self._bus.publish(
            LogMessage("WARNING", f"Fill {fill.trade_id} ({fill.side.value} {fill.quantity} {fill.symbol}) belongs "
                                  "to an order TradeTerm did not place; the position includes it.")
        )

    def _on_foreign_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.record_external_fill(event.fill)
        else:
            log.info("event for unknown order %s ignored: %s", event.client_order_id, type(event).__name__)


def _keys_of(intents: Sequence[_Intent]) -> dict[ClientOrderId, IntakeKey] | None:
    keys = {order.client_order_id: key for order, key, _ in intents if key is not None}
    return keys or None


def _held_of(intents: Sequence[_Intent]) -> tuple[HeldChild, ...]:
    return tuple(child for _, _, held in intents for child in held)
