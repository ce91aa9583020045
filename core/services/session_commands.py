"""SessionCommands: TradingSession's commands besides sending orders (a mixin TradingSession inherits).

Modify, cancel, cancel all, the kill switch and resume, flatten, strategy and drawdown resets, manual fills and
risk limits: each audited or said in the log here, its work done by its own module (order_modify.py,
cancel_all.py, flatten.py, manual_fill_booking.py). The attributes below are set by TradingSession.__init__.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

from core.domain import (
    AccountId,
    ClientOrderId,
    FieldError,
    LogMessage,
    Order,
    OrderCanceled,
    OrderCancelRejected,
    OrderPendingCancel,
    OrderStatus,
    StrategyDisabled,
    StrategyId,
    TradingState,
)
from core.domain.protection import HeldChild, ProtectionLeg
from core.ports import errors
from core.ports.journal import Journal
from core.ports.manual_fills import ManualFillOverride, ManualFills
from core.services.accounts import AccountSlot
from core.services.action_log import ActionLog, changes, order_words
from core.services.adapter_defects import note_defect
from core.services.broker_protection import UNPROTECT_AUDIT, broker_protector, check_protection, place_protection
from core.services.bulk_cancel import BulkCanceller
from core.services.bus import EventBus
from core.services.cancel_all import CancelAll
from core.services.flatten import Flattener, FlattenResult
from core.services.held_protection import HeldProtection
from core.services.instruments import InstrumentCatalog
from core.services.kill_switch import KillSwitchPulled, kill_switch_scope
from core.services.manual_fill_booking import ManualFillEntry, book_manual_fill
from core.services.oms import OrderManager
from core.services.order_modify import OrderModifier
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from core.services.refusals import OrderRefused
from core.services.risk import HoldCause, RiskConfig, RiskEngine
from core.services.risk.standing_holds import (
    DISABLE_STRATEGY_AUDIT,
    ENABLE_STRATEGY_AUDIT,
    KILL_SWITCH_AUDIT,
    RESUME_ALL,
    RESUME_AUDIT,
    disabled_detail,
)


def _listed(orders: list[Order], why: bool = True) -> str:
    """'BUY 5 AAPL LMT 188.49 on ALPACA-PAPER (ALPACA-PAPER is not connected…)', the first five, then how many more;
    without why, the orders alone (their last refusal is no longer the news)."""
    named = [order_words(o) + (f" ({o.reason})" if why and o.reason else "") for o in orders[:5]]
    return "; ".join(named) + (f"; and {len(orders) - 5} more" if len(orders) > 5 else "")


HALT_SHOWN_S = 0.001
"""The kill switch's pause between the halt (journaled, shown) and its first cancels: a timer's turn, so the window's
timers that are due (its frame) run between the two, which otherwise made one GUI stretch of 15-18 ms with the
next turn's cancels (asyncio.sleep(0) did not split it: the loop's next batch comes before Qt's due timers). The
halt is in force meanwhile: nothing but the kill switch's own cancels can go out."""


