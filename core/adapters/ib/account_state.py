"""IbAccountState: IbBroker's view of what the account holds: snapshot, order lookup, funds and P&L streams."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from ib_async import IB, AccountValue, Contract, ExecutionFilter, PnL, PnLSingle
from ib_async import Fill as IbFill

from core.adapters.ib.funds import parse_funds
from core.adapters.ib.parsing import (
    execution_filter_time,
    parse_cash,
    parse_fill,
    parse_order_state,
    parse_pnl,
    parse_pnl_single,
    parse_position,
)
from core.domain import AccountId, AccountUpdated, Fill, Order, utc_now
from core.domain.funds import AccountFunds
from core.ports.broker import BrokerOrderState, BrokerSnapshot, EventSink, FoundOrder
from core.ports.errors import ConnectionLost

T = TypeVar("T")
LOOKUP_FILLS_MARGIN = timedelta(minutes=1)


class _Broker(Protocol):
    """What the account-state methods use of IbBroker (adapter.py)."""

    account_id: AccountId
    _ib: IB
    _sink: EventSink
    _account: str
    _snapshot_lock: asyncio.Lock
    pnl: PnL | None
    pnl_by_symbol: dict[str, PnLSingle]
    _pnl_symbols: dict[int, str]

    @property
    def is_connected(self) -> bool: ...
    def _require_connected(self, action: str) -> None: ...
    async def _request(self, awaitable: Awaitable[T], what: str) -> T: ...
    def _symbol_for(self, contract: Contract) -> str: ...
    def _fills(self, executions: Sequence[IbFill]) -> list[Fill]: ...
    def _watch_pnl(self, contract: Contract) -> None: ...


class IbAccountState:
    """Mixin of IbBroker: reconcile (snapshot), OrderLookup, AccountFunds, and IB's cash and P&L streams."""

    async def snapshot(self: _Broker, fills_since: datetime | None = None) -> BrokerSnapshot:
        """Return IB's cash, positions, today's orders (open and completed) and executions since fills_since."""
        self._require_connected("reconcile")
        async with self._snapshot_lock:
            ib = self._ib
            open_trades = await self._request(ib.reqOpenOrdersAsync(), "open orders")
            completed = await self._request(ib.reqCompletedOrdersAsync(False), "completed orders")
            since = execution_filter_time(fills_since) if fills_since is not None else ""
            executions = await self._request(
                ib.reqExecutionsAsync(ExecutionFilter(acctCode=self._account, time=since)), "executions"
            )
            positions = await self._request(ib.reqPositionsAsync(), "positions")
        orders: dict[str, BrokerOrderState] = {}
        for trade, done in [(t, False) for t in open_trades] + [(t, True) for t in completed]:
            if trade.order.account and self._account and trade.order.account != self._account:
                continue
            state = parse_order_state(trade, self._symbol_for(trade.contract), completed=done)
            orders.setdefault(str(state.broker_order_id), state)
        return BrokerSnapshot(
            account_id=self.account_id,
            cash=parse_cash(ib.accountValues(self._account), self._account),
            positions=tuple(
                parse_position(p) for p in positions if p.account == self._account and p.position != 0
            ),
            orders=tuple(orders.values()),
            fills=tuple(self._fills(executions)),
        )

    async def lookup_order(self: _Broker, order: Order) -> FoundOrder | None:
        """Find our order at IB by its orderRef in open and completed orders, with its executions (OrderLookup).

        TWS answers requests in the order it reads them, so an order placed before this request and
        absent from both lists never reached TWS.
        """
        self._require_connected("look the order up")
        ref = str(order.client_order_id)
        since = execution_filter_time(order.created_at - LOOKUP_FILLS_MARGIN)
        async with self._snapshot_lock:
            ib = self._ib
            open_trades = await self._request(ib.reqOpenOrdersAsync(), "open orders")
            completed = await self._request(ib.reqCompletedOrdersAsync(False), "completed orders")
            executions = await self._request(
                ib.reqExecutionsAsync(ExecutionFilter(acctCode=self._account, time=since)), "executions"
            )
        for trade, done in [(t, False) for t in open_trades] + [(t, True) for t in completed]:
            if trade.order.orderRef == ref:
                state = parse_order_state(trade, self._symbol_for(trade.contract), completed=done)
                fills = [f for f in self._fills(executions) if f.client_order_id == order.client_order_id]
                return FoundOrder(state, tuple(fills))
        return None

    def _fills(self: _Broker, executions: Sequence[IbFill]) -> list[Fill]:
        known = self._ib.wrapper.fills
        fills = []
        for execution in executions:
            if self._account and execution.execution.acctNumber != self._account:
                continue
            richer = known.get(execution.execution.execId)
            source = richer if richer is not None and richer.commissionReport.execId else execution
            fills.append(parse_fill(source, self.account_id, self._symbol_for(source.contract)))
        return fills

    async def account_funds(self: _Broker) -> AccountFunds:
        """Return IB's cash, net liquidation, buying power and margin (the account values TWS keeps current)."""
        if not self.is_connected:
            raise ConnectionLost(f"IB {self.account_id} is not connected: its funds cannot be read. Connect it.")
        return parse_funds(self._ib.accountValues(self._account), self._account, self.account_id, self.pnl,
                           utc_now())

    def _on_account_value(self: _Broker, value: AccountValue) -> None:
        if value.account == self._account and value.tag == "CashBalance" and self.is_connected:
            cash = parse_cash(self._ib.accountValues(self._account), self._account)
            self._sink(AccountUpdated(self.account_id, cash))

    def _on_position(self: _Broker, position: Any) -> None:
        if position.account == self._account and self.is_connected:
            self._watch_pnl(position.contract)

    def _watch_pnl(self: _Broker, contract: Contract) -> None:
        symbol = self._symbol_for(contract)
        if symbol not in self.pnl_by_symbol and contract.conId:
            self._pnl_symbols[contract.conId] = symbol
            self.pnl_by_symbol[symbol] = self._ib.reqPnLSingle(self._account, "", contract.conId)

    def _on_pnl(self: _Broker, pnl: PnL) -> None:
        if pnl.account == self._account:
            self._sink(parse_pnl(pnl, self.account_id))

    def _on_pnl_single(self: _Broker, pnl: PnLSingle) -> None:
        symbol = self._pnl_symbols.get(pnl.conId)
        if pnl.account == self._account and symbol is not None:
            self._sink(parse_pnl_single(pnl, self.account_id, symbol))
