"""TradingSession: the facade the GUI (or a headless runner) talks to.

One order path for every origin: request -> validation -> risk -> journal (durable) -> adapter.
Strategy orders stop after the journal as PENDING_APPROVAL; `approve` re-runs risk and sends them the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    FieldError,
    Fill,
    FillsRestored,
    LogMessage,
    Order,
    OrderCanceled,
    OrderDenied,
    OrderOrigin,
    OrderPendingApproval,
    OrderRequest,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    OrderUnknown,
    Price,
    Quantity,
    StrategyDisabled,
    TradingState,
    TradingStateChanged,
    validate_request,
)
from core.domain import OrderRejected as OrderRejectedEvent
from core.domain.product import Product
from core.domain.protection import Bracket, HeldChild, Oto, oco_partner_id
from core.ports import errors
from core.ports.capability_check import has_capability
from core.ports.clock import Clock
from core.ports.journal import IntakeKey, Journal
from core.ports.native_oco import NativeOco
from core.ports.native_protection import ChildrenFollowTrade, NativeProtection
from core.ports.order_terms import terms_problem
from core.ports.trailing_stop_limits import trail_limit_refusal
from core.ports.trailing_stops import trail_refusal
from core.services.accounts import AccountSlot
from core.services.action_log import ActionLog
from core.services.adapter_defects import note_defect
from core.services.bulk_cancel import BulkCanceller
from core.services.bus import EventBus
from core.services.cancel_all import CancelAll
from core.services.clock import SystemClock
from core.services.first_step import after_first_step
from core.services.flatten import Flattener, held_audit_detail
from core.services.funds import FundsService
from core.services.held_protection import HeldProtection
from core.services.instruments import InstrumentCatalog
from core.services.late_look import look_again_later
from core.services.live_fx import LiveFx
from core.services.market_hours import MarketHours
from core.services.native_bracket import send_native_bracket, working_native_children
from core.services.oms import OrderManager
from core.services.order_expiry import expiry_problem
from core.services.order_modify import OrderModifier
from core.services.order_preview import request_reference_price
from core.services.order_product import resolve_product
from core.services.order_resolver import NEVER_REACHED, OrderResolver
from core.services.portfolio import Portfolio
from core.services.protection_follows_position import ProtectionFollowsPosition
from core.services.quote_cache import QuoteCache
from core.services.reconciliation import Reconciler
from core.services.reference_feeds import ReferenceFeeds
from core.services.refusals import REDUCE_WHILE_HELD_AUDIT as REDUCE_WHILE_HELD_AUDIT  # re-exported
from core.services.refusals import ConfirmRequired as ConfirmRequired
from core.services.refusals import OrderRefused as OrderRefused
from core.services.risk import RiskConfig, RiskEngine
from core.services.risk.standing_holds import (
    journal_peaks,
    restore_standing_holds,
)
from core.services.session_commands import SessionCommands
from core.services.session_connections import SessionConnections
from core.services.session_restore import restore_books
from core.services.session_view import SessionView
from core.services.sizing_bars import SizingBars

HeldOf = Callable[[Order], Sequence[HeldChild]]
"""The held children to journal in an order's own transaction, given the order."""
HELD_ACTOR = "TradeTerm (held protective order)"
"""Who confirms a held child that goes out while the account is held (audited like a trader's confirm)."""

IN_FLIGHT_AT_RESTART = (
    "TradeTerm stopped before the broker confirmed this order; it will be checked with the broker on connect."
)


