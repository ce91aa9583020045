"""ApprovalQueue: strategy orders wait here for a person, expire, and fail closed.

Intake checks the signal is live (not before the strategy's activation, not older than it allows),
then the session validates, risk-checks and journals the order as PENDING_APPROVAL. An OCO pair waits as one
entry (its second order its `partner`): approved, edited, rejected, withdrawn and expired together; an OTO waits
as its entry, whose exit TradeTerm holds with it, as a bracket's children are. Approve re-runs
risk against the current quote and sends it through the session's one order path. Edit replaces the
pending order by an edited one (the original is canceled with a note naming its replacement) and
approves that. Any exception in the approval path leaves the order queued and is logged.
The kill switch rejects every waiting order (KillSwitchPulled), and while it is on no approval goes
through: an order still found waiting then is rejected too, with the reason said to the trader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from core.domain import (
    ClientOrderId,
    FieldError,
    LogMessage,
    Order,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    OrderUpdated,
    StrategyId,
    TimeInForce,
)
from core.domain.protection import Oto, ProtectionLeg
from core.domain.signal import SignalInfo
from core.domain.trailing import Trail, TrailUnit
from core.ports.journal import IntakeKey
from core.services.action_log import order_words, outcome_words
from core.services.approval_row import ApprovalRow, drift_pct
from core.services.kill_switch import KILL_SWITCH_REJECT, KillSwitchPulled
from core.services.order_preview import reference_price, what_if
from core.services.risk import HoldCause
from core.services.risk.context import quote_price
from core.services.session import OrderRefused, TradingSession
from core.services.strategies import StrategyRegistry
from core.services.strategy_bracket import submit_protected

log = logging.getLogger(__name__)
SWEEP_S = 0.5


class SignalStore(Protocol):
    """Where the strategy's side of each order (signal time, notes, replacement) survives a restart."""

    def save_signal(self, client_order_id: str, record: dict[str, str | None]) -> None: ...

    def load_signal(self, client_order_id: str) -> dict[str, Any] | None: ...

    def set_replaced(self, client_order_id: str, replacement: str) -> None: ...

    def replaced_by(self, client_order_id: str) -> str | None: ...


class MemorySignalStore:
    """A SignalStore that forgets on exit (tests and headless runs without a data dir)."""

    def __init__(self) -> None:
        self._signals: dict[str, dict[str, Any]] = {}
        self._replaced: dict[str, str] = {}

    def save_signal(self, client_order_id: str, record: dict[str, str | None]) -> None:
        self._signals[client_order_id] = dict(record)

    def load_signal(self, client_order_id: str) -> dict[str, Any] | None:
        return self._signals.get(client_order_id)

    def set_replaced(self, client_order_id: str, replacement: str) -> None:
        self._replaced[client_order_id] = replacement

    def replaced_by(self, client_order_id: str) -> str | None:
        return self._replaced.get(client_order_id)


@dataclass(frozen=True, slots=True)
class OrderEdit:
    """What a person changes before approving; None keeps the strategy's value."""

    quantity: object = None
    limit_price: object = None
    stop_price: object = None
    order_type: OrderType | None = None
    tif: TimeInForce | None = None


@dataclass(frozen=True, slots=True)
class ApprovalOutcome:
    """What became of one approval: sent (approved) or still queued / gone, with the reason."""

    client_order_id: ClientOrderId
    approved: bool
    reason: str = ""
    order: Order | None = None


@dataclass(slots=True)
class PendingOrder:
    order: Order
    signal: SignalInfo
    expires_at: datetime
    last_attempt: str = ""
    busy: bool = field(default=False)
    partner: Order | None = None
    """The second order of an OCO pair (order is the first): decided with it, never alone."""

    @property
    def orders(self) -> tuple[Order, ...]:
        return (self.order,) if self.partner is None else (self.order, self.partner)


Listener = Callable[[PendingOrder], None]


