"""Flatten: which positions to close, the order that closes each, and what the trader is told where none can go.

Flattener runs it for TradingSession.flatten: cancel the working orders, then send each closing order through
the session's one order path (validation, risk, journal, adapter).

The cancels go as cancel-all sends them (cancel_all.py: slices, each journaled before it is sent). The closing
orders go CLOSE_SLICE together (their journal intents share one commit, their paper reports one flush), a slice
every TURNS_PER_SLICE turns of the event loop, up to CLOSES_IN_FLIGHT on their way, and the window paints between
two slices: sent one after another, each waiting for its own commit and acknowledgement without giving the event
loop a turn, 1,000 closes froze the window for 23 s. Each close still goes through the whole order path on its own.

A close is sized from the position as it is when the close goes, after the working orders of its symbol have
ended (cancelled, or filled while their cancel was on its way: up to CANCELS_ANSWERED_S). Sized from the
position read before the cancels, after a resting sell filled meanwhile the close was for more than the position:
risk refused it and the rest stayed open (and a fill reported after the close's check would have taken it
through zero). A position a resting order already closed gets no close.
No close is committed alone (TradingSession.sending_together): the first of a slice used to be, one disk
flush more per slice; an override a person confirmed is audited in its order's transaction; their fills
share one commit a turn (fill_batch.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from core.domain import (
    AccountId,
    ConnectionState,
    Instrument,
    LogMessage,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    TradingState,
)
from core.domain.product import Product
from core.ports import errors
from core.ports.broker import BrokerAdapter
from core.ports.capabilities import takes
from core.services.product_positions import (
    PositionKey,
    key_text,
    ordered,
    ours_by_product,
    ours_of_symbol,
    theirs_by_product,
)
from core.services.refusals import ConfirmRequired, OrderRefused
from core.services.risk import HoldCause
from core.services.risk.checks import num
from core.services.risk.limits import RiskLimits
from core.services.risk.prices import collar

if TYPE_CHECKING:
    from core.services.session import TradingSession

Submit = Callable[[OrderRequest, str | None, Decimal | None], Awaitable[Order]]
"""The session's order path: request, who confirmed (or None), the broker's position it closes (or None)."""
CancelOrders = Callable[[Sequence[Order]], Awaitable[None]]
"""Cancel these working orders as cancel-all does (CancelAll.cancel)."""

CANCELS_ANSWERED_S = 5.0
"""How long Flatten waits for the broker to answer the cancels of the orders of the symbols it closes."""
CLOSE_SLICE = 24
"""Closing orders Flatten starts together in one turn of the event loop."""
TURNS_PER_SLICE = 5
"""Turns of the event loop from one slice of closes to the next: a close on the paper broker takes five (start and
risk check, the journal's commit of the slice, the send, the broker's report, the fills' commit), so each turn
does one of those steps for one slice. A slice every turn had each turn do all five steps for five slices at once,
11-16 ms of the GUI thread's CPU with a frame's paint beside them; a slice of 24 every five turns, about one
step's worth (flatten of 1,000 positions, bench/bulk_actions: longest stretch 14.2-16.5 -> 8.4-10.0 ms, and
sooner done, 0.81-1.32 -> 0.70-0.71 s, the window painting fewer frames among the closes)."""
CLOSES_IN_FLIGHT = 64
"""At most this many closes on their way at once: the next slice starts when the turn comes, not when the
previous slice is acknowledged (each turn also paints the window: waiting for each slice's acknowledgements
took four turns a slice, 13 s for 1,000 positions), and waits only while this many are still going."""


@dataclass(frozen=True, slots=True)
class FlattenTarget:
    """One position to close: signed quantity; `broker` when it is the broker's (after a reconciliation mismatch).

    product: the position's own (Kite keeps CNC and MIS apart: each is closed with its own); None without one.
    """

    account_id: AccountId
    symbol: str
    quantity: Decimal
    broker: bool = False
    product: Product | None = None

    @property
    def name(self) -> str:
        """The position as the trader reads it: 'INFY · MIS', or 'AAPL' without a product."""
        return key_text((self.symbol, self.product))

    def describe(self) -> str:
        return f"{'long' if self.quantity > 0 else 'short'} {num(abs(self.quantity))} {self.name}"


@dataclass(frozen=True, slots=True)
class FlattenResult:
    """What Flatten did: the closing orders it sent, and for each position it could not close, why."""

    sent: tuple[Order, ...] = ()
    not_sent: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HeldAccount:
    """An account Flatten may close on only after a confirm: its state and why it is held."""

    account_id: AccountId
    state: TradingState
    reason: str


async def broker_positions(adapter: BrokerAdapter, since: datetime | None) -> dict[PositionKey, Decimal]:
    """Return the broker's positions by symbol and product (what Flatten closes after a reconciliation mismatch)."""
    snapshot = await adapter.snapshot(since)
    return theirs_by_product(snapshot.positions)


