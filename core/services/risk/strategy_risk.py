"""StrategyRisk: what a strategy's own limits are checked against: its position, working orders, day P&L, drawdown.

Only strategies with their own scope in Risk limits (including "manual", a person's trades) are watched.
A strategy's drawdown is the fall of its own P&L of the day from its peak, in the limits' currency and in %
of its account's equity at the strategy's peak (the account's equity now + that fall: a strategy has no
equity of its own); its peak and days are journaled and restored like an account's. A strategy's reset
(`reset`) starts its own drawdowns afresh on every account and touches no other peak.

A strategy's working orders are read from the running sums the OMS keeps per (account, strategy), the same
bookkeeping as the account's (working_orders.py), so its checks cost the symbols it trades, not the orders it
has resting; a pending change counts as the larger of its old and new quantity, as in the account's checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from core.domain import AccountId, Instrument, Order, Quote, StrategyId
from core.services.risk.book import AccountBook
from core.services.risk.context import OrderSource, PositionSource, working_sums
from core.services.risk.drawdown import Drawdown, DrawdownPeaks, journal_step, measure
from core.services.risk.limits import RiskConfig, RiskLimits
from core.services.risk.rolling_drawdown import RollingDrawdown, RollingFall, rolling_fall, rolling_set
from core.services.risk.strategy_book import StrategyPositions, StrategyView, strategy_of


class StrategyRisk:
    """Keep each strategy's own positions and drawdown peaks; build the view an order's checks read."""

    def __init__(self, positions: PositionSource, orders: OrderSource, peaks: DrawdownPeaks,
                 config: Callable[[], RiskConfig], limits_for: Callable[[AccountId, StrategyId | None], RiskLimits],
                 today: Callable[[], date], rolling: RollingDrawdown | None = None,
                 now: Callable[[], datetime] | None = None,
                 equity_of: Callable[[AccountId, str], Decimal | None] = lambda account, currency: None) -> None:
        self._positions = positions
        self._orders = orders
        self._sums = working_sums(orders)
        self._peaks = peaks
        self._config = config
        self._limits_for = limits_for
        self._today = today
        self._rolling = rolling or RollingDrawdown()
        self._now = now or (lambda: datetime.now().astimezone())
        self._equity_of = equity_of
        self.positions = StrategyPositions(orders.get, self._instrument_held)

    def watched(self, strategy: StrategyId) -> bool:
        return str(strategy) in self._config().strategies

    def daily_pnl(self, account_id: AccountId, strategy: StrategyId) -> Decimal | None:
        """Return the strategy's own P&L of the day on the account in the account's limits' currency (None: unknown)."""
        return self.positions.daily_pnl(account_id, strategy, self._positions.held(account_id),
                                        self._limits_for(account_id, None).fx_rate)

    def drawdown(self, account_id: AccountId, strategy: StrategyId) -> Drawdown | None:
        """Return the strategy's drawdown from its peak of the day on the account (observing the P&L now)."""
        pnl = self.daily_pnl(account_id, strategy)
        if pnl is None:
            return None
        limits = self._limits_for(account_id, strategy)
        peak = self._peaks.observe((account_id, strategy), self._today(), pnl, journal_step(limits))
        return measure(peak, pnl, self._equity_of(account_id, limits.currency))

    def rolling_drawdown(self, account_id: AccountId, strategy: StrategyId) -> RollingFall | None:
        """Return the strategy's drawdown over its window of days on the account (observing the P&L now), or None
        while its P&L is unknown or it has no drawdown limit over days."""
        limits = self._limits_for(account_id, strategy)
        pnl = self.daily_pnl(account_id, strategy) if rolling_set(limits) else None
        if pnl is None:
            return None
        return rolling_fall(self._rolling, (account_id, strategy), limits, pnl, self._today(), self._now(),
                            self._equity_of(account_id, limits.currency))

    def watch(self, account_id: AccountId) -> None:
        """Take in the P&L now of every watched strategy with a drawdown limit on the account (moves their peaks)."""
        for name in self._config().strategies:
            strategy = StrategyId(name)
            limits = self._limits_for(account_id, strategy)
            if journal_step(limits) is not None:
                self.drawdown(account_id, strategy)
            if rolling_set(limits):
                self.rolling_drawdown(account_id, strategy)

    def reset(self, strategy: StrategyId, accounts: Iterable[AccountId]) -> list[AccountId]:
        """Make the strategy's P&L now its peak of today and of its window on each account (journaled); return the
        accounts reset (its P&L there is known). The accounts' own peaks and other strategies' stay as they are."""
        done = []
        for account_id in accounts:
            pnl = self.daily_pnl(account_id, strategy)
            if pnl is not None:
                self._peaks.reset((account_id, strategy), self._today(), pnl)
                self._rolling.reset((account_id, strategy), self._today(), pnl, self._now())
                done.append(account_id)
        return done

    def working_count(self, account_id: AccountId, strategy: StrategyId) -> int:
        return self._sums(account_id).strategy(account_id, strategy).count

    def view(self, order: Order, quote_of: Callable[[str], Quote | None]) -> StrategyView | None:
        """Return the order's strategy's own book when that strategy has limits of its own, else None."""
        strategy = strategy_of(order)
        if not self.watched(strategy):
            return None
        account = order.account_id
        drawdown = self.drawdown(account, strategy)
        rolling = self.rolling_drawdown(account, strategy)
        pnl = self.daily_pnl(account, strategy)
        return StrategyView(strategy, self._book(order, quote_of), None if pnl is None else -pnl, drawdown, rolling)

    def _book(self, order: Order, quote_of: Callable[[str], Quote | None]) -> AccountBook:
        """Return the order's strategy's own positions and working sums on its account, leaving the order out."""
        account, strategy = order.account_id, strategy_of(order)
        index = self._sums(account)
        without = index.share(order.client_order_id)
        if without is not None and (without.account_id, without.strategy) != (account, strategy):
            without = None
        return AccountBook(self.positions.held(account, strategy), index.strategy(account, strategy), quote_of,
                           without)

    def _instrument_held(self, account_id: AccountId, symbol: str) -> Instrument | None:
        position = self._positions.held(account_id).get(symbol)
        return None if position is None else position.instrument
