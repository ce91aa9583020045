"""SessionView: what the GUI reads of a trading session, without reaching into its services.

Commands go through TradingSession's methods; everything a window shows (accounts' states, quotes,
instruments, positions, P&L totals, risk limits and their use, an order's preview) is read here. Each
method only forwards to the service that owns the answer: no logic lives in this view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from core.domain import (
    AccountId,
    ConnectionState,
    Instrument,
    Order,
    Position,
    Quote,
    StrategyId,
    TimeInForce,
    TradingState,
    ValidatedRequest,
)
from core.domain.bars import Bar
from core.domain.funds import AccountFunds
from core.domain.protection import HeldChild
from core.ports.bar_history import BarHistory
from core.ports.capability_check import has_capability
from core.ports.login_state import LoginState
from core.ports.manual_fills import ManualFills
from core.ports.native_protection import NativeProtection
from core.ports.order_products import OrderProducts, ProductOffer
from core.ports.order_terms import takes_fraction, times_in_force
from core.services.daily_pnl import DailySum
from core.services.funds_impact import with_funds_impact
from core.services.kill_switch import KillSwitchScope, kill_switch_scope
from core.services.market_hours import MarketHours
from core.services.native_bracket import working_native_children
from core.services.order_preview import OrderPreview, preview_order
from core.services.portfolio import PnlTotals
from core.services.risk import HoldCause, RiskConfig
from core.services.risk.drawdown_gauge import DrawdownGauge, drawdown_gauge
from core.services.risk.strategy_book import StrategyPosition
from core.services.risk.usage import usage_texts
from core.services.sizing import Sized
from core.services.sizing_order import SizingSpec, size_request

if TYPE_CHECKING:
    from core.services.session import TradingSession


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """An account's state as the window shows it: its broker kind, connection and trading state, and why."""

    account_id: AccountId
    kind: str
    connection: ConnectionState
    trading: TradingState
    reason: str
    needs_login: bool = False
    """The broker has no session for it (Kite after 06:00 IST): a person must log in again."""