class SessionCommands:
    """The trader's commands on working orders, positions and holds."""

    bus: EventBus
    journal: Journal
    oms: OrderManager
    risk: RiskEngine
    actions: ActionLog
    protection: HeldProtection
    portfolio: Portfolio
    quotes: QuoteCache
    instruments: InstrumentCatalog
    _accounts: dict[AccountId, AccountSlot]
    _modifier: OrderModifier
    _cancel_all: CancelAll
    _bulk: BulkCanceller
    _flattener: Flattener

    async def modify(
        self, client_order_id: ClientOrderId, quantity: object, limit_price: object = None, stop_price: object = None
    ) -> Order:
        """Change a working order's quantity and prices: validated and risk-checked like a new order.

        Raises OrderRefused (nothing sent) for a bad field, a quantity not above what has filled, or a
        risk refusal; a broker refusal puts the order back as it was and says why (order.reason). The
        change asked is journaled (OrderPendingReplace) before it is sent; when its answer is lost (the
        connection drops) the order stays PENDING_REPLACE, flagged, and the next reconciliation settles
        it from the broker's order. Such a flagged order may be changed again.
        """
        order = self.oms.get(client_order_id)
        before = order_words(order) if order is not None else str(client_order_id)
        try:
            changed = await self._modifier.modify(client_order_id, quantity, limit_price, stop_price)
        except OrderRefused as exc:
            self.actions.refused(f"Modify {before}", str(exc))
            raise
        self.actions.modified(before, changed)
        return changed

    async def cancel(self, client_order_id: ClientOrderId) -> None:
        """Ask the broker to cancel; a refusal puts the order back and says why.

        An UNKNOWN order (its send unanswered) is not marked pending cancel (its fate is unknown until the broker
        says): the adapter finds it by our client order id, then cancels it or says it never arrived.
        """
        order = self.oms.get(client_order_id)
        if order is None:
            raise KeyError(f"no order {client_order_id}")
        if order.status is OrderStatus.PENDING_APPROVAL:
            self.oms.apply(OrderCanceled(client_order_id, "Withdrawn before approval."))
            self.actions.say(f"Withdrew {order_words(order)} before approval.")
            return
        if not order.is_working or order.status is OrderStatus.PENDING_CANCEL:
            return
        if order.status is not OrderStatus.UNKNOWN:  # an order of unknown fate stays so: the broker finds it first
            self.oms.apply(OrderPendingCancel(client_order_id))
        self.actions.cancel_asked(order)
        await self._send_cancel(order)

    async def _send_cancel(self, order: Order) -> None:
        """Ask the broker to cancel an order journaled as PENDING_CANCEL; a refusal puts it back and says why."""
        try:
            await self._accounts[order.account_id].adapter.cancel(order)
        except Exception as exc:  # the broker's refusal, or a defect in the adapter: the order works on
            note_defect(exc, order.account_id, order.client_order_id, "canceling")
            self.oms.apply(OrderCancelRejected(order.client_order_id, str(exc)))

    async def cancel_all(self, account_id: AccountId | None = None, *, bulk: bool = False) -> int:
        """Cancel every working order (of one account, or all); return how many were asked (cancel_all.py).

        The orders go in slices of CANCEL_SLICE, a slice every second turn of the event loop, so the window
        keeps painting and taking input through a kill switch over thousands of orders. A slice's
        cancel intents are journaled together, in one transaction and one disk flush, before any of
        its cancels goes out. bulk: an account whose adapter has BulkCancel (IB reqGlobalCancel) gets
        one request for all its orders, then each order still working after a while is canceled on
        its own; IB's global cancel also cancels orders placed outside TradeTerm (the kill switch).
        The stop-loss/take-profit children TradeTerm holds for those accounts are cancelled first.
        """
        asked = await self._cancel_every(account_id, bulk)
        self.actions.say(f"Cancel all{f' on {account_id}' if account_id is not None else ''}: asked for {asked} "
                         "working order(s).")
        return asked

    async def kill_switch(self, actor: str) -> int:
        """Halt every account, record who did it, cancel every working order everywhere; return cancels asked.

        The halt is journaled before the cancels go out, and it survives a restart until someone resumes.
        KillSwitchPulled is published before the cancels: the approval queue rejects every strategy order
        waiting for approval (kill_switch.py). The held protective children are cancelled with the orders.
        """
        self.risk.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED, f"Kill switch pulled by {actor}.")
        scope = kill_switch_scope(self.oms, self.protection)
        self.journal.record_audit(actor, KILL_SWITCH_AUDIT,
                                  f"halted all accounts; cancelling {scope.working} working order(s); rejecting "
                                  f"{scope.waiting_approval} waiting for approval")
        self.bus.publish(KillSwitchPulled(actor))  # the approval queue rejects what waits for approval
        await asyncio.sleep(HALT_SHOWN_S)
        asked = await self._cancel_every(None, True)  # the window says the kill switch, not a cancel all
        left = self._still_working(None)
        if left:  # a cancel refused (most often: the account is not connected): the order may still work
            self.bus.publish(LogMessage("ERROR", f"Kill switch: {len(left)} order(s) could not be cancelled and may "
                                        f"still work at the broker: {_listed(left)}. Each is cancelled when its "
                                        "account connects while the kill switch is on; or cancel it at the broker."))
        return asked

    def _still_working(self, account_id: AccountId | None) -> list[Order]:
        """Working orders (of account_id, or all) whose cancel has not been asked or was refused."""
        return [o for o in self.oms.working(account_id) if o.status is not OrderStatus.PENDING_CANCEL]

    async def cancel_left_by_kill_switch(self, account_id: AccountId) -> int:
        """The account (re)connected and reconciled: while the kill switch is on, cancel what it still works (its
        cancel was refused when the switch was pulled, most often because the account was not connected; or a
        restart came before the cancels went out). Return how many were asked."""
        if self.risk.global_hold(HoldCause.KILL_SWITCH) is None:
            return 0
        left = self._still_working(account_id)
        if left:
            self.bus.publish(LogMessage("WARNING", f"Kill switch on: cancelling what {account_id} still works, now "
                                        f"that it is connected: {_listed(left, why=False)}."))
            await self._cancel_all.cancel(left)
        return len(left)

    async def _cancel_every(self, account_id: AccountId | None, bulk: bool) -> int:
        self.protection.cancel_all(account_id, "Cancelled with every working order (cancel all / kill switch).")
        return await self._cancel_all.run(account_id, self._bulk if bulk else None)

    def resume(self, account_id: AccountId | None, actor: str) -> TradingState:
        """Lift the kill switch (None: globally) or an account's daily-loss hold; return the resulting state."""
        state, reason = self.risk.resume(account_id)
        scope = str(account_id) if account_id is not None else RESUME_ALL
        self.journal.record_audit(actor, RESUME_AUDIT, f"{scope}: now {state.value} ({reason})")
        return state

    def enable_strategy(self, strategy_id: StrategyId, actor: str) -> None:
        """Re-enable a strategy that the fill throttle disabled."""
        self.risk.enable_strategy(strategy_id)
        self.journal.record_audit(actor, ENABLE_STRATEGY_AUDIT, str(strategy_id))

    def reset_drawdown(self, account_id: AccountId, actor: str) -> None:
        """Start the account's drawdown afresh from its P&L now and lift its drawdown hold; audited."""
        self.risk.reset_drawdown(account_id)
        self.journal.record_audit(actor, RESUME_AUDIT, f"{account_id}: drawdown reset")

    def reset_strategy_drawdown(self, strategy_id: StrategyId, actor: str) -> list[AccountId]:
        """Start the strategy's own drawdowns afresh from its P&L now on every account; audited. The accounts'
        drawdowns and other strategies' are untouched. Return the accounts where it was reset."""
        accounts = self.risk.reset_strategy_drawdown(strategy_id)
        where = ", ".join(str(a) for a in accounts) or "no account (its P&L is not known yet)"
        self.journal.record_audit(actor, RESUME_AUDIT, f"strategy {strategy_id}: drawdown reset on {where}")
        return accounts

    def _on_strategy_disabled(self, event: StrategyDisabled) -> None:
        self.journal.record_audit("risk engine", DISABLE_STRATEGY_AUDIT, disabled_detail(event))

    async def flatten(self, account_id: AccountId | None = None, symbol: str | None = None, *,
                      confirmed_by: str | None = None) -> FlattenResult:
        """Cancel working orders, then close each position (of one account or all, of one symbol or all).

        At market; with a marketable limit at the collar's edge where the account takes limit orders only.
        After a reconciliation mismatch the broker's positions are closed, not ours. On an account held by
        the kill switch, a daily-loss limit or a mismatch, raises ConfirmRequired before anything is
        cancelled or sent; called again with confirmed_by, closes and audits who did it. Returns the orders
        sent and, for each position that could not be closed, why (also published as a LogMessage).
        """
        return await self._flattener.flatten(account_id, symbol, confirmed_by)

    async def record_manual_fill(
        self, client_order_id: ClientOrderId, quantity: object, price: object, ts: datetime,
        override: ManualFillOverride | None = None,
    ) -> None:
        """Record an execution reported by hand (e-mail desk) at a timezone-aware time ts.

        An execution beyond the order's limit (a BUY above it, a SELL below it) is refused with
        ManualFillRefused("price", ...) unless `override` says who books it anyway and why; that
        override is audited. A quantity beyond what is open is always refused. The order's adapter
        then validates the rest (ManualFillRefused with a `field` naming what to change) and publishes
        the fill, which the OMS journals and the portfolio books before this returns.
        """
        order = self.oms.get(client_order_id)
        if order is None:
            raise KeyError(f"no order {client_order_id}")
        adapter = self._accounts[order.account_id].adapter
        if not isinstance(adapter, ManualFills):
            raise ValueError(
                f"{order.account_id} reports its own executions; fills can be recorded by hand only on an e-mail desk."
            )
        book_manual_fill(order, adapter, self.journal, self.bus, ManualFillEntry(quantity, price, ts, override))
        self.oms.commit_fills()  # booked before this returns, even when another fill of this turn went first

    async def protect_position(self, account_id: AccountId, symbol: str, stop_loss: object = None,
                               take_profit: object = None, *, actor: str = "trader") -> str:
        """Have the broker hold a stop-loss and/or target for a long position (Kite: a GTT for a delivery holding);
        return the broker's id for it. It works at the broker whether TradeTerm runs or not.

        Raises OrderRefused, asking nothing of the broker, when the account's broker cannot, there is no long
        position, a price is not a number on the tick or on the wrong side of the last price; and with the broker's
        reason when it refuses. Audited with the broker's id and the prices.
        """
        slot = self._accounts.get(account_id)
        if slot is None:
            raise OrderRefused([FieldError("account_id", f"Unknown account {account_id!r}: pick one from the list.")])
        protector = broker_protector(slot)
        asked = check_protection(slot, self.portfolio, self.quotes, self.instruments, symbol, stop_loss, take_profit)
        protection_id = await place_protection(protector, asked, self.journal, actor, str(account_id))
        self.actions.say(f"{account_id} {symbol}: the broker holds stop-loss {asked.stop_loss} / target "
                         f"{asked.take_profit} for {asked.quantity.normalize():f} (GTT {protection_id}).")
        return protection_id

    async def unprotect_position(self, account_id: AccountId, protection_id: str, *, actor: str = "trader") -> None:
        """Delete a protection the broker holds (OrderRefused with the broker's reason if it cannot); audited."""
        slot = self._accounts.get(account_id)
        if slot is None:
            raise OrderRefused([FieldError("account_id", f"Unknown account {account_id!r}: pick one from the list.")])
        try:
            await broker_protector(slot).remove_protection(protection_id)
        except errors.BrokerError as exc:
            raise OrderRefused([FieldError("account_id", str(exc))]) from None
        self.journal.record_audit(actor, UNPROTECT_AUDIT, f"{account_id}: {protection_id} deleted")

    # --- GUI facade: the commands the window sends besides orders (its reads are in self.view) ---

    def move_held(self, entry: ClientOrderId, leg: ProtectionLeg, trigger: Decimal) -> HeldChild:
        """Move a stop-loss or target TradeTerm holds to trigger, checked against its account's latest quote
        (journaled first); return it moved. ValueError says why not (see HeldProtection.move)."""
        child = next((c for c in self.protection.children() if c.entry == entry and c.leg is leg), None)
        quote = None if child is None else self.quotes.latest(child.symbol, str(child.account_id))
        return self.protection.move(entry, leg, trigger, quote)

    def cancel_held(self, entry: ClientOrderId, leg: ProtectionLeg, reason: str) -> HeldChild:
        """Cancel one stop-loss or target TradeTerm holds (its sibling stays); journaled first. ValueError if gone."""
        return self.protection.cancel_leg(entry, leg, reason)

    def record_audit(self, actor: str, action: str, detail: str) -> None:
        """Write who did what to the journal's audit trail (committed now); JournalError if it cannot."""
        self.journal.record_audit(actor, action, detail)

    def close_journal(self) -> None:
        """Close the journal once the session is closed (the window's last step at exit)."""
        self.journal.close()

    def set_risk_config(self, config: RiskConfig) -> None:
        """Apply new risk limits at once (the caller has saved them), and say in the log what changed."""
        said = changes(self.risk.config.to_dict(), config.to_dict())
        self.risk.set_config(config)
        self.actions.say("Risk limits changed: " + ("; ".join(said) if said else "nothing"))
