"""Today's entrusts and trades, polled: fills, closes, and the orders whose answer was lost.

easytrader has no streaming and no client reference field, so EasytraderBroker learns what became of its
orders by reading today's entrusts and trades: each new trade number is a fill, an entrust showing 已撤/部撤/废单
closes its order, and an order whose answer was lost is claimed (OrderMap.claim) when a matching entrust shows.
TodayPolling is the part of EasytraderBroker that does this; the adapter module holds the calls and the
BrokerAdapter methods. The attributes and methods declared below are EasytraderBroker's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.adapters.easytrader.config import EasytraderConfig
from core.adapters.easytrader.order_map import MappedOrder, OrderMap
from core.adapters.easytrader.parsing import (
    CURRENCY,
    ColumnTable,
    Entrust,
    Funds,
    Holding,
    Trade,
    china_today,
    instrument_for,
    is_a_share_code,
    parse_entrusts,
    parse_funds,
    parse_holdings,
    parse_trades,
    trade_id,
    trade_time,
)
from core.domain import (
    AccountId,
    AccountUpdated,
    BrokerOrderId,
    ClientOrderId,
    ConnectionState,
    Fill,
    Instrument,
    LogMessage,
    Money,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderStatus,
    Price,
    Quantity,
    TradeId,
)
from core.ports.broker import BrokerOrderState, EventSink
from core.ports.errors import BrokerError, Timeout

_CLOSED = frozenset({OrderStatus.CANCELED, OrderStatus.REJECTED})


class TodayPolling:
    """Polling of today's entrusts and trades for EasytraderBroker (a mixin: it holds no state of its own)."""

    account_id: AccountId
    config: EasytraderConfig
    funds: Funds | None
    holdings: tuple[Holding, ...]
    _sink: EventSink
    _clock: Callable[[], datetime]
    _table: ColumnTable
    _map: OrderMap
    _state: ConnectionState
    _polling: bool
    _wake: asyncio.Event
    _published: set[str]
    _instruments: dict[str, Instrument]
    _unproven: set[ClientOrderId]
    _answer_lost: set[ClientOrderId]

    if TYPE_CHECKING:
        async def _call(self, fn: Callable[[Any], Any], what: str, action: str, symbol: str = "",
                        timeout: float | None = None) -> Any: ...

        def _publish(self, state: ConnectionState, message: str) -> None: ...

    async def _find_unnumbered(self, order: Order) -> None:
        """Find an order answered "success" without an entrust number among today's entrusts, or raise Timeout.

        Polling claims it (OrderAccepted) the moment a matching entrust shows; an order that never shows stays
        unresolved, is never resent, and is looked for again at every poll and reconcile.
        """
        deadline = asyncio.get_running_loop().time() + self.config.request_timeout_s
        while True:
            await self._poll_once()
            mapped = self._map.get(order.client_order_id)
            if mapped is not None and mapped.entrust_no is not None:
                return
            if asyncio.get_running_loop().time() >= deadline:
                raise Timeout(
                    f"The broker client answered the {order.symbol} order with 'success' but no entrust number, "
                    f"and no matching entrust has appeared in {self.config.request_timeout_s:g} s. It may not have "
                    "been placed: TradeTerm keeps looking for it and will not resend it; check the broker client.")
            await asyncio.sleep(min(0.2, self.config.poll_interval_s))

    def _forget_unplaced(self) -> None:
        """Forget the orders whose answer was lost and that no entrust in a full read of today's entrusts matches.

        They were never placed: the reconciliation this read serves cancels them as never sent. Forgotten here
        too, so a later order with the same code, side, quantity and price cannot have its entrust claimed by one
        of them (which left that later order unmatched, and working at the broker unseen). An order answered
        "success" without an entrust number was placed: it is still looked for (see _find_unnumbered).
        """
        for mapped in self._still_unproven():
            coid = mapped.client_order_id
            if coid not in self._answer_lost:
                continue
            self._map.drop(coid)
            self._unproven.discard(coid)
            self._answer_lost.discard(coid)
            self._sink(LogMessage("WARNING", (
                f"{self.account_id}: no entrust matches the {mapped.symbol} {mapped.side.value.lower()} order {coid} "
                "whose answer was lost: it was not placed.")))

    def _still_unproven(self) -> list[MappedOrder]:
        """Return our orders whose fate a lost answer left open (not yet found among today's entrusts)."""
        waiting = []
        for coid in list(self._unproven):
            mapped = self._map.get(coid)
            if mapped is None or mapped.entrust_no is not None:
                self._unproven.discard(coid)
                self._answer_lost.discard(coid)
            else:
                waiting.append(mapped)
        return waiting

    async def _poll_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll_interval_s)
            self._wake.clear()
            if not self._polling:
                return
            try:
                await self._poll_once()
            except BrokerError as exc:
                if self._state is ConnectionState.CONNECTED:
                    self._publish(ConnectionState.RECONNECTING, f"Lost the easytrader server: {exc} Retrying…")
                continue
            if self._state is ConnectionState.RECONNECTING:
                self._publish(ConnectionState.CONNECTED, f"The easytrader server at {self.config.where} answers again.")

    async def _poll_once(self) -> None:
        entrusts, trades = await self._read_today()
        self._claim(entrusts)
        day = china_today(self._clock())
        filled = False
        for trade in trades:
            coid = self._map.coid_for(trade.entrust_no)
            key = trade_id(day, trade.trade_no)
            if coid is None or key in self._published:
                continue
            self._published.add(key)
            self._sink(OrderFilled(coid, self._fill(trade, day)))
            filled = True
        for entrust in entrusts:
            self._publish_status(entrust)
        if filled:
            with contextlib.suppress(BrokerError):
                funds = await self._refresh_account()
                self._sink(AccountUpdated(self.account_id, (Money(funds.cash, CURRENCY),)))

    async def _read_today(self) -> tuple[list[Entrust], list[Trade]]:
        entrusts = parse_entrusts(await self._call(lambda c: c.today_entrusts, "today's entrusts", "read"),
                                  self._table)
        return entrusts, await self._read_trades()

    async def _read_trades(self) -> list[Trade]:
        return parse_trades(await self._call(lambda c: c.today_trades, "today's trades", "read"), self._table)

    def _claim(self, entrusts: list[Entrust]) -> None:
        for order, entrust in self._map.claim(entrusts):
            self._sink(LogMessage("WARNING", (
                f"{self.account_id}: the {order.symbol} {order.side.value.lower()} order {order.client_order_id} "
                f"whose answer was lost is entrust {entrust.entrust_no} ({entrust.status_text}).")))
            self._sink(OrderAccepted(order.client_order_id, BrokerOrderId(entrust.entrust_no)))

    def _publish_status(self, entrust: Entrust) -> None:
        coid = self._map.coid_for(entrust.entrust_no)
        mapped = self._map.get(coid) if coid is not None else None
        if coid is None or mapped is None or mapped.closed or entrust.status not in _CLOSED:
            return
        if entrust.status is OrderStatus.REJECTED:
            reason = f"The broker voided the order ({entrust.status_text})."
        elif entrust.filled > 0:
            reason = f"Partly filled ({entrust.filled.normalize():f}); the rest was canceled ({entrust.status_text})."
        else:
            reason = f"Canceled ({entrust.status_text})."
        self._sink(OrderCanceled(coid, reason))
        self._map.close(coid)

    async def _refresh_account(self) -> Funds:
        funds = parse_funds(await self._call(lambda c: c.balance, "the balance", "read"), self._table)
        holdings = parse_holdings(await self._call(lambda c: c.position, "the positions", "read"), self._table)
        self.funds, self.holdings = funds, tuple(holdings)
        for holding in holdings:
            if holding.symbol not in self._instruments and is_a_share_code(holding.symbol):
                self._instruments[holding.symbol] = instrument_for(holding.symbol, holding.name)
        if self._state is not ConnectionState.CONNECTED:
            self._sink(AccountUpdated(self.account_id, (Money(funds.cash, CURRENCY),)))
        return funds

    def _fill(self, trade: Trade, day: date) -> Fill:
        coid = self._map.coid_for(trade.entrust_no)
        return Fill(
            trade_id=TradeId(trade_id(day, trade.trade_no)),
            client_order_id=coid,
            account_id=self.account_id,
            symbol=trade.symbol,
            side=trade.side,
            quantity=Quantity(trade.quantity),
            price=Price(trade.price),
            commission=Money(Decimal(0), CURRENCY),
            broker_order_id=BrokerOrderId(trade.entrust_no),
            ts=trade_time(day, trade.time_text, self._clock()),
        )

    def _order_state(self, entrust: Entrust) -> BrokerOrderState:
        return BrokerOrderState(
            client_order_id=self._map.coid_for(entrust.entrust_no),
            broker_order_id=BrokerOrderId(entrust.entrust_no),
            symbol=entrust.symbol,
            side=entrust.side,
            quantity=entrust.quantity,
            filled_qty=entrust.filled,
            status=entrust.status,
            reason=entrust.status_text,
            limit_price=entrust.price if entrust.price > 0 else None,  # easytrader places limit orders only
        )
