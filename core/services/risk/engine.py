"""RiskEngine: the synchronous pre-trade gate every order passes, and the trading state of each account."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from enum import StrEnum

from core.domain import (
    AccountId,
    FillRecorded,
    LogMessage,
    Order,
    OrderOrigin,
    OrderStatus,
    PositionUpdated,
    Quote,
    Side,
    StrategyDisabled,
    StrategyId,
    TradingState,
    TradingStateChanged,
)
from core.domain.protection import same_bracket
from core.ports.clock import Clock
from core.ports.market_data import QuoteSource
from core.services.bus import EventBus
from core.services.live_fx import LiveFx
from core.services.risk.account_drawdown import AccountDrawdowns
from core.services.risk.book import AccountBook
from core.services.risk.checks import checks_to_run, money, num, protective_limits
from core.services.risk.context import OrderSource, PositionSource, RiskContext, duplicate_key, working_sums
from core.services.risk.drawdown import Drawdown
from core.services.risk.limits import RiskConfig, RiskLimits
from core.services.risk.order_window import OrderWindow
from core.services.risk.recent import RecentOrder, RecentOrders
from core.services.risk.rolling_drawdown import RollingFall
from core.services.risk.strategy_book import MANUAL, strategy_of
from core.services.risk.strategy_risk import StrategyRisk
from core.services.risk.thresholds import Levels, breach

_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}
_NORMAL = (TradingState.ACTIVE, "Trading normally.")
_MEMORY_S = 60.0
MARK_WATCH_S = 0.05
"""How long marks from quotes gather before the daily-loss watch takes them in (orders never wait for it)."""
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_ROUNDING = Decimal("1e-18")
"""Bound, relative to the sum of the absolute daily P&L, on how far the 28-digit sum may round from the exact one."""


class HoldCause(StrEnum):
    """Why an account (or everything) is not fully ACTIVE; each cause is set and released on its own."""

    CONNECTION = "connection"
    MISMATCH = "reconciliation mismatch"
    KILL_SWITCH = "kill switch"
    DAILY_LOSS = "daily loss"
    DRAWDOWN = "drawdown"
    ROLLING_DRAWDOWN = "drawdown over days"
    JOURNAL_DAMAGED = "damaged journal"  # not resumable: the journal takes no more writes (services/journal_check.py)


_RESUMABLE = (HoldCause.KILL_SWITCH, HoldCause.DAILY_LOSS, HoldCause.DRAWDOWN, HoldCause.ROLLING_DRAWDOWN)
"""The holds a person lifts with Resume; a connection or a mismatch is lifted by reconnecting or reconciling."""
CONFIRMABLE = frozenset({HoldCause.MISMATCH, HoldCause.KILL_SWITCH, HoldCause.DAILY_LOSS, HoldCause.DRAWDOWN,
                         HoldCause.ROLLING_DRAWDOWN})
"""Holds a reduce-only order (close, Flatten) may pass after a person confirms it; a lost connection is not one."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A risk refusal: the order-ticket field it concerns and the reason."""

    field: str
    reason: str
    confirm: bool = False
    """The order passes every check but only reduces a position on a held account: a person must confirm it."""