class TradingSession(SessionConnections, SessionCommands):
    """Connect accounts, submit, cancel, cancel all, flatten; reconcile on every (re)connect.

    The order path (submit, approve, send, resolve) and restoring from the journal live here; the accounts
    and their connections (add, connect, reconcile) in session_connections.py; the other commands (modify,
    cancel, cancel all, kill switch, resume, flatten, manual fills) in session_commands.py, each of which
    delegates to a module: modify to order_modify.py, cancel all (the kill switch's) to cancel_all.py,
    flatten to flatten.py, accept_broker_state's fills to position_adoption.py.

    Events: LogMessage; the risk engine publishes TradingStateChanged(account, state, reason), the OMS
    OrderUpdated and FillRecorded, the portfolio PositionUpdated.
    """

    def __init__(
        self, bus: EventBus, journal: Journal, clock: Clock | None = None, risk: RiskConfig | None = None
    ) -> None:
        self.bus = bus
        self.journal = journal
        self.clock = clock or SystemClock()
        self.instruments = InstrumentCatalog()
        self.oms = OrderManager(bus, journal)
        self.references = ReferenceFeeds()
        """The reference feed the trader chose for each account without market data (see QuoteCache.latest)."""
        self.portfolio = Portfolio(bus, self.instruments, self.clock, self.references, self._product_of)
        self._reconciler = Reconciler(bus, self.oms, self.portfolio, journal)
        self._resolver = OrderResolver(self.oms)
        self._bulk = BulkCanceller(bus, self.oms)
        self.quotes = QuoteCache(bus, self.references)
        self.risk = RiskEngine(bus, self.clock, self.quotes, self.portfolio, self.oms, risk)
        self._accounts: dict[AccountId, AccountSlot] = {}
        self._watched: dict[AccountId, set[str]] = {}
        """Symbols a watchlist asked an account's feed to quote besides the account's own list."""
        self.funds = FundsService(bus, self._accounts, self.portfolio, self.clock)
        self.funds.rate = LiveFx(self.quotes.latest)
        self.risk.buying_power_of = self.funds.buying_power
        self.risk.equity_of = self.funds.equity
        self.sizing_bars = SizingBars(lambda account: self.account(AccountId(account)).adapter)
        """Daily bars of each account's broker for volatility stops (sizing_bars.py)."""
        journal_peaks(journal, self.risk)
        self._tasks: set[asyncio.Task[object]] = set()
        self._on_their_way = 0
        """Orders in submit, past validation: between their risk check and the broker's answer."""
        self._unanswered_cancels: set[ClientOrderId] = set()
        """Orders restored as PENDING_CANCEL: the process that journaled the cancel died before its answer."""
        self._feed_watch: asyncio.Task[None] | None = None
        """Runs for the session's life (not one of `_tasks`, which each end): held stops' feeds going quiet."""
        self._modifier = OrderModifier(self.oms, self.risk, self._resolver, self._accounts, self._spawn)
        self._cancel_all = CancelAll(bus, self.oms, self._accounts, self.cancel, self._send_cancel)
        self.actions = ActionLog(bus.publish)
        """Says each trader command once in the log (action_log.py)."""
        self._flattener = Flattener(self, self._submit_said, self._cancel_all.cancel)
        self.protection = HeldProtection(bus, journal, self.oms, self.portfolio, self.clock, self._send_held,
                                         self.cancel, broker_holds_oco=self._broker_holds_oco)
        """The stop-loss and take-profit children TradeTerm holds (held_protection.py)."""
        self._follow = ProtectionFollowsPosition(bus, self.oms, self.portfolio, self.cancel, self.modify, self._spawn,
                                                 self._children_follow_trade)
        """Cancels or cuts a bracket's children at the broker when another order closed or reduced the position."""
        bus.subscribe(ConnectionChanged, self._on_connection_changed)
        bus.subscribe(TradingStateChanged, self._on_trading_state_changed)
        bus.subscribe(StrategyDisabled, self._on_strategy_disabled)
        self.view = SessionView(self)
        self.market_hours = MarketHours(lambda account: self.account(account).adapter, self.clock.now)
        """What the GUI reads (accounts' states, quotes, positions, risk): see session_view.py."""

    def _product_of(self, fill: Fill) -> Product | None:
        """Return the product of the order fill belongs to, else the one the broker booked the fill in (the portfolio
        keeps Kite positions per product)."""
        order = self.oms.get(fill.client_order_id) if fill.client_order_id is not None else None
        chosen = order.product if order is not None else None
        return chosen if chosen is not None else fill.product  # the broker's word: an order of outside TradeTerm

    def restore(self) -> None:
        """Load the live orders, today's fills and the positions from the journal (session_restore.py: not every
        finished order); in-flight orders become UNKNOWN; a kill switch pulled, or a strategy disabled, and not
        lifted before the restart holds again."""
        live = restore_books(self)
        self.bus.publish(FillsRestored(live.fills_today))
        for order in live.orders:
            if order.status in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED):
                self.oms.apply(OrderUnknown(order.client_order_id, IN_FLIGHT_AT_RESTART))
            elif order.status is OrderStatus.PENDING_CANCEL:
                self._unanswered_cancels.add(order.client_order_id)
        restore_standing_holds(self.journal, self.risk, self.bus)
        self.protection.restore()

    # --- orders ---------------------------------------------------------------------------------

    def _gate(self, account_id: AccountId) -> AccountSlot:
        slot = self._accounts.get(account_id)
        if slot is None:
            raise OrderRefused([FieldError("account_id", f"Unknown account {account_id!r}: pick one from the list.")])
        if slot.connection is not ConnectionState.CONNECTED:
            raise OrderRefused([FieldError("account_id", f"{account_id} is not connected: connect it first.")])
        return slot

    async def submit(self, request: OrderRequest, *, confirmed_by: str | None = None,
                     intake_key: IntakeKey | None = None) -> Order:
        """Validate, risk-check, journal and send one order; return it (its status tells what the broker said).

        Raises OrderRefused, journaling nothing, when a field is wrong or the account is not connected;
        a risk refusal is journaled as DENIED with its reason, then raised as OrderRefused. A strategy's
        order (OrderOrigin.STRATEGY) is journaled as PENDING_APPROVAL and waits for `approve`.
        A close or Flatten order (reduce-only) on an account held by the kill switch, a daily-loss limit or
        a reconciliation mismatch raises ConfirmRequired, journaling nothing; sent again with confirmed_by
        (who confirmed), it goes out and the override is audited.
        intake_key: the strategy's idempotency key, committed in the order's own transaction (not with a
        DENIED order: a refused request may be sent again); DuplicateIntakeKey if another order holds it.
        """
        return await self._submit_said(request, confirmed_by, intake_key=intake_key)

    async def _submit_said(self, request: OrderRequest, confirmed_by: str | None,
                           closed_position: Decimal | None = None, *, intake_key: IntakeKey | None = None) -> Order:
        """_submit, said once in the log (a strategy's intake is the approval queue's to say)."""
        said = request.origin is not OrderOrigin.STRATEGY
        try:
            order = await self._submit(request, confirmed_by, closed_position, intake_key=intake_key)
        except ConfirmRequired:
            raise  # a question to the trader, not an outcome
        except OrderRefused as exc:
            if said:
                self.actions.refused(f"Order {request.side.value} {request.quantity} {request.symbol} on "
                                     f"{request.account_id}", str(exc))
            raise
        if said:
            self.actions.sent(order)
        return order

    async def submit_bracket(self, request: OrderRequest, bracket: Bracket, *, confirmed_by: str | None = None,
                             intake_key: IntakeKey | None = None) -> Order:
        """Submit an entry with a stop-loss and/or take-profit: native where the account's adapter has
        NativeProtection (IB: parent/child orders in an OCA group, see native_bracket.py), else held by
        TradeTerm (see held_protection.py). A strategy's bracket waits for approval, so it is held.

        The children are journaled in the entry's own transaction, armed as it fills (sized to what filled) and
        sent through this same order path when the account's feed touches their trigger; one cancels the other.
        Raises OrderRefused, journaling nothing, for a child on the wrong side of the entry's price.
        """
        problems = bracket.problems(request.side, request_reference_price(request, self.quotes.latest(
            request.symbol, request.account_id)))
        if problems:
            raise OrderRefused([FieldError(field, message) for field, message in problems])

        slot = self._gate(request.account_id)
        if isinstance(slot.adapter, NativeProtection) and request.origin is not OrderOrigin.STRATEGY:
            return await self._submit(request, confirmed_by, intake_key=intake_key, native=bracket)

        def children(order: Order) -> tuple[HeldChild, ...]:
            return bracket.children(order.client_order_id, order.account_id, order.symbol, order.side)

        return await self._submit(request, confirmed_by, intake_key=intake_key, held_of=children)

    async def submit_oto(self, request: OrderRequest, oto: Oto, *, confirmed_by: str | None = None,
                         intake_key: IntakeKey | None = None) -> Order:
        """Submit an entry that, once filled, sends an exit order (one-triggers-other): a limit or a stop at
        oto.price for what filled.

        Where the account's adapter has NativeProtection (IB) the exit is the entry's one attached child at the
        broker; elsewhere TradeTerm holds it with the bracket machinery (journaled with the entry, armed by its
        fills) and sends it as a working order once the entry has filled, or has ended part-filled. A strategy's
        OTO waits for approval (the entry PENDING_APPROVAL, its exit held with it), so it is held.
        Raises OrderRefused, journaling nothing, for an exit on the wrong side of the entry's price.
        intake_key: the strategy's idempotency key, committed with the entry.
        """
        problems = oto.problems(request.side, request_reference_price(request, self.quotes.latest(
            request.symbol, request.account_id)))
        if problems:
            raise OrderRefused([FieldError(field, message) for field, message in problems])
        slot = self._gate(request.account_id)
        if isinstance(slot.adapter, NativeProtection) and request.origin is not OrderOrigin.STRATEGY:
            return await self._submit(request, confirmed_by, native=oto.as_bracket, intake_key=intake_key)

        def children(order: Order) -> tuple[HeldChild, ...]:
            return oto.children(order.client_order_id, order.account_id, order.symbol, order.side)

        return await self._submit(request, confirmed_by, held_of=children, intake_key=intake_key)

    async def _send_held(self, request: OrderRequest, client_order_id: ClientOrderId,
                         held: Sequence[HeldChild]) -> Order:
        """Send a triggered held child under its own id, its held rows committed with it (audited if held)."""
        return await self._submit(request, HELD_ACTOR, client_order_id=client_order_id, held_of=lambda _: held)

    async def _submit(self, request: OrderRequest, confirmed_by: str | None,
                      closed_position: Decimal | None = None, *, intake_key: IntakeKey | None = None,
                      client_order_id: ClientOrderId | None = None, held_of: HeldOf | None = None,
                      native: Bracket | None = None) -> Order:
        slot = self._gate(request.account_id)
        order = self._new_order(slot, request, client_order_id or ClientOrderId.generate(self.clock.now()))
        self._on_their_way += 1  # orders on their way together share journal commits (group_commit.py)
        held = () if held_of is None else tuple(held_of(order))
        try:
            await self._check_journal_send(slot, order, confirmed_by, closed_position, intake_key, held, native)
        finally:
            self._on_their_way -= 1
        return order

    @contextmanager
    def sending_together(self) -> Iterator[None]:
        """Count a bulk action (Flatten) as one more order on its way while it runs: none of its orders is then
        committed alone, each shares the journal commit of the others sent in its turn (group_commit.py)."""
        self._on_their_way += 1
        try:
            yield
        finally:
            self._on_their_way -= 1

    def _broker_holds_oco(self, account_id: AccountId) -> bool:
        slot = self._accounts.get(account_id)
        return slot is not None and isinstance(slot.adapter, NativeOco)

    def _children_follow_trade(self, account_id: AccountId) -> bool:
        slot = self._accounts.get(account_id)
        return slot is not None and has_capability(slot.adapter, ChildrenFollowTrade)

    def _new_order(self, slot: AccountSlot, request: OrderRequest, client_order_id: ClientOrderId) -> Order:
        """Return the order a request asks for, validated field by field; OrderRefused (nothing made) if not."""
        valid, problems = validate_request(request, self.instruments.find(request.symbol, request.account_id))
        if valid is None:
            raise OrderRefused(problems)
        if valid.order_type is OrderType.TRAIL_LIMIT:  # before the terms: say what to use instead
            refusal = trail_limit_refusal(slot.adapter, str(request.account_id))
            if refusal is not None:
                raise OrderRefused([FieldError("order_type", refusal)])
        unknown_terms = terms_problem(slot.adapter, str(request.account_id), valid.order_type, valid.tif,
                                      valid.quantity)
        if unknown_terms is not None:
            raise OrderRefused([FieldError(*unknown_terms)])
        ended = expiry_problem(valid.expire_at, self.clock.now())
        if ended is not None:
            raise OrderRefused([ended])
        product, problems = resolve_product(slot.adapter, valid, request.account_id)
        if problems:
            raise OrderRefused(problems)
        if valid.trail is not None:
            refusal = trail_refusal(slot.adapter, str(request.account_id), valid.trail.unit)
            if refusal is not None:
                raise OrderRefused([FieldError("order_type", refusal)])
        return Order(
            client_order_id=client_order_id,
            account_id=request.account_id,
            instrument=valid.instrument,
            side=valid.side,
            quantity=Quantity(valid.quantity),
            order_type=valid.order_type,
            limit_price=Price(valid.limit_price) if valid.limit_price is not None else None,
            stop_price=Price(valid.stop_price) if valid.stop_price is not None else None,
            tif=valid.tif,
            expire_at=valid.expire_at,
            origin=request.origin,
            strategy_id=request.strategy_id,
            created_at=self.clock.now(),
            product=product,
            trail=valid.trail,
        )

    async def submit_oco(self, first: OrderRequest, second: OrderRequest, *, confirmed_by: str | None = None,
                         intake_key: IntakeKey | None = None) -> tuple[Order, Order]:
        """Send two working orders as an OCO pair: when either fills (even in part) the other is cancelled.

        Both are validated and risk-checked first (OrderRefused, journaling nothing, names the leg that cannot
        go), journaled together in one transaction, then sent once each. The pair's ids differ only in their
        first character (`oco_partner_id`), so the link survives a restart; HeldProtection cancels the other
        order on a fill, and again after a reconnect for a fill the crash left uncancelled. A second order
        whose partner filled at once is not sent. Closing orders on a held account ask first, as `submit` does:
        ConfirmRequired, journaling nothing; sent again with confirmed_by, they go out and the override is audited.
        A strategy's pair (both requests of OrderOrigin.STRATEGY) is journaled PENDING_APPROVAL together, with
        intake_key, and waits for `approve_oco`: it is approved, or refused, as one.
        """
        if (first.origin is OrderOrigin.STRATEGY) != (second.origin is OrderOrigin.STRATEGY):
            raise ValueError("both orders of an OCO come from a strategy, or neither does")
        if first.account_id != second.account_id:
            raise OrderRefused([FieldError("account_id", "Both orders of an OCO go to one account: the broker that "
                                                         "fills one must be the one that cancels the other.")])
        slot = self._gate(first.account_id)
        made = self._new_order(slot, first, ClientOrderId.generate(self.clock.now()))
        partner_id = oco_partner_id(made.client_order_id)
        assert partner_id is not None  # a generated id starts with 'T'
        pair = (made, self._new_order(slot, second, partner_id))
        confirmed = confirmed_by is not None
        for which, order in zip(("first", "second"), pair, strict=True):
            refusal = self.risk.preview(order, confirmed=confirmed)  # ask first, counting neither order
            if refusal is not None and refusal.confirm:
                raise ConfirmRequired(f"The OCO's {which} order: {refusal.reason}")
        for which, order in zip(("first", "second"), pair, strict=True):
            refusal = self.risk.evaluate(order, confirmed=confirmed)
            if refusal is not None:
                raise OrderRefused([FieldError(refusal.field, f"The OCO's {which} order: {refusal.reason}")])
        if first.origin is OrderOrigin.STRATEGY:  # both wait for a person, as one
            for order in pair:
                order.apply(OrderPendingApproval(order.client_order_id, ts=self.clock.now()))
            self.oms.create_together(pair, intake_key)
            return pair
        for order in pair:
            order.apply(OrderSubmitted(order.client_order_id, ts=self.clock.now()))
        self.oms.create_together(pair, intake_key)  # durable before either is sent; both or neither
        state, reason = self.risk.state(first.account_id)
        for order in pair:
            if confirmed and order.origin.reduce_only and state is not TradingState.ACTIVE:
                self.journal.record_audit(str(confirmed_by), REDUCE_WHILE_HELD_AUDIT,
                                          held_audit_detail(order, state, reason))
        await self._send_oco(slot, pair, confirmed)
        for order in pair:
            self.actions.sent(order)
        return pair

    async def approve_oco(self, client_order_id: ClientOrderId) -> tuple[Order, Order]:
        """Send a strategy's OCO pair waiting for approval (either order's id names it) once risk passes again for
        both against the current quotes; return the pair (first, second).

        Both are journaled SUBMITTED in one transaction before either is sent. Raises OrderRefused, leaving both
        pending, when the account cannot trade or risk refuses either now (the message names which); KeyError if
        there is no such pair; ValueError if it is no longer pending approval.
        """
        pair = self.oco_pair(client_order_id)
        if pair is None:
            raise KeyError(f"no OCO pair with order {client_order_id}")
        if any(order.status is not OrderStatus.PENDING_APPROVAL for order in pair):
            raise ValueError(f"the OCO pair of {client_order_id} is "
                             f"{pair[0].status.value}/{pair[1].status.value}, not pending approval")
        slot = self._gate(pair[0].account_id)
        for which, order in zip(("first", "second"), pair, strict=True):
            refusal = self.risk.preview(order)
            if refusal is not None:
                raise OrderRefused([FieldError(refusal.field, f"The OCO's {which} order: {refusal.reason}")])
        for order in pair:
            self.risk.evaluate(order)  # counted toward the rate and duplicate windows, as an approval does
        self.oms.apply_all([OrderSubmitted(order.client_order_id, ts=self.clock.now()) for order in pair])
        await self._send_oco(slot, pair, False)
        return pair

    def oco_pair(self, client_order_id: ClientOrderId) -> tuple[Order, Order] | None:
        """Return the OCO pair an order belongs to, first (id 'T…') then second ('O…'), or None if it is in none."""
        order, partner_id = self.oms.get(client_order_id), oco_partner_id(client_order_id)
        partner = None if partner_id is None else self.oms.get(partner_id)
        if order is None or partner is None:
            return None
        return (order, partner) if str(client_order_id).startswith("T") else (partner, order)

    async def _send_oco(self, slot: AccountSlot, pair: tuple[Order, Order], confirmed: bool) -> None:
        """Send a journaled (SUBMITTED) OCO pair: in one broker group where the broker has OCO, else once each."""
        if isinstance(slot.adapter, NativeOco):
            await self._send_native_oco(slot, slot.adapter, pair, confirmed)
            return
        for order in pair:
            stop = self._stopped_meanwhile(slot, confirmed)
            if stop is not None:
                self.oms.apply(OrderRejectedEvent(order.client_order_id, f"Not sent: {stop}"))
            elif order is pair[1] and pair[0].filled_qty > 0:
                self.oms.apply(OrderCanceled(order.client_order_id, "Not sent: the other order of its OCO filled "
                                                                    "at once (one cancels the other)."))
            else:
                await self._send(slot, order)

    async def _send_native_oco(self, slot: AccountSlot, adapter: NativeOco, pair: tuple[Order, Order],
                               confirmed: bool = False) -> None:
        """Place a journaled OCO pair in one broker group, each order once; settle what the broker did not take."""
        stop = self._stopped_meanwhile(slot, confirmed)
        if stop is not None:
            for order in pair:
                self.oms.apply(OrderRejectedEvent(order.client_order_id, f"Not sent: {stop}"))
            return
        try:
            outcomes = await adapter.submit_oco(*pair)
        except Exception as exc:  # nothing placed, or the link dropped (or a defect: the fate is unknown)
            note_defect(exc, slot.adapter.account_id, pair[0].client_order_id, "sending")
            outcomes = [exc, exc]
        for order, outcome in zip(pair, outcomes, strict=True):
            if outcome is not None:
                self._settle_unsent(slot, order, outcome)

    async def _check_journal_send(self, slot: AccountSlot, order: Order, confirmed_by: str | None,
                                  closed_position: Decimal | None, intake_key: IntakeKey | None,
                                  held: tuple[HeldChild, ...] = (), native: Bracket | None = None) -> None:
        alone = self._on_their_way == 1
        refusal = self.risk.evaluate(order, confirmed=confirmed_by is not None, closed_position=closed_position)
        if refusal is not None and refusal.confirm:
            raise ConfirmRequired(refusal.reason)
        if refusal is not None:
            order.apply(OrderDenied(order.client_order_id, refusal.reason, ts=self.clock.now()))
            fired = tuple(c for c in held if c.child_id == order.client_order_id)  # a refused child is not retried
            await self.oms.create_durably(order, alone=alone, held=fired)  # the audit trail keeps refused orders too
            self.protection.adopt(fired)
            raise OrderRefused([FieldError(refusal.field, refusal.reason)])
        if order.origin is OrderOrigin.STRATEGY:
            order.apply(OrderPendingApproval(order.client_order_id, ts=self.clock.now()))
            await self.oms.create_durably(order, alone=alone, intake_key=intake_key, held=held)  # approved later
            self.protection.adopt(held)
            return
        state, reason = self.risk.state(order.account_id)
        confirmed = confirmed_by is not None and order.origin.reduce_only and state is not TradingState.ACTIVE
        if confirmed:
            detail = held_audit_detail(order, state, reason)
            self.journal.record_audit(str(confirmed_by), REDUCE_WHILE_HELD_AUDIT, detail,
                                      with_next_write=True)  # committed with the order, before it is sent
        if order.origin in (OrderOrigin.CLOSE, OrderOrigin.FLATTEN):  # the children go first, never after it
            self.protection.cancel_symbol(order.account_id, order.symbol, f"Cancelled by a {order.origin.value.lower()}"
                                          f" order ({order.client_order_id}).")
            for child in working_native_children(self.oms, order.account_id, order.symbol):
                await self.cancel(child.client_order_id)  # the broker holds them: its reports close them
        if native is not None and isinstance(slot.adapter, NativeProtection):
            await send_native_bracket(self.oms, self.clock, slot.adapter, order, native, intake_key,
                                      lambda: self._stopped_meanwhile(slot, confirmed),
                                      lambda leg, exc: self._settle_unsent(slot, leg, exc))
            return
        order.apply(OrderSubmitted(order.client_order_id, ts=self.clock.now()))
        await self.oms.create_durably(order, alone=alone, intake_key=intake_key, held=held,  # durable before the send
                                      announce=False)  # told once sent (_send)
        self.protection.adopt(held)
        stop = self._stopped_meanwhile(slot, confirmed)
        if stop is not None:
            self.oms.apply(OrderRejectedEvent(order.client_order_id, f"Not sent: {stop}"))
            return
        await self._send(slot, order)

    def _stopped_meanwhile(self, slot: AccountSlot, confirmed: bool = False) -> str | None:
        """Return why an order that passed its checks must not go out after all (it waited for its commit).

        A confirmed reduce-only order still goes out on an account held only for causes it was confirmed past.
        """
        account = slot.adapter.account_id
        if slot.connection is not ConnectionState.CONNECTED:
            return f"{account} disconnected while the order was being saved. Connect it, then send again."
        state, reason = self.risk.state(account)
        if state is TradingState.HALTED and not (confirmed and self.risk.overridable(account)):
            return f"trading stopped while the order was being saved. {reason}"
        return None

    async def approve(self, client_order_id: ClientOrderId) -> Order:
        """Send a PENDING_APPROVAL order once risk passes again against the current quote; return it.

        Raises OrderRefused, leaving the order pending, when the account cannot trade or risk refuses now;
        KeyError if there is no such order; ValueError if it is no longer pending approval.
        """
        order = self.oms.get(client_order_id)
        if order is None:
            raise KeyError(f"no order {client_order_id}")
        if order.status is not OrderStatus.PENDING_APPROVAL:
            raise ValueError(f"order {client_order_id} is {order.status.value}, not pending approval")
        slot = self._gate(order.account_id)
        refusal = self.risk.evaluate(order)
        if refusal is not None:
            raise OrderRefused([FieldError(refusal.field, refusal.reason)])
        self.oms.apply(OrderSubmitted(client_order_id, ts=self.clock.now()))  # journaled before the adapter
        await self._send(slot, order)
        return order

    async def _send(self, slot: AccountSlot, order: Order) -> None:
        """Send once. A refusal rejects the order; an unknown fate makes it UNKNOWN, never resent.

        A lost connection halts the account (the reconnect reconciles it); a late or failed answer on a
        live connection leaves that one order UNKNOWN while the resolver asks the broker about it, and
        the account trades on (the order counts as working for risk meanwhile).
        The views and the strategies' streams are told of the order once the adapter first waits (its bytes are
        on their way: first_step.py), not before.
        """
        coid = order.client_order_id
        try:
            await after_first_step(slot.adapter.submit(order), lambda: self.oms.announce(coid))
        except Exception as exc:  # a defect in the adapter leaves the order's fate unknown all the same
            note_defect(exc, slot.adapter.account_id, order.client_order_id, "sending")
            self._settle_unsent(slot, order, exc)
        await self.oms.settled(order.client_order_id)  # a fill it reported, held for the turn's commit, is in

    def _settle_unsent(self, slot: AccountSlot, order: Order, exc: BaseException) -> None:
        """A send that did not end in the broker's acceptance: refused (REJECTED) or unknown (resolved, never
        resent; a lost connection halts the account until the reconnect reconciles it)."""
        coid = order.client_order_id
        if isinstance(exc, (errors.OrderRejected, errors.RateLimited)):  # refused: the broker did not take it
            self.oms.apply(OrderRejectedEvent(coid, str(exc)))
        else:
            said = str(exc).rstrip(". ")  # the broker's sentence, ended once ("check the network.. Not resent")
            self.oms.apply(OrderUnknown(coid, f"{said}. Not resent; it will be checked with the broker."))
            if isinstance(exc, errors.ConnectionLost) or slot.connection is not ConnectionState.CONNECTED:
                self._set_trading(slot, TradingState.HALTED, "Connection problem while sending: reconnect to resume.")
            else:
                self._spawn(self._resolve(slot, order))

    async def _resolve(self, slot: AccountSlot, order: Order) -> None:
        """Resolve one UNKNOWN order with the broker; halt the account only if the broker cannot be read.

        One closed as never reached is looked up again later: if it reached the broker after all (a stalled
        request), it is reopened and the account held as for a reconciliation mismatch (late_look.py).
        """
        try:
            await self._resolver.resolve(slot.adapter, order)
            if order.status is OrderStatus.CANCELED and order.reason == NEVER_REACHED:
                self._spawn(look_again_later(self._resolver, slot, order, self.risk, self.bus))
        except (errors.BrokerError, OSError, TimeoutError) as exc:
            if slot.connection is not ConnectionState.CONNECTED:
                return  # halted already; the reconnect reconciles the order
            account = slot.adapter.account_id
            self.bus.publish(LogMessage("ERROR", f"{account}: cannot read the broker's orders ({exc}); trading "
                                                 f"stops until it can. Reconnect to resume."))
            self._set_trading(slot, TradingState.HALTED,
                              f"Cannot read the broker's orders to resolve {order.symbol} order "
                              f"{order.client_order_id}: reconnect to resume.")

