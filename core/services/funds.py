"""FundsService: every account's funds (cash, equity, buying power, margin), read again on events, never per tick.

A refresh is asked for by a fill, a connect, or a cash change the broker pushed; asks that come within
`min_interval_s` of the last read are folded into one read at the end of the interval, and one read is in
flight per account at a time. Quotes never trigger a read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal

from core.domain import AccountId, AccountUpdated, ConnectionChanged, ConnectionState, FillRecorded, LogMessage
from core.domain.funds import AccountFunds, FundsLine, FundsSource, FundsUpdated, LineKind
from core.ports.account_funds import AccountFundsSource
from core.ports.clock import Clock
from core.ports.errors import BrokerError, ConnectionLost
from core.services.accounts import AccountSlot
from core.services.bus import EventBus
from core.services.portfolio import Portfolio

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_S = 2.0
ZERO = Decimal(0)


class FundsService:
    """Keep the newest AccountFunds of every account.

    Events: FundsUpdated(funds) after each read; LogMessage(WARNING) when a broker cannot be read.
    """

    def __init__(self, bus: EventBus, accounts: Mapping[AccountId, AccountSlot], portfolio: Portfolio,
                 clock: Clock, min_interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._bus = bus
        self._accounts = accounts
        self._portfolio = portfolio
        self._clock = clock
        self.min_interval_s = min_interval_s
        self._latest: dict[AccountId, AccountFunds] = {}
        self._last_read: dict[AccountId, float] = {}
        self._running: dict[AccountId, asyncio.Task[None]] = {}
        self._again: set[AccountId] = set()
        self._timers: dict[AccountId, asyncio.TimerHandle] = {}
        self._connecting: set[AccountId] = set()
        """Accounts whose connection is being made: a cash figure pushed while IB connects asks for a read that
        cannot be made yet; its CONNECTED asks again, so that failed read is not the trader's warning."""
        self.reads = 0
        """How many times a broker (or the books) was read: what the never-per-tick rule is checked by."""
        self.rate: RateLookup | None = None
        """Converts a figure the broker reports only in the account's base currency (the session sets LiveFx)."""
        bus.subscribe(FillRecorded, lambda e: self.request(e.fill.account_id))
        bus.subscribe(AccountUpdated, lambda e: self.request(e.account_id))
        bus.subscribe(ConnectionChanged, self._on_connection_changed)

    def latest(self, account_id: AccountId) -> AccountFunds | None:
        """Return the newest funds read of account_id, or None before its first read."""
        return self._latest.get(account_id)

    def buying_power(self, account_id: AccountId, currency: str) -> Decimal | None:
        """Return account_id's buying power in currency as its funds last said (converted from the account's
        base currency when they say none in currency: `in_currency`), or None."""
        funds = self._latest.get(account_id)
        return None if funds is None else in_currency(funds, currency, "buying_power", self.rate)[0]

    def equity(self, account_id: AccountId, currency: str) -> Decimal | None:
        """Return account_id's equity (net liquidation) in currency as its funds last said (converted as
        buying_power is), or None."""
        funds = self._latest.get(account_id)
        return None if funds is None else in_currency(funds, currency, "equity", self.rate)[0]

    def all_latest(self) -> dict[AccountId, AccountFunds]:
        return dict(self._latest)

    def request(self, account_id: AccountId) -> None:
        """Ask for a read of account_id's funds: now, or at the end of the interval since the last one."""
        if account_id not in self._accounts:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if account_id in self._running:
            self._again.add(account_id)
            return
        if account_id in self._timers:
            return
        wait = self._last_read.get(account_id, -1e18) + self.min_interval_s - loop.time()
        if wait > 0:
            self._timers[account_id] = loop.call_later(wait, self._start, account_id)
        else:
            self._start(account_id)

    async def refresh(self, account_id: AccountId) -> AccountFunds:
        """Read account_id's funds now (ignoring the interval) and publish them; raise BrokerError if it fails."""
        funds = await self._read(account_id)
        self._latest[account_id] = funds
        self._bus.publish(FundsUpdated(funds))
        return funds

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        for task in self._running.values():
            task.cancel()

    def _on_connection_changed(self, event: ConnectionChanged) -> None:
        if event.state in (ConnectionState.CONNECTING, ConnectionState.RECONNECTING):
            self._connecting.add(event.account_id)
        else:
            self._connecting.discard(event.account_id)
        if event.state is ConnectionState.CONNECTED:
            self.request(event.account_id)

    def _start(self, account_id: AccountId) -> None:
        self._timers.pop(account_id, None)
        loop = asyncio.get_running_loop()
        self._last_read[account_id] = loop.time()
        self._running[account_id] = loop.create_task(self._run(account_id), name=f"funds-{account_id}")

    async def _run(self, account_id: AccountId) -> None:
        try:
            await self.refresh(account_id)
        except BrokerError as exc:
            if isinstance(exc, ConnectionLost) and account_id in self._connecting:
                self._last_read.pop(account_id, None)  # asked too early: the connect's own read comes at once
            else:
                self._bus.publish(LogMessage("WARNING", f"{account_id}: could not read the account's funds: {exc}"))
        except Exception:  # a bug in one broker's figures must not stop the others' reads
            log.exception("%s: reading funds failed", account_id)
        finally:
            self._running.pop(account_id, None)
            if account_id in self._again:
                self._again.discard(account_id)
                self.request(account_id)

    async def _read(self, account_id: AccountId) -> AccountFunds:
        self.reads += 1
        adapter = self._accounts[account_id].adapter
        if isinstance(adapter, AccountFundsSource):
            funds = await adapter.account_funds()
        else:
            funds = AccountFunds(account_id, tuple(FundsLine(m.currency, cash=m.amount)
                                                   for m in self._portfolio.cash(account_id)),
                                 FundsSource.COMPUTED, self._clock.now(), "Cash as the broker last reported it.")
        return with_books_pnl(funds, self._portfolio)