class ApprovalQueue:
    """Strategy orders awaiting a person: intake, approve, edit-then-approve, reject, approve all, withdraw, expire.

    Listeners (plain callables, called on the loop): `on_new` with each newly queued order (notify the
    trader); `on_change` whenever the queue's contents or a verdict change (refresh views).
    """

    def __init__(self, session: TradingSession, strategies: StrategyRegistry, store: SignalStore | None = None,
                 audit: Callable[[str, str, str], None] | None = None) -> None:
        self.session = session
        self.strategies = strategies
        self.store: SignalStore = store or MemorySignalStore()
        self._audit = audit or session.journal.record_audit
        self._pending: dict[ClientOrderId, PendingOrder] = {}
        self._partners: dict[ClientOrderId, ClientOrderId] = {}
        """An OCO pair's second order -> its first (the pair's key in _pending)."""
        self.on_new: list[Listener] = []
        self.on_change: list[Callable[[], None]] = []
        self._sweeper: asyncio.Task[None] | None = None
        session.bus.subscribe(OrderUpdated, self._on_order_updated)
        session.bus.subscribe(KillSwitchPulled, self._on_kill_switch)

    # --- lifecycle ------------------------------------------------------------------------------

    def restore(self) -> None:
        """Queue again every journaled PENDING_APPROVAL order (after session.restore); expire the overdue."""
        for order in self.session.oms.orders():
            if order.status is OrderStatus.PENDING_APPROVAL and order.client_order_id not in self._pending \
                    and order.client_order_id not in self._partners:
                pair = self.session.oco_pair(order.client_order_id)
                partner = None
                if pair is not None and all(o.status is OrderStatus.PENDING_APPROVAL for o in pair):
                    order, partner = pair  # an OCO pair waits as one, under its first order
                record = self.store.load_signal(order.client_order_id)
                signal = SignalInfo.from_record(record) if record is not None else SignalInfo(
                    order.strategy_id or StrategyId("unknown"), order.created_at,
                    order.limit_price.value if order.limit_price is not None else None)
                self._put(PendingOrder(order, signal, self._expiry(order, signal), partner=partner))
        self.expire_due()
        if self._kill_switch() is not None:  # pulled before the restart: nothing may wait to be approved
            self.reject_waiting("kill switch")
        self._changed()

    def start(self) -> None:
        """Expire overdue orders every half second on the running loop."""
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="approval-expiry")

    async def stop(self) -> None:
        task, self._sweeper = self._sweeper, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            try:
                self.expire_due()
            except Exception:  # the sweeper must outlive a bad journal write; the order stays queued
                log.exception("expiring approvals failed")

    def _expiry(self, order: Order, signal: SignalInfo) -> datetime:
        seconds = self.strategies.get(signal.strategy_id).expiry_s
        return order.created_at + timedelta(seconds=float(seconds))

    # --- intake ---------------------------------------------------------------------------------

    async def intake(self, request: OrderRequest, signal: SignalInfo, *, intake_key: IntakeKey | None = None) -> Order:
        """Queue a strategy's order; raise OrderRefused (field 'signal_time' when stale) if it may not wait.

        intake_key: the request's idempotency key, committed with the order (DuplicateIntakeKey if taken).
        """
        self._admit(signal)
        order = await submit_protected(self.session, _as_strategy(request, signal), signal.stop_loss,
                                       signal.take_profit, intake_key=intake_key)
        return await self._queued(order, signal)

    async def intake_oco(self, first: OrderRequest, second: OrderRequest, signal: SignalInfo, *,
                         intake_key: IntakeKey | None = None) -> tuple[Order, Order]:
        """Queue a strategy's OCO pair as one (both journaled together); refused as intake is, and when either
        order is (the message names which)."""
        self._admit(signal)
        pair = await self.session.submit_oco(_as_strategy(first, signal), _as_strategy(second, signal),
                                             intake_key=intake_key)
        await self._queued(pair[0], signal, pair[1])
        return pair

    async def intake_oto(self, request: OrderRequest, oto: Oto, signal: SignalInfo, *,
                         intake_key: IntakeKey | None = None) -> Order:
        """Queue a strategy's OTO: its entry waits for approval, its exit held with it (sent once it fills)."""
        self._admit(signal)
        order = await self.session.submit_oto(_as_strategy(request, signal), oto, intake_key=intake_key)
        return await self._queued(order, signal)

    def _admit(self, signal: SignalInfo) -> None:
        """Raise OrderRefused unless the strategy is enabled and its signal live."""
        config = self.strategies.get(signal.strategy_id)
        if not config.enabled:
            raise OrderRefused([FieldError("strategy", f"Strategy {signal.strategy_id} is disabled in TradeTerm.")])
        stale = config.stale_reason(signal.signal_time, self.session.clock.now())
        if stale is not None:
            self._audit(f"strategy:{signal.strategy_id}", "stale_signal", stale)
            raise OrderRefused([FieldError("signal_time", stale)])

    async def _queued(self, order: Order, signal: SignalInfo, partner: Order | None = None) -> Order:
        """Keep a journaled order (with its OCO partner) waiting; tell the listeners; auto-approve if set."""
        config = self.strategies.get(signal.strategy_id)
        if signal.signal_price is None:
            quote = self.session.quotes.latest(order.symbol, order.account_id)
            signal = SignalInfo(signal.strategy_id, signal.signal_time, reference_price(order, lambda _: quote),
                                signal.stop_loss, signal.take_profit, signal.remark)
        for each in (order,) if partner is None else (order, partner):
            self.store.save_signal(each.client_order_id, signal.to_record())
        pending = PendingOrder(order, signal, self._expiry(order, signal), partner=partner)
        self._put(pending)
        self._audit(f"strategy:{signal.strategy_id}", "queued", self._describe_unit(pending))
        for listener in self.on_new:
            self._call(listener, pending)
        self._changed()
        if config.auto_approve:
            await self.approve(order.client_order_id, actor=f"auto-approve:{signal.strategy_id}")
        return order

    # --- decisions ------------------------------------------------------------------------------

    async def approve(self, client_order_id: ClientOrderId, actor: str = "trader") -> ApprovalOutcome:
        """Re-run risk now and send the order (an OCO pair: both, either's id names it); on any refusal or error it
        stays queued with the reason."""
        client_order_id = self._partners.get(client_order_id, client_order_id)
        if (held := self._kill_switch()) is not None:
            return self._refused_by_kill_switch(client_order_id, actor, held)
        pending = self._pending.get(client_order_id)
        if pending is None:
            return ApprovalOutcome(client_order_id, False, "This order is no longer waiting for approval.")
        if pending.busy:
            return ApprovalOutcome(client_order_id, False, "An approval of this order is already under way.")
        self.expire_due()
        if client_order_id not in self._pending:
            return ApprovalOutcome(client_order_id, False, pending.order.reason or "Expired before approval.")
        pending.busy = True
        try:
            if pending.partner is None:
                order = await self.session.approve(client_order_id)
            else:
                order, _ = await self.session.approve_oco(client_order_id)
        except OrderRefused as exc:
            return self._refused(pending, actor, str(exc))
        except Exception as exc:
            log.exception("approval of %s failed", client_order_id)
            self.session.bus.publish(LogMessage("ERROR", f"Approving {client_order_id} failed: {exc!r}. "
                                                         "The order was not sent; it stays in the queue."))
            if pending.order.status is OrderStatus.PENDING_APPROVAL:
                return self._refused(pending, actor, f"Approval failed ({exc!r}); not sent, still queued.")
            return ApprovalOutcome(client_order_id, False, f"Approval failed ({exc!r}); the order is "
                                   f"{pending.order.status.value}.")
        finally:
            pending.busy = False
        self._audit(actor, "approve", self._describe_unit(pending))
        self.session.actions.say(f"Approved by {actor}: {order_words(order)}: {outcome_words(order)}",
                                 "WARNING" if order.reason else "INFO")
        self._drop(client_order_id)
        return ApprovalOutcome(client_order_id, True, order.reason, order)

    def _refused(self, pending: PendingOrder, actor: str, reason: str) -> ApprovalOutcome:
        pending.last_attempt = reason
        self.session.actions.refused(f"Approve ({actor}) {order_words(pending.order)}", reason)
        with contextlib.suppress(Exception):
            self._audit(actor, "approve_refused", f"{pending.order.client_order_id}: {reason}")
        self._changed()
        return ApprovalOutcome(pending.order.client_order_id, False, reason)

    async def edit_and_approve(self, client_order_id: ClientOrderId, edit: OrderEdit,
                               actor: str = "trader") -> ApprovalOutcome:
        """Replace the pending order by an edited one and approve that; the original stays if the edit is refused.

        An OCO pair is replaced by an edited pair (the edit's prices go to the first order; its quantity to both when
        they had one quantity); an OTO's entry by an edited entry with the same exit held.
        """
        client_order_id = self._partners.get(client_order_id, client_order_id)
        if (held := self._kill_switch()) is not None:
            return self._refused_by_kill_switch(client_order_id, actor, held)
        pending = self._pending.get(client_order_id)
        if pending is None or pending.busy:
            return ApprovalOutcome(client_order_id, False, "This order is no longer waiting for approval.")
        original = pending.order
        request = _edited(original, edit)
        pending.busy = True
        partner: Order | None = None
        try:
            oto = self._oto_of(original)
            if pending.partner is not None:
                same_qty = pending.partner.quantity == original.quantity
                replacement, partner = await self.session.submit_oco(request, _edited(pending.partner, OrderEdit(
                    quantity=edit.quantity if same_qty else None)))
            elif oto is not None:
                replacement = await self.session.submit_oto(request, oto)
            else:
                replacement = await submit_protected(self.session, request, pending.signal.stop_loss,
                                                     pending.signal.take_profit)
        except OrderRefused as exc:
            pending.busy = False
            return self._refused(pending, actor, f"Edit refused: {exc}")
        except Exception as exc:
            pending.busy = False
            log.exception("edit of %s failed", client_order_id)
            self.session.bus.publish(LogMessage("ERROR", f"Editing {client_order_id} failed: {exc!r}."))
            return self._refused(pending, actor, f"Edit failed ({exc!r}); nothing sent, original still queued.")
        self._put(PendingOrder(replacement, pending.signal, pending.expires_at, partner=partner))
        pending.busy = False
        try:
            self.store.save_signal(replacement.client_order_id, pending.signal.to_record())
            self.store.set_replaced(client_order_id, replacement.client_order_id)
            if partner is not None and pending.partner is not None:
                self.store.save_signal(partner.client_order_id, pending.signal.to_record())
                self.store.set_replaced(pending.partner.client_order_id, partner.client_order_id)
            self._audit(actor, "edit", f"{client_order_id} -> {self._describe(replacement)}")
        except Exception:
            log.exception("recording the edit of %s failed", client_order_id)
        note = f"Edited by {actor} before approval; replaced by {replacement.client_order_id}."
        if not self._finish(client_order_id, lambda coid: OrderCanceled(coid, note), actor, "replace"):
            return ApprovalOutcome(client_order_id, False, "The edited order is queued, but the original could not "
                                   "be withdrawn: both stay in the queue.")
        return await self.approve(replacement.client_order_id, actor)

    def reject(self, client_order_id: ClientOrderId, reason: str, actor: str = "trader") -> bool:
        """Refuse the order for good with a reason the strategy sees; return False if it was not pending."""
        text = reason.strip() or "no reason given"
        client_order_id = self._partners.get(client_order_id, client_order_id)
        return self._finish(client_order_id, lambda coid: OrderDenied(coid, f"Rejected by {actor}: {text}"),
                            actor, "reject")

    def reject_waiting(self, actor: str) -> int:
        """Reject every order waiting for approval (the kill switch); return how many were rejected.

        An order whose approval is under way is not here to reject: it is SUBMITTED already, and the
        kill switch's cancels reach it.
        """
        rejected = sum(self.reject(coid, KILL_SWITCH_REJECT, actor) for coid in list(self._pending))
        if rejected:
            self.session.actions.say(f"Kill switch: rejected {rejected} strategy order(s) waiting for approval.",
                                     "WARNING")
        return rejected

    def _on_kill_switch(self, event: KillSwitchPulled) -> None:
        self.reject_waiting(event.actor)

    def _kill_switch(self) -> str | None:
        return self.session.risk.global_hold(HoldCause.KILL_SWITCH)

    def _refused_by_kill_switch(self, client_order_id: ClientOrderId, actor: str, held: str) -> ApprovalOutcome:
        """Refuse an approval while the kill switch is on; an order still waiting is rejected, not kept."""
        reason = (f"Not approved: the kill switch is on. {held} Strategy orders waiting for approval are rejected "
                  "while it is on; resume trading first, then the strategy may send the order again.")
        pending = self._pending.get(client_order_id)
        if pending is not None:
            self.reject(client_order_id, KILL_SWITCH_REJECT, "kill switch")
        self.session.actions.refused(f"Approve ({actor}) {client_order_id}", reason)
        return ApprovalOutcome(client_order_id, False, reason)

    async def withdraw(self, client_order_id: ClientOrderId, actor: str) -> bool:
        """Take a pending order back (the strategy's or the trader's wish; an OCO pair, by either's id, both);
        return False if it was not pending."""
        client_order_id = self._partners.get(client_order_id, client_order_id)
        if client_order_id not in self._pending:
            return False
        return self._finish(client_order_id, lambda coid: OrderCanceled(coid, f"Withdrawn by {actor} before approval."),
                            actor, "withdraw")

    async def approve_all(self, actor: str = "trader") -> list[ApprovalOutcome]:
        """Approve every pending order in arrival order, each re-checked on its own."""
        return [await self.approve(coid, actor) for coid in list(self._pending)]

    def expire_due(self) -> list[ClientOrderId]:
        """Expire every pending order past its time; return their ids."""
        now = self.session.clock.now()
        due = [p for p in self._pending.values() if p.expires_at <= now and not p.busy]
        for pending in due:
            seconds = self.strategies.get(pending.signal.strategy_id).expiry_s
            note = f"Not approved within {seconds.normalize():f} s; expired."
            self._finish(pending.order.client_order_id, partial(OrderExpired, reason=note), "clock", "expire")
        return [p.order.client_order_id for p in due]

    def _finish(self, client_order_id: ClientOrderId, event_of: Callable[[ClientOrderId], Any], actor: str,
                action: str) -> bool:
        """End a waiting order (an OCO pair: both, in one journal transaction) with event_of(its id)."""
        pending = self._pending.get(client_order_id)
        if pending is None or pending.busy:
            return False
        event = event_of(client_order_id)
        try:
            if pending.partner is None:
                self.session.oms.apply(event)
            else:
                self.session.oms.apply_all([event_of(o.client_order_id) for o in pending.orders])
        except Exception as exc:
            log.exception("%s of %s failed", action, client_order_id)
            pending.last_attempt = f"{action.title()} failed ({exc!r}); still queued."
            self._changed()
            return False
        with contextlib.suppress(Exception):
            self._audit(actor, action, f"{client_order_id}: {event.reason}")
        if action != "replace":  # an edit is said with its approval
            self.session.actions.say(f"{_DONE.get(action, action.title())} "
                                     f"{' and '.join(order_words(o) for o in pending.orders)}"
                                     f"{' (one OCO pair)' if pending.partner is not None else ''}: {event.reason}")
        self._drop(client_order_id)
        return True

    # --- views ----------------------------------------------------------------------------------

    def pending(self) -> list[PendingOrder]:
        return list(self._pending.values())

    def get(self, client_order_id: ClientOrderId) -> PendingOrder | None:
        """Return the waiting entry of an order (an OCO pair's, by either order's id), or None."""
        return self._pending.get(self._partners.get(client_order_id, client_order_id))

    def rows(self) -> list[ApprovalRow]:
        """Return every pending order as shown now: time left, quote, drift and the risk verdict now."""
        now = self.session.clock.now()
        return [self._row(p, now) for p in self._pending.values()]

    def _row(self, pending: PendingOrder, now: datetime) -> ApprovalRow:
        order, signal = pending.order, pending.signal
        quote = self.session.quotes.latest(order.symbol, order.account_id)
        try:
            refusals = [(o, what_if(self.session.risk, o)) for o in pending.orders]
            verdict = next((r.reason if o is order else f"The OCO's second order: {r.reason}"
                            for o, r in refusals if r is not None), None)
        except Exception as exc:  # a view must never break the queue
            verdict = f"Risk check failed: {exc!r}"
        price = order.limit_price or order.stop_price
        return ApprovalRow(
            client_order_id=order.client_order_id, strategy_id=signal.strategy_id, account_id=order.account_id,
            symbol=order.symbol, side=order.side, quantity=order.quantity.value, order_type=order.order_type,
            price=None if price is None else price.value, price_places=order.instrument.price_places,
            tif=order.tif.value, signal_time=signal.signal_time,
            age_s=_seconds(now - signal.signal_time), seconds_left=max(Decimal(0), _seconds(pending.expires_at - now)),
            bid=None if quote is None else quote.bid, ask=None if quote is None else quote.ask,
            drift_pct=drift_pct(quote_price(quote, order.side), signal.signal_price, order.side),
            verdict=verdict, last_attempt=pending.last_attempt,
            auto_approve=self.strategies.get(signal.strategy_id).auto_approve,
            product="" if order.product is None else order.product.value,
            trail="" if order.trail is None else order.trail.words(),
            link=self._link_words(pending),
        )

    # --- internals ------------------------------------------------------------------------------

    def _on_order_updated(self, event: OrderUpdated) -> None:
        order = event.order
        coid = self._partners.get(order.client_order_id, order.client_order_id)
        if coid in self._pending and order.status is not OrderStatus.PENDING_APPROVAL:
            pending = self._pending[coid]
            if pending.partner is not None and not pending.busy:  # one of a pair decided elsewhere: the other too
                for other in pending.orders:
                    if other.status is OrderStatus.PENDING_APPROVAL:
                        self.session.oms.apply(OrderCanceled(other.client_order_id, "Withdrawn with the other "
                                                             f"order of its OCO pair ({order.client_order_id})."))
            self._drop(coid)  # withdrawn through the session, or decided elsewhere

    def _put(self, pending: PendingOrder) -> None:
        self._pending[pending.order.client_order_id] = pending
        if pending.partner is not None:
            self._partners[pending.partner.client_order_id] = pending.order.client_order_id

    def _drop(self, client_order_id: ClientOrderId) -> None:
        pending = self._pending.pop(client_order_id, None)
        if pending is not None:
            if pending.partner is not None:
                self._partners.pop(pending.partner.client_order_id, None)
            self._changed()

    def _oto_of(self, entry: Order) -> Oto | None:
        """Return the OTO exit held for a waiting entry, or None when it has none."""
        for child in self.session.protection.children(entry.account_id):
            if child.entry == entry.client_order_id and child.leg.fires_on_fill and child.state.is_live:
                return Oto(child.trigger, stop=child.leg is ProtectionLeg.THEN_STOP)
        return None

    def _link_words(self, pending: PendingOrder) -> str:
        """Say what a waiting order is linked to: its OCO partner, its OTO exit, its bracket's children."""
        if pending.partner is not None:
            return f"OCO with {self._describe(pending.partner)} (approved or rejected together)"
        children = [c for c in self.session.protection.children(pending.order.account_id)
                    if c.entry == pending.order.client_order_id and c.state.is_live]
        return "; ".join(f"then {c.leg.label} {c.exit_side.value} @ {c.trigger}" for c in children)

    def _describe_unit(self, pending: PendingOrder) -> str:
        return " + ".join(self._describe(o) for o in pending.orders)

    def _changed(self) -> None:
        for listener in self.on_change:
            self._call(listener)

    @staticmethod
    def _call(listener: Callable[..., None], *args: object) -> None:
        try:
            listener(*args)
        except Exception:
            log.exception("approval listener failed")

    @staticmethod
    def _describe(order: Order) -> str:
        price = order.limit_price or order.stop_price
        at = "" if price is None else f" @ {price.value}"
        trail = "" if order.trail is None else f" trail {order.trail.text()}"
        product = "" if order.product is None else f" {order.product.value}"
        return (f"{order.client_order_id} {order.account_id} {order.side.value} {order.quantity.value} "
                f"{order.symbol} {order.order_type.value}{at}{trail} {order.tif.value}{product}")