def close_slices(targets: Sequence[FlattenTarget]) -> list[list[FlattenTarget]]:
    """Cut targets, in order, into slices of at most CLOSE_SLICE that close each symbol of an account once.

    Two closes of one symbol (a Kite CNC and MIS position) go in different slices: the second is risk-checked
    with the first already working, as when they went one after the other.
    """
    slices: list[list[FlattenTarget]] = []
    symbols: set[tuple[AccountId, str]] = set()
    for target in targets:
        key = (target.account_id, target.symbol)
        if not slices or len(slices[-1]) >= CLOSE_SLICE or key in symbols:
            slices.append([])
            symbols = set()
        slices[-1].append(target)
        symbols.add(key)
    return slices


def held_audit_detail(order: Order, state: TradingState, reason: str) -> str:
    """Return the audit detail of a reduce-only order a person confirmed on a held account."""
    return (f"{order.account_id} {state.value} ({reason}): {order.origin.value} {order.side.value} "
            f"{order.quantity.value.normalize():f} {order.symbol} {order.order_type.value} ({order.client_order_id})")


def confirm_text(held: Sequence[HeldAccount], targets: Sequence[FlattenTarget]) -> str:
    """Return the question Flatten asks before closing positions on held accounts."""
    lines = []
    for account in held:
        closes = ", ".join(t.describe() for t in targets if t.account_id == account.account_id)
        lines.append(f"{account.account_id} is {account.state.value}: {account.reason} "
                     f"Flatten only reduces its positions ({closes}).")
    return " ".join(lines) + " Send the closing orders anyway?"


def closing_request(
    target: FlattenTarget,
    adapter: object,
    instrument: Instrument | None,
    quote: Quote | None,
    limits: RiskLimits,
    now: datetime,
) -> OrderRequest | str:
    """Return the order that closes target, or why none can be sent.

    At market where the account takes market orders. Where it takes limit orders only, a marketable limit
    at the edge of the price collar (rounded inwards to the tick, so risk accepts it; the touch itself when
    the collar is off), priced from the account's feed or another that quotes the symbol.
    """
    side = Side.SELL if target.quantity > 0 else Side.BUY
    request = OrderRequest(target.account_id, target.symbol, side, abs(target.quantity), OrderType.MARKET,
                           origin=OrderOrigin.FLATTEN, product=target.product)
    if takes(adapter, OrderType.MARKET):
        return request
    where = f"{target.account_id} takes limit orders only, so Flatten prices a marketable limit from a quote"
    if instrument is None:
        return f"{target.symbol} is not a known instrument: {where}; close it at the broker."
    band = collar(limits, quote, instrument.tick_size)
    if quote is None or band is None:
        return f"No quote for {target.symbol}: {where}; add a feed that quotes it, or close it at the broker."
    age = Decimal(str((now - quote.ts).total_seconds()))
    if age > limits.max_quote_age_s:
        return (f"The last {target.symbol} quote is {age.quantize(Decimal('0.1'))} s old "
                f"(limit {num(limits.max_quote_age_s)} s): {where}; wait for a fresh one, or close it at the broker.")
    return OrderRequest(target.account_id, target.symbol, side, abs(target.quantity), OrderType.LIMIT,
                        limit_price=band.marketable_edge(side), origin=OrderOrigin.FLATTEN, product=target.product)