class RiskEngine:
    """Check orders against the limits; keep ACTIVE / REDUCING / HALTED per account and globally.

    An account's state is the most severe of its own holds and the global ones. Daily loss is
    watched on every position update: beyond daily_loss_limit the account is REDUCING, beyond
    daily_loss_halt HALTED, until someone resumes it. A strategy with more fills than
    strategy_max_fills within strategy_fill_window_s is disabled until someone re-enables it.

    Events: TradingStateChanged(account_id or None for global, state, reason) when a state changes;
    LogMessage when a strategy is disabled or re-enabled.
    """

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        quotes: QuoteSource,
        positions: PositionSource,
        orders: OrderSource,
        config: RiskConfig | None = None,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._quotes = quotes
        self._live_fx = LiveFx(quotes.latest)
        self._positions = positions
        self._orders = orders
        self._sums = working_sums(orders)
        self._config = config or RiskConfig()
        self._limits: dict[tuple[AccountId | None, StrategyId | None], RiskLimits] = {}
        self._holds: dict[AccountId | None, dict[HoldCause, tuple[TradingState, str]]] = {None: {}}
        self._shown: dict[AccountId | None, TradingState] = {None: TradingState.ACTIVE}
        self._recent: dict[AccountId, RecentOrders] = {}
        self.window = OrderWindow()
        """Each account's orders over a rolling window of hours; the session restores it from the journal."""
        self.buying_power_of: Callable[[AccountId, str], Decimal | None] = lambda account, currency: None
        """The accounts' buying power per currency (the session sets it to its FundsService's)."""
        self.equity_of: Callable[[AccountId, str], Decimal | None] = lambda account, currency: None
        """The accounts' equity (net liquidation) in a currency, for drawdown in % (the session sets it)."""
        self.drawdowns = AccountDrawdowns(positions, self.limits_for, lambda a, c: self.equity_of(a, c), self.today,
                                          clock.now)
        self.peaks = self.drawdowns.peaks
        """Each account's (and strategy's) intraday equity peak; the session journals (peaks.record) and restores it."""
        self.rolling = self.drawdowns.rolling
        """Each account's (and strategy's) days of P&L for the drawdown over N days; journaled and restored."""
        self.strategies = StrategyRisk(positions, orders, self.peaks, lambda: self._config, self.limits_for, self.today,
                                       self.rolling, clock.now, lambda a, c: self.equity_of(a, c))
        self.strategy_positions = self.strategies.positions
        """Each strategy's own positions, from its orders' fills (the session restores them from the journal)."""
        self._fills: dict[StrategyId, deque[float]] = {}
        self._disabled: dict[StrategyId, str] = {}
        self._watch_due: set[AccountId] = set()
        self._marked = positions.conflate_marks(self._on_marked)
        bus.subscribe(FillRecorded, self._on_fill_recorded)
        bus.subscribe(PositionUpdated, self._on_position_updated)

    # --- configuration --------------------------------------------------------------------------

    @property
    def config(self) -> RiskConfig:
        return self._config

    def set_config(self, config: RiskConfig) -> None:
        """Apply new limits at once (the next order is checked against them)."""
        self._config = config
        self._limits.clear()
        for account_id in self.accounts():
            self._watch(account_id)

    def limits_for(self, account_id: AccountId | None, strategy_id: StrategyId | None = None) -> RiskLimits:
        key = (account_id, strategy_id)
        limits = self._limits.get(key)
        if limits is None:
            limits = self._limits[key] = self._config.limits_for(account_id, strategy_id).with_live_fx(self._live_fx)
        return limits

    # --- trading state --------------------------------------------------------------------------

    def register_account(self, account_id: AccountId, reason: str = "Not connected.") -> None:
        """Track an account; it starts HALTED until its connection is reconciled (no event)."""
        if account_id in self._holds:
            return
        self._holds[account_id] = {HoldCause.CONNECTION: (TradingState.HALTED, reason)}
        self._shown[account_id] = TradingState.HALTED

    def forget_account(self, account_id: AccountId) -> None:
        """Stop tracking a removed account (no event): its holds and recent orders go with it."""
        self._holds.pop(account_id, None)
        self._shown.pop(account_id, None)
        self._recent.pop(account_id, None)
        self._watch_due.discard(account_id)

    def accounts(self) -> list[AccountId]:
        return [a for a in self._holds if a is not None]

    def state(self, account_id: AccountId | None = None) -> tuple[TradingState, str]:
        """Return the effective state of an account (or the global one, for None) and why."""
        worst, severity = _NORMAL, 0  # every order asks three times: no lists, usually no holds at all
        for holds in (self._holds.get(account_id) if account_id is not None else None, self._holds[None]):
            if holds:
                for hold in holds.values():
                    if _SEVERITY[hold[0]] > severity:
                        worst, severity = hold, _SEVERITY[hold[0]]
        return worst

    def hold(self, account_id: AccountId | None, cause: HoldCause, state: TradingState, reason: str) -> None:
        """Set (or replace) one cause's restriction on an account, or on every account for None."""
        if state is TradingState.ACTIVE:
            self.release(account_id, cause)
            return
        self._holds.setdefault(account_id, {})[cause] = (state, reason)
        self._publish_changes()

    def release(self, account_id: AccountId | None, cause: HoldCause) -> None:
        """Lift one cause's restriction; other causes still apply."""
        self._holds.setdefault(account_id, {}).pop(cause, None)
        self._publish_changes()

    def resume(self, account_id: AccountId | None) -> tuple[TradingState, str]:
        """Lift the kill switch and daily-loss holds (connection holds stay); return the resulting state.

        A daily loss still beyond its limit puts the account straight back: raise the limit first.
        """
        for cause in _RESUMABLE:
            self._holds.setdefault(account_id, {}).pop(cause, None)
        self._publish_changes()
        for account in [account_id] if account_id is not None else self.accounts():
            self._watch(account)
        return self.state(account_id)

    def _publish_changes(self) -> None:
        for account_id in [None, *self.accounts()]:
            state, reason = self.state(account_id)
            if self._shown.get(account_id) is not state:
                self._shown[account_id] = state
                self._bus.publish(TradingStateChanged(account_id, state, reason))

    # --- the gate -------------------------------------------------------------------------------

    def check(self, order: Order) -> str | None:
        """Return why order must not be sent, or None; a passing order counts toward the rate and duplicate windows."""
        refusal = self.evaluate(order)
        return None if refusal is None else refusal.reason

    def evaluate(self, order: Order, *, confirmed: bool = False, closed_position: Decimal | None = None,
                 entry_waiting: bool = False) -> Refusal | None:
        """Run every check; return the first refusal (with its field), or None and remember the order.

        A reduce-only order (close, Flatten) on an account held by the kill switch, a daily-loss limit or a
        reconciliation mismatch passes only when `confirmed`; before that, once every other check passes, the
        refusal has `confirm` set and says why the account is held. `closed_position` is the position such
        an order closes when it is not ours (the broker's, after a mismatch). `entry_waiting`: order is a protective
        child whose entry has not filled (a stop being moved before the fill): it protects nothing yet, so the
        reduce-only check does not apply; the collar and quantity checks do.
        """
        refusal, context = self._preview(order, confirmed, closed_position, entry_waiting)
        if refusal is None:
            self._remember(order, context)
        return refusal

    def preview(self, order: Order, *, confirmed: bool = False, closed_position: Decimal | None = None,
                entry_waiting: bool = False) -> Refusal | None:
        """Return what `evaluate` would return now, without counting the order (rate and duplicate windows)."""
        return self._preview(order, confirmed, closed_position, entry_waiting)[0]

    def _preview(self, order: Order, confirmed: bool, closed_position: Decimal | None, entry_waiting: bool
                 ) -> tuple[Refusal | None, RiskContext]:
        self._watch(order.account_id)
        strategy = order.strategy_id
        if strategy is None and MANUAL in self._config.strategies:
            strategy = MANUAL  # a person's order, under the "manual" strategy's own limits
        limits = self.limits_for(order.account_id, strategy)
        context = self._context(order, closed_position)
        protective = order.origin is OrderOrigin.PROTECTIVE
        if protective:
            limits = protective_limits(limits)
        for field, check in checks_to_run(protective, context.strategy is not None, protective and entry_waiting):
            reason = check(order, limits, context)
            if reason is not None:
                return Refusal(field, reason), context
        if context.state is not TradingState.ACTIVE and order.origin.reduce_only and not confirmed:
            return Refusal("account_id", self._confirm_text(order, context), confirm=True), context
        return None, context

    def _confirm_text(self, order: Order, context: RiskContext) -> str:
        position = context.closable_qty(order.symbol)
        held = f"{'long' if position > 0 else 'short'} {num(abs(position))} {order.symbol}"
        return (f"{order.account_id} is {context.state.value}: {context.state_reason} "
                f"This {order.side.value.lower()} of {num(order.quantity.value)} only reduces your {held} "
                f"on {order.account_id}. Send it anyway?")

    def overridable(self, account_id: AccountId) -> bool:
        """Return True if every hold on the account is one a confirmed reduce-only order may pass."""
        causes = set(self._holds.get(account_id, {})) | set(self._holds[None])
        return causes <= CONFIRMABLE

    def resumable_holds(self) -> list[tuple[AccountId | None, TradingState, str]]:
        """Return the holds `resume` lifts (kill switch, daily loss): scope (None: every account), state, why."""
        return [(account_id, *hold) for account_id, holds in self._holds.items()
                for cause, hold in holds.items() if cause in _RESUMABLE]

    def global_hold(self, cause: HoldCause) -> str | None:
        """Return why cause holds every account (the kill switch), or None when it does not."""
        hold = self._holds[None].get(cause)
        return None if hold is None else hold[1]

    def holds(self, account_id: AccountId, cause: HoldCause) -> bool:
        """Return True if cause holds the account itself (not counting the global holds)."""
        return cause in self._holds.get(account_id, {})

    def _closing_leaves(self, checked: Order, by_product: bool = False) -> Callable[[str, Side], Decimal]:
        """Count the account's other working reduce-only orders; a Flatten order leaves out those it cancelled,
        and a close or Flatten leaves out the protective orders (a bracket's stop and target), cancelled first;
        a bracket's child (a stop being moved) leaves out its sibling, which it cancels when it fills.
        by_product: the order closes one product's position (Kite), so only that product's closes count.

        Flatten cancels the symbol's working orders just before it sends; where the broker confirms a cancel
        later (IB), they are still PENDING_CANCEL, and counting them would keep Flatten from ever closing.
        """
        flatten = checked.origin is OrderOrigin.FLATTEN
        closes = checked.origin in (OrderOrigin.CLOSE, OrderOrigin.FLATTEN)  # they cancel the protective orders
        child = checked.origin is OrderOrigin.PROTECTIVE  # its sibling is cancelled when it fills (OCA)

        def leaves(symbol: str, side: Side) -> Decimal:
            return sum((o.leaves_qty for o in self._orders.working(checked.account_id)
                        if o.origin.reduce_only and o.symbol == symbol and o.side is side
                        and o.client_order_id != checked.client_order_id
                        and not (by_product and o.product is not checked.product)
                        and not (closes and o.origin is OrderOrigin.PROTECTIVE)
                        and not (child and o.origin is OrderOrigin.PROTECTIVE
                                 and same_bracket(o.client_order_id, checked.client_order_id))
                        and not (flatten and o.status is OrderStatus.PENDING_CANCEL)), Decimal(0))

        return leaves

    def _context(self, order: Order, closed_position: Decimal | None = None) -> RiskContext:
        state, reason = self.state(order.account_id)
        now = self._clock.monotonic()
        recent = self._recent_of(order.account_id, now)
        account_id = order.account_id
        latest = self._quotes.latest

        def quote_of(symbol: str) -> Quote | None:
            return latest(symbol, account_id)

        own = self._product_position(order) if order.origin.reduce_only else None
        return RiskContext(
            now=self._clock.now(),
            monotonic=now,
            state=state,
            state_reason=reason,
            quote_of=quote_of,
            book=self._book(account_id, quote_of, order),
            recent=recent,
            strategy_disabled=self._disabled.get(order.strategy_id) if order.strategy_id is not None else None,
            overridable=state is not TradingState.ACTIVE and self.overridable(account_id),
            closing_leaves=self._closing_leaves(order, by_product=own is not None and closed_position is None),
            closed_position=closed_position if closed_position is not None else own,
            buying_power=lambda currency: self.buying_power_of(account_id, currency),
            account_limits=self.limits_for(account_id),
            strategy=self.strategies.view(order, quote_of),
            orders_within=lambda hours: self.window.count_within(account_id, self._clock.now(), hours,
                                                                 order.client_order_id),
            strategy_orders_within=self._strategy_orders_within(order),
            quote_advice=lambda: self._quotes.advice(account_id),
        )

    def _strategy_orders_within(self, order: Order) -> Callable[[Decimal], int] | None:
        """Count the order's strategy's orders on every account, when its own scope caps them (else None)."""
        strategy = strategy_of(order)
        if "max_orders_per_window" not in self._config.strategies.get(str(strategy), {}):
            return None
        return lambda hours: self.window.strategy_count_within(strategy, self._clock.now(), hours,
                                                               order.client_order_id)

    def _product_position(self, order: Order) -> Decimal | None:
        """Return the position of the order's product a close measures against where the account holds its symbol
        per product (Kite: closing the MIS row must not count the CNC shares); None where it holds the net only."""
        if order.product is None:
            return None
        products = self._positions.products(order.account_id, order.symbol)
        if not products:
            return None
        return next((p.quantity for p in products if p.product is order.product), Decimal(0))

    def _book(self, account_id: AccountId, quote_of: Callable[[str], Quote | None],
              checked: Order | None = None) -> AccountBook:
        index = self._sums(account_id)
        without = None if checked is None else index.share(checked.client_order_id)
        if without is not None and without.account_id != account_id:
            without = None
        return AccountBook(self._positions.held(account_id), index.account(account_id), quote_of, without)

    def _recent_of(self, account_id: AccountId, now: float) -> RecentOrders:
        recent = self._recent.get(account_id)
        if recent is None:
            recent = self._recent[account_id] = RecentOrders()
        keep = max(_MEMORY_S, float(self.limits_for(account_id).duplicate_window_s or 0))
        recent.forget_older(now, keep)
        return recent

    def _remember(self, order: Order, checked: RiskContext) -> None:
        """Count an order that passed, at the time its checks saw (their clock readings and recent orders)."""
        checked.recent.remember(RecentOrder(checked.monotonic, order.client_order_id, duplicate_key(order)))
        self.window.remember(order.account_id, order.client_order_id, checked.now, strategy_of(order))

    # --- daily loss -----------------------------------------------------------------------------

    def daily_loss(self, account_id: AccountId) -> Decimal | None:
        """Return today's loss (positive when losing) in the limits' currency, or None while unknown."""
        limits = self.limits_for(account_id)
        total = Decimal(0)
        for currency, pnl in self._positions.totals(account_id).items():
            rate = limits.fx_rate(currency)
            if pnl.daily is None or rate is None:
                return None
            total += pnl.daily * rate
        return -total

    def _watch(self, account_id: AccountId) -> None:
        self._watch_daily_loss(account_id)
        self._watch_drawdown(account_id)
        self.strategies.watch(account_id)

    def _watch_daily_loss(self, account_id: AccountId) -> None:
        limits = self.limits_for(account_id)
        if limits.daily_loss_limit is None and limits.daily_loss_halt is None:
            return
        current = self._holds.get(account_id, {}).get(HoldCause.DAILY_LOSS)
        strongest = TradingState.HALTED if limits.daily_loss_halt is not None else TradingState.REDUCING
        if current is not None and _SEVERITY[current[0]] >= _SEVERITY[strongest]:
            return
        if self._within_threshold(account_id, limits, current is None):
            return
        loss = self.daily_loss(account_id)
        found = None if loss is None else breach(Levels(limits.daily_loss_limit, limits.daily_loss_halt), loss)
        if loss is not None and found is not None:
            reason = f"Daily loss {money(loss, limits.currency)} is beyond {found.level_text(limits.currency)}."
            self._raise_hold(account_id, HoldCause.DAILY_LOSS, (found.state, reason))

    def _within_threshold(self, account_id: AccountId, limits: RiskLimits, unheld: bool) -> bool:
        """Return True when the running daily P&L shows, for certain, no threshold to act on is crossed.

        The running sums are exact; the exact per-position figure (`daily_loss`) is computed only when
        the loss is unknown-free and within rounding distance of, or beyond, the next threshold.
        """
        threshold = limits.daily_loss_halt
        if unheld and limits.daily_loss_limit is not None:
            threshold = limits.daily_loss_limit
        if threshold is None:
            return True
        loss = size = Decimal(0)
        for currency, day in self._positions.daily_sums(account_id).items():
            rate = limits.fx_rate(currency)
            if day.unknown or rate is None:
                return True  # the loss is unknown: nothing to act on
            loss = _EXACT.subtract(loss, _EXACT.multiply(day.total, rate))
            size = _EXACT.add(size, _EXACT.multiply(day.size, rate))
        return loss < threshold - _ROUNDING * (size + threshold)

    # --- drawdown -------------------------------------------------------------------------------

    def drawdown(self, account_id: AccountId) -> Drawdown | None:
        """Return the account's drawdown from today's equity peak, or None while its P&L is unknown."""
        return self.drawdowns.intraday(account_id)

    def rolling_drawdown(self, account_id: AccountId) -> RollingFall | None:
        """Return the account's drawdown over its window of days, or None (unknown P&L, or no such limit)."""
        return self.drawdowns.over_days(account_id)

    def reset_drawdown(self, account_id: AccountId) -> None:
        """Make the P&L now the peak (both drawdowns start again from zero) and lift the drawdown holds."""
        self.drawdowns.reset(account_id)
        self.release(account_id, HoldCause.DRAWDOWN)
        self.release(account_id, HoldCause.ROLLING_DRAWDOWN)

    def reset_strategy_drawdown(self, strategy_id: StrategyId) -> list[AccountId]:
        """Make the strategy's P&L now its peak on every account (its drawdowns start again from zero); return the
        accounts reset. No account's peak, hold or other strategy changes."""
        return self.strategies.reset(strategy_id, self.accounts())

    def clock_now(self) -> datetime:
        return self._clock.now()

    def today(self) -> date:
        """Return the local date the drawdown peaks belong to."""
        return self._clock.now().astimezone().date()

    def _watch_drawdown(self, account_id: AccountId) -> None:
        """Hold the account past a drawdown threshold (today's, then the window's); raise, never lower, a hold."""
        self._raise_hold(account_id, HoldCause.DRAWDOWN, self.drawdowns.intraday_target(account_id))
        self._raise_hold(account_id, HoldCause.ROLLING_DRAWDOWN, self.drawdowns.rolling_target(account_id))

    def _raise_hold(self, account_id: AccountId, cause: HoldCause, target: tuple[TradingState, str] | None) -> None:
        """Hold the account for cause at target's state when that is more severe than the cause's hold now."""
        if target is None:  # every order asks, twice: usually there is nothing to raise
            return
        current = self._holds.get(account_id, {}).get(cause)
        if current is None or _SEVERITY[target[0]] > _SEVERITY[current[0]]:
            self.hold(account_id, cause, *target)

    def _on_position_updated(self, event: PositionUpdated) -> None:
        """A fill moved a position: re-check its account's daily loss once this turn of the loop is over."""
        due = self._watch_due
        if event.position.account_id not in due:
            due.add(event.position.account_id)
            if len(due) == 1:
                _soon(self._watch_due_now)

    def _on_marked(self) -> None:
        """Quotes marked held positions: re-check their accounts' daily loss MARK_WATCH_S from now.

        A tick storm marks held positions hundreds of times a second; taking each account's marks in
        once per MARK_WATCH_S is enough to show REDUCING or HALTED promptly, because `evaluate`
        re-checks the daily loss before every order anyway, so no order passes on a stale figure.
        """
        _soon(self._watch_marked, MARK_WATCH_S)

    def _watch_marked(self) -> None:
        for account_id in {position.account_id for position in self._marked.drain()}:
            self._watch(account_id)

    def _watch_due_now(self) -> None:
        due, self._watch_due = self._watch_due, set()
        for account_id in due:
            self._watch(account_id)

    # --- strategies -----------------------------------------------------------------------------

    def disabled_strategies(self) -> dict[StrategyId, str]:
        return dict(self._disabled)

    def disable_strategy(self, strategy_id: StrategyId, reason: str) -> None:
        """Keep a strategy from sending (one disabled before a restart); enable_strategy lifts it."""
        self._disabled[strategy_id] = reason

    def enable_strategy(self, strategy_id: StrategyId) -> None:
        """Let a strategy disabled by the fill throttle send orders again."""
        self._fills.pop(strategy_id, None)
        if self._disabled.pop(strategy_id, None) is not None:
            self._bus.publish(LogMessage("INFO", f"Strategy {strategy_id} re-enabled."))

    def strategy_fills(self, strategy_id: StrategyId) -> int:
        """Return how many fills the strategy had within its fill window."""
        fills = self._fills.get(strategy_id)
        if not fills:
            return 0
        window = float(self.limits_for(None, strategy_id).strategy_fill_window_s)
        now = self._clock.monotonic()
        while fills and now - fills[0] > window:
            fills.popleft()
        return len(fills)

    def _on_fill_recorded(self, event: FillRecorded) -> None:
        self.strategy_positions.apply(event.fill)
        coid = event.fill.client_order_id
        order = self._orders.get(coid) if coid is not None else None
        if order is None or order.strategy_id is None or order.origin is OrderOrigin.PROTECTIVE:
            return  # a held stop or target closing a strategy's position does not count toward its fill throttle
        strategy = order.strategy_id
        self._fills.setdefault(strategy, deque()).append(self._clock.monotonic())
        limits = self.limits_for(order.account_id, strategy)
        count = self.strategy_fills(strategy)
        if limits.strategy_max_fills is None or count <= limits.strategy_max_fills or strategy in self._disabled:
            return
        reason = (f"Strategy {strategy} is disabled: {count} fills within {num(limits.strategy_fill_window_s)} s "
                  f"(limit {limits.strategy_max_fills}). Re-enable it in Risk limits once checked.")
        self._disabled[strategy] = reason
        self._bus.publish(LogMessage("ERROR", reason))
        self._bus.publish(StrategyDisabled(strategy, reason))

    # --- usage ----------------------------------------------------------------------------------

    def exposure(self, account_id: AccountId) -> Decimal | None:
        """Return the account's gross exposure including working orders, or None without an FX rate."""
        limits = self.limits_for(account_id)
        book = self._book(account_id, lambda symbol: self._quotes.latest(symbol, account_id))
        result = book.exposure(limits.fx_rate)
        return None if result.missing_rate is not None else result.amount

    def working_count(self, account_id: AccountId) -> int:
        return self._sums(account_id).count(account_id)

    def largest_position(self, account_id: AccountId) -> Decimal:
        return max((abs(p.quantity) for p in self._positions.positions(account_id)), default=Decimal(0))

    def order_counts(self, account_id: AccountId) -> tuple[int, int]:
        """Return how many orders passed in the last second and in the last minute."""
        now = self._clock.monotonic()
        recent = self._recent_of(account_id, now)
        return recent.count_within(now, 1), recent.count_within(now, 60)

    def orders_in_window(self, account_id: AccountId) -> int:
        """Return how many orders passed in the account's rolling order window (order_window_h)."""
        return self.window.count_within(account_id, self._clock.now(), self.limits_for(account_id).order_window_h)


def _soon(callback: Callable[[], None], delay: float = 0.0) -> None:
    """Call callback after delay seconds (0: once this turn of the event loop is over); at once without a loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        callback()
        return
    if delay > 0:
        loop.call_later(delay, callback)
    else:
        loop.call_soon(callback)