_DONE = {"reject": "Rejected", "withdraw": "Withdrew", "expire": "Expired"}


def _trail_fields(trail: Trail | None, order_type: OrderType) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Return a kept trail as the request's (trail_amount, trail_percent, trail_limit_offset): the limit offset
    only for a trailing stop-limit."""
    if trail is None:
        return None, None, None
    offset = trail.limit_offset if order_type is OrderType.TRAIL_LIMIT else None
    return (trail.offset, None, offset) if trail.unit is TrailUnit.AMOUNT else (None, trail.offset, offset)


def _as_strategy(request: OrderRequest, signal: SignalInfo) -> OrderRequest:
    """Return request as the strategy's (origin STRATEGY, its id), whatever the caller set."""
    return OrderRequest(
        request.account_id, request.symbol, request.side, request.quantity, request.order_type,
        request.limit_price, request.stop_price, request.tif, OrderOrigin.STRATEGY, signal.strategy_id,
        request.product, request.trail_amount, request.trail_percent, request.trail_limit_offset,
        expire_at=request.expire_at,
    )


def _edited(original: Order, edit: OrderEdit) -> OrderRequest:
    """Return the request for original with edit applied (None fields keep the original's)."""
    order_type = edit.order_type or original.order_type
    limit = edit.limit_price if edit.limit_price is not None else original.limit_price
    stop = edit.stop_price if edit.stop_price is not None else original.stop_price
    return OrderRequest(
        original.account_id, original.symbol, original.side,
        edit.quantity if edit.quantity is not None else original.quantity.value, order_type,
        _value(limit) if order_type.needs_limit else None, _value(stop) if order_type.needs_stop else None,
        edit.tif or original.tif, OrderOrigin.STRATEGY, original.strategy_id, original.product,
        *_trail_fields(original.trail if order_type.is_trailing else None, order_type),
        expire_at=original.expire_at if (edit.tif or original.tif) is TimeInForce.GTD else None,
    )


def _value(price: object) -> object:
    return getattr(price, "value", price)


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(str(delta.total_seconds())).quantize(Decimal("0.1"))