class Flattener:
    """Close positions for TradingSession.flatten (see its docstring for what the trader sees).

    Events: LogMessage("ERROR") for each position that could not be closed; the orders' own events.
    """

    def __init__(self, session: TradingSession, submit: Submit, cancel: CancelOrders) -> None:
        self._session = session
        self._submit = submit
        self._cancel = cancel

    async def flatten(self, account_id: AccountId | None, symbol: str | None,
                      confirmed_by: str | None) -> FlattenResult:
        session = self._session
        targets, not_sent = await self._targets(account_id, symbol)
        if confirmed_by is None:
            held = [HeldAccount(a, *session.risk.state(a)) for a in dict.fromkeys(t.account_id for t in targets)
                    if session.risk.state(a)[0] is not TradingState.ACTIVE and session.risk.overridable(a)
                    and session.account(a).connection is ConnectionState.CONNECTED]
            if held:
                raise ConfirmRequired(confirm_text(held, targets))
        closing = {(t.account_id, t.symbol) for t in targets}
        await self._cancel([o for o in session.oms.working() if (o.account_id, o.symbol) in closing
                            and o.status is not OrderStatus.PENDING_CANCEL])
        await self._until_answered([o for o in session.oms.working() if (o.account_id, o.symbol) in closing])
        with session.sending_together() if len(targets) > 1 else contextlib.nullcontext():  # one waits for nothing
            sent, not_sent = await self._close_all(targets, confirmed_by, not_sent)
        for text in not_sent:
            session.bus.publish(LogMessage("ERROR", text))
        return FlattenResult(tuple(sent), tuple(not_sent))

    async def _close_all(self, targets: Sequence[FlattenTarget], confirmed_by: str | None,
                         not_sent: list[str]) -> tuple[list[Order], list[str]]:
        """Send the closes, a slice every TURNS_PER_SLICE turns, up to CLOSES_IN_FLIGHT on their way; return those
        sent and why not."""
        sent: list[Order] = []
        closing_now: list[asyncio.Future[tuple[Order | None, str | None]]] = []
        going: dict[tuple[AccountId, str], asyncio.Future[tuple[Order | None, str | None]]] = {}
        for number, together in enumerate(close_slices(targets)):
            for _ in range(TURNS_PER_SLICE if number else 0):
                await asyncio.sleep(0)  # the window paints and takes input between slices
            again = [going[key] for t in together if (key := (t.account_id, t.symbol)) in going]
            late = [f for f in closing_now if not f.done()]
            if again or len(late) >= CLOSES_IN_FLIGHT:  # a symbol's second close waits for its first
                await asyncio.wait(again or late, return_when=asyncio.ALL_COMPLETED if again else
                                   asyncio.FIRST_COMPLETED)
            for target in together:
                close = asyncio.ensure_future(self._close(target, confirmed_by))
                closing_now.append(close)
                going[(target.account_id, target.symbol)] = close
        for order, text in await asyncio.gather(*closing_now):
            if order is not None:
                sent.append(order)
            if text is not None:
                not_sent.append(text)
        return sent, not_sent

    async def _until_answered(self, orders: Sequence[Order]) -> None:
        """Wait until none of these orders works any more (their cancels answered, or they filled), at most
        CANCELS_ANSWERED_S; then say which still work: their closes are sized without what they may yet fill."""
        if not orders:
            return
        oms, loop = self._session.oms, asyncio.get_running_loop()
        deadline = loop.time() + CANCELS_ANSWERED_S
        waiting = [o.client_order_id for o in orders]
        while waiting and loop.time() < deadline:
            await asyncio.sleep(0.01)
            waiting = [c for c in waiting if (o := oms.get(c)) is not None and o.is_working]
        if waiting:
            self._session.bus.publish(LogMessage(
                "WARNING", f"Flatten: the broker has not confirmed the cancel of {len(waiting)} working order(s) in "
                           f"{CANCELS_ANSWERED_S:g} s; the closes go for the positions as they are now. Check the "
                           "working orders: one that still fills changes the position again."))

    async def _close(self, target: FlattenTarget, confirmed_by: str | None) -> tuple[Order | None, str | None]:
        """Send the order that closes target; return it (None if none went) and what the trader is told (or None)."""
        session = self._session
        account = target.account_id
        if not target.broker:  # ours as it is now: a resting order may have filled while its cancel was on its way
            now = ours_of_symbol(session.portfolio, account, target.symbol).get((target.symbol, target.product))
            if now is None:
                return None, None  # already flat
            target = replace(target, quantity=now)
        request = closing_request(target, session.account(account).adapter,
                                  session.instruments.find(target.symbol, account),
                                  session.quotes.latest(target.symbol, account), session.risk.limits_for(account),
                                  session.clock.now())
        if isinstance(request, str):
            return None, f"Flatten {account} {target.name}: {request}"
        try:
            order = await self._submit(request, confirmed_by, target.quantity if target.broker else None)
        except OrderRefused as exc:
            return None, f"Flatten {account} {target.name}: {exc}"
        if order.status is OrderStatus.REJECTED:
            return order, f"Flatten {account} {target.name}: the broker rejected it: {order.reason}"
        return order, None

    async def _targets(self, account_id: AccountId | None,
                       symbol: str | None) -> tuple[list[FlattenTarget], list[str]]:
        """Return the positions to close (the broker's on an account with a mismatch) and why some are unknown."""
        session = self._session
        targets: list[FlattenTarget] = []
        unread: list[str] = []
        for account in [account_id] if account_id is not None else session.account_ids():
            if account not in session.account_ids():
                unread.append(f"Flatten {account}: unknown account.")
                continue
            slot = session.account(account)
            theirs = session.risk.holds(account, HoldCause.MISMATCH) and slot.connection is ConnectionState.CONNECTED
            if theirs:
                try:
                    held = await broker_positions(slot.adapter, session.journal.watermark(account))
                except (errors.BrokerError, OSError, TimeoutError) as exc:
                    unread.append(f"Flatten {account}: the broker's positions could not be read ({exc}).")
                    continue
            else:
                held = ours_by_product(session.portfolio, account)
            targets += [FlattenTarget(account, name, held[(name, product)], theirs, product)
                        for name, product in ordered(held) if held[(name, product)] != 0
                        and (symbol is None or name == symbol)]
        return targets, unread
