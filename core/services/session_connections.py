"""SessionConnections: TradingSession's accounts and their connections (a mixin TradingSession inherits).

Add, replace and remove accounts; connect, disconnect and close; reconcile on every (re)connect and adopt the
broker's positions when the trader accepts them; follow connection and trading-state changes into each
account's slot. The attributes below are set by TradingSession.__init__ (session.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, cast

from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    LogMessage,
    OrderStatus,
    TradingState,
    TradingStateChanged,
)
from core.ports import errors
from core.ports.broker import BrokerAdapter
from core.ports.capabilities import PricedElsewhere, SimulatedMarket
from core.ports.capability_check import has_capability
from core.ports.clock import Clock
from core.ports.journal import Journal
from core.services.accounts import REMOVE_ACCOUNT_AUDIT, AccountInUse, AccountSlot
from core.services.action_log import ActionLog
from core.services.bus import EventBus
from core.services.funds import FundsService
from core.services.held_protection import HeldProtection
from core.services.instruments import InstrumentCatalog
from core.services.oms import OrderManager
from core.services.order_modify import OrderModifier
from core.services.portfolio import Portfolio
from core.services.position_adoption import adjustment_fills
from core.services.quote_cache import QuoteCache
from core.services.reconciliation import Reconciler, ReconciliationReport
from core.services.reference_feeds import ReferenceFeeds
from core.services.risk import HoldCause, RiskEngine

log = logging.getLogger(__name__)

OFFER_S = 5.0
"""How long a reconnect's reconciliation answers the connect that follows it (a Kite login's panel connects at
once); a Connect pressed later reconciles afresh."""


class SessionConnections:
    """The accounts' part of TradingSession: which accounts there are, and their connections."""

    bus: EventBus
    journal: Journal
    clock: Clock
    instruments: InstrumentCatalog
    oms: OrderManager
    portfolio: Portfolio
    risk: RiskEngine
    funds: FundsService
    actions: ActionLog
    protection: HeldProtection
    references: ReferenceFeeds
    quotes: QuoteCache
    _accounts: dict[AccountId, AccountSlot]
    _watched: dict[AccountId, set[str]]
    _reconciler: Reconciler
    _modifier: OrderModifier
    _unanswered_cancels: set[ClientOrderId]
    _feed_watch: asyncio.Task[None] | None
    _tasks: set[asyncio.Task[object]]
    cancel_left_by_kill_switch: Callable[[AccountId], Coroutine[Any, Any, int]]
    """SessionCommands': while the kill switch is on, cancel what a (re)connected account still works."""

    def add_account(self, adapter: BrokerAdapter) -> None:
        if adapter.account_id in self._accounts:
            raise ValueError(f"account {adapter.account_id} is already added")
        self._accounts[adapter.account_id] = AccountSlot(adapter)
        self.risk.register_account(adapter.account_id)
        if has_capability(adapter, PricedElsewhere):  # a refusal for want of a quote says to choose a feed
            self.references.need(adapter.account_id)
        if has_capability(adapter, SimulatedMarket):  # a broker's own feed of a symbol wins over the simulation's
            self.quotes.simulated(adapter.account_id)
        self.instruments.add(adapter.instruments(), adapter.account_id)

    async def remove_account(self, account_id: AccountId, actor: str) -> None:
        """Disconnect and forget an account, audited; AccountInUse while it has working orders (cancel them first).

        Its positions are not closed (they stay with the broker) and its journal history is kept: adding the
        account again shows them. KeyError if there is no such account.
        """
        slot = self._accounts[account_id]
        working = self.oms.working(account_id)
        if working:
            raise AccountInUse(f"{account_id} has {len(working)} working order(s): cancel them first "
                               "(select them in Working orders, or Cancel all), then remove the account.")
        try:
            await slot.adapter.disconnect()
        except errors.BrokerError as exc:
            log.warning("%s: disconnect before removal failed: %s", account_id, exc)
        del self._accounts[account_id]
        self.risk.forget_account(account_id)
        self.journal.record_audit(actor, REMOVE_ACCOUNT_AUDIT, f"{account_id} ({slot.adapter.kind})")
        self.actions.say(f"Removed account {account_id} ({slot.adapter.kind}), by {actor}.")

    def replace_account(self, adapter: BrokerAdapter) -> None:
        """Swap a disconnected account's adapter for one built from edited settings.

        AccountInUse while the account is connected or has working orders (they belong to the old connection).
        """
        slot = self._accounts[adapter.account_id]
        if slot.connection is not ConnectionState.DISCONNECTED and slot.connection is not ConnectionState.FAILED:
            raise AccountInUse(f"{adapter.account_id} is {slot.connection.value.lower()}: disconnect it first, "
                               "then change its settings.")
        if self.oms.working(adapter.account_id):
            raise AccountInUse(f"{adapter.account_id} has working orders: cancel them first, then change its "
                               "settings.")
        slot.adapter = adapter
        self.instruments.add(adapter.instruments(), adapter.account_id)

    def account_ids(self) -> list[AccountId]:
        return list(self._accounts)

    def account(self, account_id: AccountId) -> AccountSlot:
        return self._accounts[account_id]

    async def connect(self, account_id: AccountId) -> ReconciliationReport:
        """Connect, subscribe quotes, reconcile; the account trades only if the books agree.

        A connect while another of the same account is under way joins it (its answer, or its error): the
        start's connect and a Connect click made two Kite sessions with two tickers, and after a login the old
        ticker's reconnect with the ended token failed the account again.
        """
        slot = self._accounts[account_id]
        under_way = slot.connect_under_way
        if under_way is not None and not under_way.done():
            return cast(ReconciliationReport, await asyncio.shield(under_way))  # a joiner's cancel leaves it be
        return await _as_attempt(self._connect_once(slot), lambda attempt: setattr(slot, "connect_under_way", attempt))

    async def _connect_once(self, slot: AccountSlot) -> ReconciliationReport:
        account_id = slot.adapter.account_id
        slot.connecting = True
        try:
            await slot.adapter.connect()
            self.instruments.add(slot.adapter.instruments(), account_id)
            listed = list(slot.adapter.instruments())
            found = [self.instruments.find(s, account_id) for s in sorted(self._watched.get(account_id, ()))
                     if all(i.symbol != s for i in listed)]
            extra = [instrument for instrument in found if instrument is not None]  # the account's own first
            await slot.adapter.subscribe(listed + extra)
            if self._feed_watch is None:  # a held stop whose feed goes quiet is warned about at once
                self._feed_watch = asyncio.ensure_future(self.protection.watch_feeds())
            return await self._reconcile(slot, join=True)
        finally:
            slot.connecting = False

    async def stream_quotes(self, account_id: AccountId, symbol: str) -> None:
        """Have account's feed quote symbol too (a watchlist row chose that feed), now and after every reconnect.

        Raise InvalidInstrument for a symbol no account lists (search for it first) or the broker's own
        error (BrokerError) when its feed refuses it.
        """
        slot = self._accounts.get(account_id)
        instrument = self.instruments.find(symbol, account_id)
        if slot is None:
            raise errors.InvalidInstrument(f"There is no account {account_id}: "
                                           f"choose one of {', '.join(self._accounts)}.")
        if instrument is None:
            raise errors.InvalidInstrument(f"Unknown symbol {symbol!r}: search for it (Ctrl+K) to add it.")
        watched = self._watched.setdefault(account_id, set())
        if instrument.symbol in watched or any(i.symbol == instrument.symbol for i in slot.adapter.instruments()):
            return
        watched.add(instrument.symbol)
        if slot.connection is ConnectionState.CONNECTED:
            await slot.adapter.subscribe([instrument])

    async def disconnect(self, account_id: AccountId) -> None:
        await self._accounts[account_id].adapter.disconnect()

    async def connect_all(self) -> None:
        results = await asyncio.gather(*(self.connect(a) for a in self._accounts), return_exceptions=True)
        for account_id, result in zip(self._accounts, results, strict=True):
            if isinstance(result, BaseException):
                self.bus.publish(LogMessage("ERROR", f"{account_id}: could not connect: {result}"))

    async def close(self) -> None:
        self.funds.close()
        await self.protection.close()
        if self._feed_watch is not None:
            self._feed_watch.cancel()
        for task in list(self._tasks):
            task.cancel()
        for account_id, slot in self._accounts.items():
            try:  # whatever state it reports: a connect may have been under way
                await slot.adapter.disconnect()
            except errors.BrokerError as exc:
                log.warning("%s: disconnect failed: %s", account_id, exc)
        self.oms.commit_fills()  # the fills the last reports brought, before the journal closes

    async def _reconcile(self, slot: AccountSlot, join: bool = False, offer: bool = False) -> ReconciliationReport:
        """Reconcile the account, one reconciliation at a time.

        A Kite login connects the adapter itself (its reconnect is reconciled), then the panel connects the
        account through the session, which reconciled again: the trader saw each difference listed twice (in the
        log, the view and the e-mail). So with join (a connect's, a reconnect's) a reconciliation in flight of the
        same connection is shared (one that began before a drop is not: the reconnect's waits, then reads from the
        drop), and a connect takes, once, the one a reconnect (offer) did of the same connection moments before
        (OFFER_S). A connect of an account reconciled earlier checks the books afresh, and an adoption's (no join)
        waits its turn and runs after the one in flight.
        """
        under_way = slot.reconcile_under_way
        if join and under_way is not None and not under_way.done() and slot.reconcile_of == slot.connection_number:
            return cast(ReconciliationReport, await asyncio.shield(under_way))  # of this connection: its answer
        async with slot.reconcile_turn:
            offered, slot.reconciled = slot.reconciled, None  # shared once: a later Connect checks afresh
            if (join and offered is not None and offered[0] == slot.connection_number
                    and self.clock.monotonic() - offered[2] <= OFFER_S):
                return cast(ReconciliationReport, offered[1])
            number = slot.reconcile_of = slot.connection_number
            report = await _as_attempt(self._reconcile_once(slot),
                                       lambda attempt: setattr(slot, "reconcile_under_way", attempt))
            if offer:
                slot.reconciled = (number, report, self.clock.monotonic())
            return report

    async def _reconcile_once(self, slot: AccountSlot) -> ReconciliationReport:
        account = slot.adapter.account_id
        replaces = [o.client_order_id for o in self.oms.working(account)
                    if o.status is OrderStatus.PENDING_REPLACE and not self._modifier.awaiting(o.client_order_id)]
        number = slot.connection_number
        report = await self._reconciler.run(slot.adapter, slot.lost_at, self._unanswered_cancels, replaces)
        self._unanswered_cancels = {c for c in self._unanswered_cancels
                                    if (o := self.oms.get(c)) is not None and o.account_id != account}
        if not report.ok:  # its own cause: closing orders may still go out, after a confirm (see flatten)
            self.risk.hold(account, HoldCause.MISMATCH, TradingState.HALTED, report.hold_reason)
        if slot.connection_number != number or slot.connection is not ConnectionState.CONNECTED:
            return report  # dropped meanwhile: it stays halted; its reconnect's reconciliation reads from the drop
        slot.lost_at = None
        if report.ok:
            self.risk.release(account, HoldCause.MISMATCH)
        self._set_trading(slot, TradingState.ACTIVE, "Connected and reconciled.")
        self.protection.resume(account)  # OCO cancels and OTO orders a crash or a dropped link kept from going out
        await self.cancel_left_by_kill_switch(account)
        return report

    async def accept_broker_state(self, account_id: AccountId, actor: str) -> list[str]:
        """Adopt the broker's positions where ours differ, by journaled adjustment fills; then reconcile again.

        An adjustment that opens or grows a position is booked at the broker's average cost; one that
        reduces it, at the last price (or our average cost), so no P&L is invented (position_adoption.py).
        Returns what changed.
        """
        slot = self._accounts[account_id]
        snapshot = await slot.adapter.snapshot(self.journal.watermark(account_id))
        fills, changes = adjustment_fills(account_id, snapshot.positions, self.portfolio, self.instruments,
                                          self.clock.now())
        for fill in fills:
            self.oms.record_external_fill(fill)
        self.journal.record_audit(actor, "accept broker state", f"{account_id}: " + "; ".join(changes))
        self.bus.publish(LogMessage("WARNING", f"{account_id}: adopted the broker's positions ({actor}): "
                                               + ("; ".join(changes) or "nothing to change")))
        await self._reconcile(slot)
        return changes

    def _set_trading(self, slot: AccountSlot, state: TradingState, reason: str) -> None:
        """Set the connection's hold; the risk engine combines it with the kill switch and daily loss."""
        self.risk.hold(slot.adapter.account_id, HoldCause.CONNECTION, state, reason)
        slot.trading, slot.reason = self.risk.state(slot.adapter.account_id)

    def _on_trading_state_changed(self, event: TradingStateChanged) -> None:
        for account_id, slot in self._accounts.items():
            slot.trading, slot.reason = self.risk.state(account_id)

    def _on_connection_changed(self, event: ConnectionChanged) -> None:
        slot = self._accounts.get(event.account_id)
        if slot is None:
            return
        was_connected = slot.connection is ConnectionState.CONNECTED
        slot.connection = event.state
        if event.state is ConnectionState.CONNECTED and not was_connected:
            slot.connection_number += 1
        if event.state is not ConnectionState.CONNECTED:
            if was_connected and slot.lost_at is None:
                slot.lost_at = event.ts
            self._set_trading(slot, TradingState.HALTED, event.message or f"{event.state.value.title()}.")
        elif not was_connected and not slot.connecting:
            self._spawn(self._reconcile_after_reconnect(slot))

    async def _reconcile_after_reconnect(self, slot: AccountSlot) -> None:
        """Reconcile a reconnected account; a connection lost again meanwhile leaves it halted until the next one."""
        try:
            await self._reconcile(slot, join=True, offer=True)
        except (errors.BrokerError, OSError) as exc:
            account = slot.adapter.account_id
            log.warning("%s: reconciliation interrupted: %s", account, exc)
            self.bus.publish(LogMessage("WARNING", f"{account}: reconciliation was interrupted ({exc}). The account "
                                                   "stays halted; it is reconciled again when the connection is back."))

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task: asyncio.Task[object] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _as_attempt(work: Coroutine[Any, Any, ReconciliationReport],
                      show: Callable[[asyncio.Future[object] | None], None]) -> ReconciliationReport:
    """Run work as the attempt others join: show its future while it runs (None after), settled as work ends."""
    attempt: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    show(attempt)
    try:
        report = await work
    except asyncio.CancelledError:
        attempt.cancel()
        raise
    except BaseException as exc:
        attempt.set_exception(exc)
        attempt.exception()  # retrieved here (the caller gets it raised); a joiner gets it too
        raise
    else:
        attempt.set_result(report)
        return report
    finally:
        show(None)