class SessionView:
    """Read-only answers for the GUI; see TradingSession for the commands."""

    def __init__(self, session: TradingSession) -> None:
        self._session = session

    # --- accounts -------------------------------------------------------------------------------

    def account_ids(self) -> list[AccountId]:
        return self._session.account_ids()

    def status(self, account_id: AccountId) -> AccountStatus:
        """Return account_id's broker kind, connection and trading state (KeyError if there is no such account)."""
        slot = self._session.account(account_id)
        needs_login = has_capability(slot.adapter, LoginState) and cast(LoginState, slot.adapter).login_required
        return AccountStatus(account_id, slot.adapter.kind, slot.connection, slot.trading, slot.reason, needs_login)

    def products_for(self, account_id: str, instrument: Instrument) -> ProductOffer | None:
        """Return the products account_id's broker offers for instrument (Kite), or None: it takes no product."""
        try:
            adapter = self._session.account(AccountId(account_id)).adapter
        except KeyError:
            return None
        return cast(OrderProducts, adapter).products_for(instrument) if has_capability(adapter, OrderProducts) else None

    def times_in_force(self, account_id: str) -> frozenset[TimeInForce]:
        """Return the times in force account_id's broker takes (core.ports.order_terms); every one for no account."""
        try:
            adapter = self._session.account(AccountId(account_id)).adapter
        except KeyError:
            return frozenset(TimeInForce)
        return times_in_force(adapter)

    def holds_brackets(self, account_id: str) -> bool:
        """True when account_id's broker holds a bracket's stop-loss and target itself (submit_bracket sends them
        native): they work while TradeTerm is closed. False: TradeTerm holds them, or no such account."""
        try:
            return has_capability(self._session.account(AccountId(account_id)).adapter, NativeProtection)
        except KeyError:
            return False

    def records_manual_fills(self, account_id: AccountId) -> bool:
        """True when fills of account_id's orders are entered by hand (an e-mail desk): see record_manual_fill."""
        return has_capability(self._session.account(account_id).adapter, ManualFills)

    def mismatched_accounts(self) -> list[AccountId]:
        """Return the accounts held because our positions differ from the broker's."""
        risk = self._session.risk
        return [a for a in self._session.account_ids() if risk.holds(a, HoldCause.MISMATCH)]

    # --- market ---------------------------------------------------------------------------------

    def instruments(self) -> Mapping[str, Instrument]:
        """Return every instrument the accounts list, by symbol."""
        return self._session.instruments

    def instrument(self, symbol: str, account: str | None = None) -> Instrument | None:
        """Return account's own instrument for symbol (another account's only when it lists none), or None."""
        return self._session.instruments.find(symbol, account)

    def trading_hours(self) -> MarketHours:
        """Return the accounts' instruments' trading hours (known ones at once; load asks the broker)."""
        return self._session.market_hours

    def latest_quote(self, symbol: str, account: str | None = None) -> Quote | None:
        """Return the newest quote of symbol on account's own feed (another feed only when it has none)."""
        return self._session.quotes.latest(symbol, account)

    def quote_of(self, symbol: str, feed: str) -> Quote | None:
        """Return the newest quote of symbol on that feed only (None when the feed has not quoted it)."""
        return self._session.quotes.quote_of(symbol, feed)

    def first_feed(self, symbol: str) -> str | None:
        """Return the feed that quoted symbol first (an account's, or a reference feed's), or None."""
        return self._session.quotes.first_feed(symbol)

    def bar_history(self, account_id: AccountId) -> BarHistory | None:
        """Return the account's broker's bar history (None when it serves none; KeyError for no such account)."""
        adapter = self._session.account(account_id).adapter
        return cast(BarHistory, adapter) if has_capability(adapter, BarHistory) else None

    def lists(self, account_id: AccountId, symbol: str) -> bool:
        """True when account_id's broker lists symbol among its instruments."""
        return any(i.symbol == symbol for i in self._session.account(account_id).adapter.instruments())

    # --- books ----------------------------------------------------------------------------------

    def open_positions(self) -> list[Position]:
        """Return the positions not flat: each product's where a symbol is held per product (Kite), else the net."""
        portfolio = self._session.portfolio
        shown: list[Position] = []
        for net in portfolio.positions():
            products = [p for p in portfolio.products(net.account_id, net.symbol) if not p.is_flat]
            shown += products if products else [net] if not net.is_flat else []
        return shown

    def pnl_totals(self) -> dict[str, PnlTotals]:
        """Return the P&L totals per currency over every account."""
        return self._session.portfolio.totals()

    def strategy_positions(self) -> list[StrategyPosition]:
        """Return each strategy's own position per account and symbol (manual trades: 'manual'), marked now."""
        portfolio = self._session.portfolio
        return self._session.risk.strategy_positions.snapshot(portfolio.position)

    def strategy_positions_of(self, keys: Iterable[tuple[AccountId, str]]) -> list[StrategyPosition]:
        """Return, as `strategy_positions` does (unsorted), only the strategies' positions of these symbols."""
        portfolio = self._session.portfolio
        return self._session.risk.strategy_positions.snapshot_of(keys, portfolio.position)

    def working_orders(self, account_id: AccountId | None = None, symbol: str | None = None) -> list[Order]:
        """Return the working orders (of one account and/or symbol when given), oldest first."""
        working = self._session.oms.working(account_id)
        return working if symbol is None else [o for o in working if o.symbol == symbol]

    def position(self, account_id: AccountId, symbol: str) -> Position | None:
        """Return account_id's net position in symbol (None: never held)."""
        return self._session.portfolio.position(account_id, symbol)

    def account_pnl(self, account_id: AccountId) -> Mapping[str, PnlTotals]:
        """Return account_id's P&L totals per currency."""
        return self._session.portfolio.totals(account_id)

    def daily_sums(self, account_id: AccountId) -> Mapping[str, DailySum]:
        """Return account_id's P&L of the trading day per currency."""
        return self._session.portfolio.daily_sums(account_id)

    def held_children(self, account_id: AccountId, symbol: str) -> list[HeldChild]:
        """Return the stop-losses and targets TradeTerm holds for account_id's position in symbol."""
        return self._session.protection.protecting(account_id, symbol)

    def native_children(self, account_id: AccountId, symbol: str) -> list[Order]:
        """Return the working protective orders of symbol the broker holds (a native bracket's children)."""
        return working_native_children(self._session.oms, account_id, symbol)

    def working_count(self) -> int:
        """Return how many orders are working on every account."""
        return len(self._session.oms.working())

    def kill_switch_scope(self) -> KillSwitchScope:
        """Return what the kill switch would stop now: working orders, orders waiting for approval, held children."""
        return kill_switch_scope(self._session.oms, self._session.protection)

    # --- risk -----------------------------------------------------------------------------------

    def funds(self, account_id: AccountId) -> AccountFunds | None:
        """Return account_id's funds as last read (cash, equity, buying power, margin), or None before a read."""
        return self._session.funds.latest(account_id)

    def preview(self, valid: ValidatedRequest) -> OrderPreview:
        """Return risk's verdict now on an order not sent yet, and its value (see order_preview)."""
        session = self._session
        preview = preview_order(session.risk, self.latest_quote, valid, session.clock.now())
        account = valid.request.account_id
        return with_funds_impact(preview, valid, session.funds.latest(account),
                                 session.portfolio.position(account, valid.instrument.symbol), session.funds.rate)

    def size_by_risk(self, valid: ValidatedRequest, spec: SizingSpec) -> tuple[Sized, str]:
        """Size valid by risk per trade and stop, capped by risk now (see sizing_order); raise SizingError if not.

        Returns the size and the currency its money at risk is in (the account's risk-limit currency).
        """
        return self._sized(valid, spec, ())

    async def size_by_risk_now(self, valid: ValidatedRequest, spec: SizingSpec) -> tuple[Sized, str]:
        """As size_by_risk; a volatility stop (atr_k) is measured on the account's own broker's daily bars first."""
        session = self._session
        bars: Sequence[Bar] = ()
        if spec.atr_k is not None:
            bars = await session.sizing_bars.daily(valid.request.account_id, valid.instrument.symbol, spec.atr_n,
                                                   session.clock.now())
        return self._sized(valid, spec, bars)

    def _sized(self, valid: ValidatedRequest, spec: SizingSpec, bars: Sequence[Bar]) -> tuple[Sized, str]:
        session = self._session
        adapter = session.account(valid.request.account_id).adapter
        whole = not takes_fraction(adapter, valid.order_type, valid.tif)
        sized = size_request(session.risk, self.latest_quote, valid, spec, session.clock.now(), lambda _symbol: bars,
                             whole_units=whole)
        return sized, session.risk.limits_for(valid.request.account_id, valid.request.strategy_id).currency

    def risk_config(self) -> RiskConfig:
        return self._session.risk.config

    def risk_usage(self, scope: str, key: str | None = None) -> dict[str, str]:
        """Return field -> how much of the limit is used, for a risk dialog scope (see risk.usage.usage_texts)."""
        return usage_texts(self._session.risk, scope, key)

    def drawdown_gauge(self, account_id: AccountId) -> DrawdownGauge | None:
        """Return how much of its drawdown limits the account uses now (None: its P&L is not known yet)."""
        return drawdown_gauge(self._session.risk, account_id)

    def resumable_holds(self) -> list[tuple[AccountId | None, TradingState, str]]:
        """Return what Resume would lift (kill switch, daily loss): scope (None: every account), state, and why."""
        return self._session.risk.resumable_holds()

    def journal_damage(self) -> str | None:
        """Return why trading is halted for a damaged journal (found after the start), or None."""
        return self._session.risk.global_hold(HoldCause.JOURNAL_DAMAGED)

    def disabled_strategies(self) -> list[StrategyId]:
        return list(self._session.risk.disabled_strategies())