def with_books_pnl(funds: AccountFunds, portfolio: Portfolio) -> AccountFunds:
    """Return funds with TradeTerm's own P&L (net of commissions) on the first summed line of each currency.

    A line whose broker reports no equity (Kite) gets cash + the positions' market value from the books.
    """
    totals = portfolio.totals(funds.account_id)
    lines = list(funds.lines)
    for currency in totals:
        if not any(line.currency == currency and line.kind is LineKind.ACCOUNT for line in lines):
            lines.append(FundsLine(currency))
    done: set[str] = set()
    for index, line in enumerate(lines):
        if line.kind is not LineKind.ACCOUNT:
            continue
        first = line.currency not in done
        done.add(line.currency)
        total = totals.get(line.currency) if first else None
        held = ZERO if total is None else total.market_value
        equity = line.equity
        if equity is None and line.cash is not None and held is not None:
            equity = line.cash + held
        if total is None:
            lines[index] = replace(line, equity=equity)
        else:
            lines[index] = replace(line, equity=equity, unrealized_pnl=total.unrealized,
                                   realized_pnl=total.realized, day_pnl=total.daily)
    return funds.with_lines(tuple(lines))


RateLookup = Callable[[str, str], Decimal | None]
"""rate(currency, home): the value of one unit of currency in home (core/services/live_fx.LiveFx), or None."""


def in_currency(funds: AccountFunds, currency: str, figure: str,
                rate: RateLookup | None) -> tuple[Decimal | None, str | None]:
    """Return funds' figure ('buying_power' or 'equity') in currency, and the currency it was converted from.

    The currency's own line when the broker reports one; else the account's line in its base currency (IB's
    BASE: a USD account's buying power pays for a EUR stock too) converted at rate; (None, that currency)
    when there is no rate to convert it; else (None, None). An IB account in USD buying SAP on IBIS was told
    'Buying power in EUR: not reported yet' for good.
    """
    line = funds_line(funds, currency)
    if line is not None:
        return getattr(line, figure), None
    base = None
    for line in funds.summed():
        value = getattr(line, figure)
        if line.buying_power is None or value is None:
            continue
        base = line.currency
        unit = None if rate is None else rate(currency, base)
        if unit is not None and unit > 0:
            return value / unit, base
    return None, base


def funds_line(funds: AccountFunds, currency: str) -> FundsLine | None:
    """Return the summed line of currency that has a buying power (IB's BASE line, Kite's equity segment)."""
    return next((line for line in funds.summed() if line.currency == currency and line.buying_power is not None),
                None)
