"""IbBroker: an Interactive Brokers account through TWS or IB Gateway, with ib_async's *Async API on our loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ib_async import IB, AccountValue, CommissionReport, Contract, ExecutionFilter, PnL, PnLSingle, Ticker, Trade
from ib_async import Fill as IbFill

from core.adapters.ib.brackets import detach_from_filled_parent, leg_outcomes, link_bracket
from core.adapters.ib.config import IbConfig
from core.adapters.ib.connection import describe, open_connection
from core.adapters.ib.depth import IbDepth
from core.adapters.ib.funds import parse_funds
from core.adapters.ib.history import BAR_SIZES, load_history
from core.adapters.ib.parsing import (
    IbErrorKind,
    build_order,
    contract_for,
    contract_for_spec,
    execution_filter_time,
    instrument_from_details,
    parse_cash,
    parse_fill,
    parse_order_state,
    parse_pnl,
    parse_pnl_single,
    parse_position,
    parse_quote,
    symbol_of,
    translate_error,
)
from core.adapters.ib.search import IbSymbolSearch
from core.adapters.ib.tape import IbTape
from core.adapters.ib.tracker import OrderTracker
from core.domain import (
    AccountId,
    AccountUpdated,
    ConnectionChanged,
    ConnectionState,
    Fill,
    Instrument,
    LogMessage,
    Order,
    OrderCancelRejected,
    OrderModifyRejected,
    Price,
    Quantity,
    utc_now,
)
from core.domain.bars import Bar
from core.domain.funds import AccountFunds
from core.domain.market_data_error import MarketDataError
from core.ports.bar_history import HistoryUnavailable
from core.ports.broker import (
    BrokerOrderState,
    BrokerSnapshot,
    EventSink,
    FoundOrder,
    QuoteSink,
    quotes_one_by_one,
)
from core.ports.depth_feed import DEFAULT_DEPTH_ROWS
from core.ports.errors import (
    AuthenticationFailed,
    BrokerError,
    ConnectionLost,
    InvalidInstrument,
    OrderRejected,
    Timeout,
)
from core.ports.symbol_search import InstrumentMatch

log = logging.getLogger(__name__)
T = TypeVar("T")
_DONE = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_sched_yield = getattr(os, "sched_yield", None)  # POSIX only
LOOKUP_FILLS_MARGIN = timedelta(minutes=1)
MARKET_DATA_ERRORS = frozenset({101, 200, 354, 10090, 10168, 10186, 10197})
"""IB's answers to a market-data request that mean no quotes for that contract (101: max tickers reached)."""
_WORTH_LOGGING = frozenset({
    IbErrorKind.CONNECTIVITY_LOST, IbErrorKind.CONNECTIVITY_RESTORED, IbErrorKind.WARNING, IbErrorKind.ERROR,
})


class IbBroker:
    """One IB account. Implements core.ports.broker.BrokerAdapter.

    Events:
        ConnectionChanged(account_id, state, message): CONNECTING -> CONNECTED | FAILED on connect;
            RECONNECTING when TWS drops us (each failed attempt repeats it with the reason), or when TWS
            loses IB's servers (1100; CONNECTED again on 1101/1102, and the session reconciles), CONNECTED
            again after a reconnect (the session then reconciles); DISCONNECTED on disconnect.
        Quote(symbol, bid, ask, last, close, volume, bid_size, ask_size): market data of subscribed instruments.
        AccountUpdated(account_id, cash): IB's CashBalance per currency, on connect and when it changes.
        BrokerPnl(account_id, symbol, daily, unrealized, realized): IB's P&L of the account (reqPnL, symbol
            None) and of each position (reqPnLSingle), whenever TWS sends it.
        OrderAccepted, OrderFilled, OrderCanceled, OrderCancelRejected, OrderModified, OrderModifyRejected:
            see OrderTracker; keyed by our ClientOrderId, which travels in orderRef.
        LogMessage(level, text): IB warnings and notices worded for the trader.
        DepthBook(symbol, source, bids, asks, note): reqMktDepth books (DepthFeed), see depth.py.
        TradePrint(symbol, source, price, size, aggressor): tick-by-tick AllLast trades (TimeAndSales), see tape.py.
    """

    kind: str = "ib"

    def __init__(self, account_id: AccountId, config: IbConfig, sink: EventSink, *,
                 quotes: QuoteSink | None = None) -> None:
        self.account_id = AccountId(account_id)
        self.config = config
        self._local_tws = config.host in _LOOPBACK
        self._sink = sink
        self._quotes = quotes or quotes_one_by_one(sink)
        self._ib = IB()
        self._ib.RaiseRequestErrors = False
        self._tracker = OrderTracker(self.account_id, sink, self._symbol_for, config.commission_wait_s)
        self._instruments: dict[str, Instrument] = {}
        self._contracts: dict[str, Contract] = {}
        self._symbols_by_con_id: dict[int, str] = {}
        self._subscribed: dict[str, Instrument] = {}
        self._account = config.account
        self.managed_accounts: tuple[str, ...] = ()
        self.pnl: PnL | None = None
        self.pnl_by_symbol: dict[str, PnLSingle] = {}
        self._pnl_symbols: dict[int, str] = {}
        self._state = ConnectionState.DISCONNECTED
        self._closing = False
        self._order_id_high = 0
        self._servers_lost = False
        """TWS said 1100 (it lost IB's servers) and has not said 1101/1102 yet: the API socket is still up."""
        self._ids_resync: asyncio.Future[None] | None = None
        """Set after a 103 until TWS tells the next free order id; new orders wait for it."""
        self._snapshot_lock = asyncio.Lock()
        self._reconnect: asyncio.Task[None] | None = None
        self._search = IbSymbolSearch(self.account_id, self._ib, self._request)
        self._depth = IbDepth(self.account_id, self._ib, sink)
        self._depth_wanted: dict[str, tuple[Instrument, int]] = {}
        self._tape = IbTape(self.account_id, self._ib, sink)
        self._tape_wanted: dict[str, Instrument] = {}
        ib = self._ib
        ib.wrapper.nextValidId = self._on_next_valid_id  # type: ignore[method-assign,assignment]  # ib_async ignores it
        ib.orderStatusEvent += self._tracker.on_status
        ib.execDetailsEvent += self._tracker.on_exec
        ib.commissionReportEvent += self._on_commission
        ib.errorEvent += self._on_error
        ib.disconnectedEvent += self._on_disconnected
        ib.pendingTickersEvent += self._on_tickers
        ib.accountValueEvent += self._on_account_value
        ib.positionEvent += self._on_position
        ib.pnlEvent += self._on_pnl
        ib.pnlSingleEvent += self._on_pnl_single

    # --- BrokerAdapter ---------------------------------------------------------------------------

    def instruments(self) -> Sequence[Instrument]:
        """Return the watchlist instruments qualified with IB so far (empty before the first connect)."""
        return tuple(self._instruments.values())

    @property
    def is_connected(self) -> bool:
        return self._state is ConnectionState.CONNECTED

    async def search_symbols(self, query: str, limit: int) -> list[InstrumentMatch]:
        """Find IB contracts by symbol or name: stocks, futures by expiry, pairs; options when narrowed."""
        self._require_connected("search")
        return await self._search.search(query, limit)

    async def instrument_for(self, match: InstrumentMatch) -> Instrument:
        """Load a found contract's details; raise InvalidInstrument with IB's reason when it has none."""
        self._require_connected("add the instrument")
        return await self._search.instrument_for(match, self._remember)

    @property
    def ib_account(self) -> str:
        """The IB account code orders go to (chosen on connect when the settings leave it empty)."""
        return self._account

    @property
    def chosen_account(self) -> str:
        """The IB account code orders go to (AccountChooser)."""
        return self._account

    async def connect(self) -> None:
        """Connect to TWS, pick the account, qualify the watchlist; raise a BrokerError that says what to do."""
        if self.is_connected:
            return
        self._closing = False
        self._publish(ConnectionState.CONNECTING, f"Connecting to TWS at {self._where}…")
        try:
            await self._open()
        except BrokerError as exc:
            self._publish(ConnectionState.FAILED, str(exc))
            raise
        await self._qualify_watchlist()
        self._publish(ConnectionState.CONNECTED, self._connected_text())

    async def disconnect(self) -> None:
        """Stop reconnecting, close the API connection and report DISCONNECTED."""
        self._closing = True
        task, self._reconnect = self._reconnect, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        was = self._state
        self._ib.disconnect()
        self._tracker.fail_pending(ConnectionLost("Disconnected from TWS before IB answered."))
        if was is not ConnectionState.DISCONNECTED:
            self._publish(ConnectionState.DISCONNECTED, f"Disconnected from TWS at {self._where}.")

    async def submit(self, order: Order) -> None:
        """Place order at IB once, wait for its acceptance; raise OrderRejected (or kin), ConnectionLost, Timeout."""
        self._require_connected("send the order")
        if self.config.read_only:
            raise OrderRejected("This IB connection is read-only: untick read-only in the connection panel to trade.")
        contract = await self._contract_to_send(order)
        ib_order = build_order(order, self._account, self.config.outside_rth)
        ib_order.orderId = self._next_order_id()
        tracked = self._tracker.expect(order.client_order_id, order.symbol, ib_order.orderId)
        try:
            tracked.trade = self._ib.placeOrder(contract, ib_order)
            self._let_tws_read()
        except ConnectionError:
            raise ConnectionLost(
                "The connection to TWS dropped while sending; the order is checked on reconnect."
            ) from None
        assert tracked.ack is not None
        try:
            await asyncio.wait_for(asyncio.shield(tracked.ack), self.config.order_timeout_s)
        except TimeoutError:
            self._tracker.give_up_waiting(tracked)
            raise Timeout(
                f"IB did not confirm the {order.symbol} order within {self.config.order_timeout_s:g} s; it may be "
                "working. TradeTerm asks IB about it and will not resend it."
            ) from None

    async def submit_bracket(self, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
        """Place entry and its children as one IB bracket (brackets.py), each leg once; return each leg's outcome
        (None: IB took it; OrderRejected; Timeout: the leg may be working and is resolved, never resent)."""
        self._require_connected("send the order")
        if self.config.read_only:
            raise OrderRejected("This IB connection is read-only: untick read-only in the connection panel to trade.")
        contract = await self._contract_to_send(entry)
        legs = (entry, *children)
        ib_orders = [build_order(leg, self._account, self.config.outside_rth) for leg in legs]
        for ib_order in ib_orders:
            ib_order.orderId = self._next_order_id()
        link_bracket(ib_orders[0], ib_orders[1:])
        tracked = [self._tracker.expect(leg.client_order_id, leg.symbol, ib_order.orderId)
                   for leg, ib_order in zip(legs, ib_orders, strict=True)]
        try:
            for track, ib_order in zip(tracked, ib_orders, strict=True):
                track.trade = self._ib.placeOrder(contract, ib_order)
            self._let_tws_read()
        except ConnectionError:
            raise ConnectionLost(
                "The connection to TWS dropped while sending the bracket; its orders are checked on reconnect."
            ) from None
        return await leg_outcomes(legs, tracked, self.config.order_timeout_s, self._tracker.give_up_waiting)

    async def _contract_to_send(self, order: Order) -> Contract:
        """Return the order's contract, once any order-id resync after a 103 is done; still connected."""
        contract = await self._qualify(order.instrument)
        if self._ids_resync is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._ids_resync), self.config.request_timeout_s)
            self._ids_resync = None
        self._require_connected("send the order")
        return contract

    async def cancel(self, order: Order) -> None:
        """Ask IB to cancel; IB answers with OrderCanceled or OrderCancelRejected (10147/10148)."""
        self._require_connected("cancel the order")
        tracked = self._tracker.find(order.client_order_id)
        if tracked is None or tracked.trade is None:
            self._sink(OrderCancelRejected(order.client_order_id, "IB has no order with this id from TradeTerm; "
                                                                  "it may have been placed in another session."))
            return
        tracked.cancel_requested = True
        self._ib.cancelOrder(tracked.trade.order)
        self._let_tws_read()

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        """Re-send the order with the same orderId and new fields; IB answers OrderModified or OrderModifyRejected."""
        self._require_connected("modify the order")
        tracked = self._tracker.find(order.client_order_id)
        trade = tracked.trade if tracked is not None else None
        if tracked is None or trade is None or trade.orderStatus.status in _DONE:
            self._sink(OrderModifyRejected(order.client_order_id, "The order is no longer working at IB."))
            return
        previous = (trade.order.totalQuantity, trade.order.lmtPrice, trade.order.auxPrice)
        trade.order.totalQuantity = float(quantity.value)
        if limit_price is not None:
            trade.order.lmtPrice = float(limit_price.value)
        if stop_price is not None:
            trade.order.auxPrice = float(stop_price.value)
        detach_from_filled_parent(trade.order, self._ib.trades())
        trade.order.transmit = True  # a bracket's entry went with transmit=False: a change must go out, not wait
        self._tracker.begin_modify(tracked, (quantity, limit_price, stop_price), previous)
        self._ib.placeOrder(trade.contract, trade.order)
        self._let_tws_read()
        assert tracked.modify is not None
        try:
            await asyncio.wait_for(asyncio.shield(tracked.modify), self.config.order_timeout_s)
        except TimeoutError:
            self._tracker.give_up_modify(tracked)
            raise Timeout(f"IB did not confirm the change within {self.config.order_timeout_s:g} s; the order "
                          "shows what IB last confirmed, and the change if IB confirms it later.") from None

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        """Stream quotes for these instruments (qualified first); raise InvalidInstrument naming any IB lacks."""
        unknown: list[str] = []
        for instrument in instruments:
            try:
                contract = await self._qualify(instrument) if self.is_connected else None
            except InvalidInstrument:
                unknown.append(instrument.symbol)
                continue
            self._subscribed[instrument.symbol] = instrument
            if contract is not None:
                self._ib.reqMktData(contract)
        if unknown:
            raise InvalidInstrument(
                f"IB has no contract for {', '.join(unknown)}: check symbol, exchange and currency."
            )

    def history_intervals(self) -> frozenset[timedelta]:
        """The chart timeframes IB serves as historical bars (BarHistory)."""
        return frozenset(BAR_SIZES)

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
        """Return IB's TRADES bars of symbol; raise HistoryUnavailable with IB's reason (162 pacing, no data)."""
        self._require_connected("load the chart")
        instrument = self._instruments.get(symbol) or self._subscribed.get(symbol)
        if instrument is None:
            raise HistoryUnavailable(f"IB account {self.account_id} does not list {symbol}.")
        contract = await self._qualify(instrument)
        return await load_history(self._ib, contract, self._request, symbol, self.account_id, interval, start, end)

    async def subscribe_depth(self, instrument: Instrument, rows: int = DEFAULT_DEPTH_ROWS) -> None:
        """Ask TWS for instrument's market depth (reqMktDepth); asked again after a reconnect (DepthFeed)."""
        self._depth_wanted[instrument.symbol] = (instrument, rows)
        if self.is_connected:
            self._depth.subscribe(instrument.symbol, await self._qualify(instrument), rows)

    async def unsubscribe_depth(self, symbol: str) -> None:
        """Cancel symbol's market depth (DepthFeed)."""
        self._depth_wanted.pop(symbol, None)
        self._depth.unsubscribe(symbol)

    async def subscribe_tape(self, instrument: Instrument) -> None:
        """Ask TWS for instrument's tick-by-tick trades (AllLast); asked again after a reconnect (TimeAndSales)."""
        self._tape_wanted[instrument.symbol] = instrument
        if self.is_connected:
            self._tape.subscribe(instrument.symbol, await self._qualify(instrument))

    async def unsubscribe_tape(self, symbol: str) -> None:
        """Cancel symbol's tick-by-tick trades (TimeAndSales)."""
        self._tape_wanted.pop(symbol, None)
        self._tape.unsubscribe(symbol)

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
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

    async def lookup_order(self, order: Order) -> FoundOrder | None:
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

    async def cancel_all_orders(self, orders: Sequence[Order]) -> None:
        """Cancel every open order at TWS with one reqGlobalCancel (BulkCancel); IB reports each one canceled.

        One message instead of one per order (ib_async paces requests at 45 a second). It also cancels
        orders placed outside TradeTerm (in TWS, by other clients): a kill switch means everything.
        """
        self._require_connected("cancel all orders")
        for order in orders:
            tracked = self._tracker.find(order.client_order_id)
            if tracked is not None:
                tracked.cancel_requested = True
        self._ib.reqGlobalCancel()  # type: ignore[no-untyped-call]
        self._let_tws_read()

    # --- connection ------------------------------------------------------------------------------

    async def _open(self) -> None:
        await open_connection(self._ib, self.config)
        accounts = tuple(self._ib.managedAccounts())
        self.managed_accounts = accounts
        chosen = self.config.account or (accounts[0] if len(accounts) == 1 else "")
        if chosen not in accounts:
            self._ib.disconnect()
            listed = ", ".join(accounts) or "none"
            if self.config.account:
                raise AuthenticationFailed(
                    f"TWS at {self._where} does not manage account {self.config.account}; it manages {listed}. "
                    "Pick one of those in the connection panel."
                )
            raise AuthenticationFailed(f"TWS at {self._where} manages several accounts ({listed}): pick one "
                                       "in the connection panel, then connect again.")
        self._account = chosen
        self._ib.client.updateReqId(self._order_id_high + 1)  # type: ignore[no-untyped-call]
        trades = self._ib.trades()
        self._tracker.bind(trades)
        for trade in self._tracker.cancels_to_resend(trades):
            self._sink(LogMessage("INFO", f"IB {self.account_id}: the connection dropped before IB confirmed the "
                                          f"cancel of order {trade.order.orderRef}; asked IB again."))
            self._ib.cancelOrder(trade.order)
        self._tracker.flush_waiting(self._ib.wrapper.fills.get)
        self._sink(AccountUpdated(self.account_id, parse_cash(self._ib.accountValues(chosen), chosen)))
        self.pnl = self._ib.reqPnL(chosen)
        self.pnl_by_symbol.clear()
        self._pnl_symbols.clear()
        for position in self._ib.positions(chosen):
            self._watch_pnl(position.contract)
        for instrument in self._subscribed.values():
            with contextlib.suppress(InvalidInstrument):
                self._ib.reqMktData(await self._qualify(instrument))
        self._depth.drop_all()
        self._tape.drop_all()
        for instrument, rows in list(self._depth_wanted.values()):
            with contextlib.suppress(InvalidInstrument):
                self._depth.subscribe(instrument.symbol, await self._qualify(instrument), rows)
        for instrument in list(self._tape_wanted.values()):
            with contextlib.suppress(InvalidInstrument):
                self._tape.subscribe(instrument.symbol, await self._qualify(instrument))

    def _on_disconnected(self) -> None:
        if self._closing or (self._state is not ConnectionState.CONNECTED and not self._servers_lost):
            return
        self._servers_lost = False
        self._tracker.fail_pending(ConnectionLost(
            "The connection to TWS dropped before IB confirmed the order; TradeTerm checks it on reconnect "
            "and will not resend it."
        ))
        self._publish(ConnectionState.RECONNECTING, f"Lost the connection to TWS at {self._where}; reconnecting…")
        self._reconnect = asyncio.get_running_loop().create_task(self._reconnect_loop(), name="ib-reconnect")

    async def _reconnect_loop(self) -> None:
        delay = self.config.reconnect_initial_s
        attempt = 0
        while not self._closing:
            await asyncio.sleep(delay)
            attempt += 1
            try:
                await self._open()
            except BrokerError as exc:
                delay = min(delay * 2, self.config.reconnect_max_s)
                self._publish(ConnectionState.RECONNECTING,
                              f"Reconnect attempt {attempt} failed: {describe(exc)} Next try in {delay:g} s.")
                continue
            text = f"Reconnected after {attempt} attempt(s). {self._connected_text()}"
            self._publish(ConnectionState.CONNECTED, text)
            return

    def _publish(self, state: ConnectionState, message: str) -> None:
        self._state = state
        self._sink(ConnectionChanged(self.account_id, state, message))

    def _connected_text(self) -> str:
        mode = " (read-only)" if self.config.read_only else ""
        return f"Connected to TWS at {self._where} as client {self.config.client_id}, account {self._account}{mode}."

    @property
    def _where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _require_connected(self, action: str) -> None:
        if not self.is_connected or not self._ib.isConnected():
            raise ConnectionLost(f"IB account {self.account_id} is not connected to TWS; connect, then {action} again.")

    async def _request(self, awaitable: Awaitable[T], what: str) -> T:
        try:
            return await asyncio.wait_for(awaitable, self.config.request_timeout_s)
        except TimeoutError:
            raise Timeout(f"TWS did not send the {what} within {self.config.request_timeout_s:g} s; "
                          "try reconnecting.") from None
        except ConnectionError:
            raise ConnectionLost(f"The connection to TWS dropped while reading the {what}.") from None

    def _let_tws_read(self) -> None:
        """Give up the rest of this time slice after writing to a TWS on this machine, so it reads the bytes now.

        TWS or IB Gateway usually runs beside TradeTerm. On a machine with few cores the woken
        gateway otherwise waits while the window repaints after the click: on the 2-vCPU benchmark
        VM that put click to wire at p99 6 ms instead of 4 (bench/click_to_wire). It costs a system
        call when nothing else is waiting to run.
        """
        if self._local_tws and _sched_yield is not None:
            _sched_yield()

    def _on_next_valid_id(self, order_id: int) -> None:
        """TWS's answer to reqIds (after a 103): the next order goes out above every id TWS has seen."""
        self._order_id_high = max(self._order_id_high, order_id - 1)
        self._ib.client.updateReqId(order_id)  # type: ignore[no-untyped-call]
        resync, self._ids_resync = self._ids_resync, None
        if resync is not None and not resync.done():
            resync.set_result(None)

    def _next_order_id(self) -> int:
        """Return an order id above every id used so far (IB answers 103 to a reused one)."""
        order_id = max(self._ib.client.getReqId(), self._order_id_high + 1)
        self._order_id_high = order_id
        self._ib.client.updateReqId(order_id + 1)  # type: ignore[no-untyped-call]
        return order_id

    # --- contracts -------------------------------------------------------------------------------

    async def _qualify_watchlist(self) -> None:
        for spec in self.config.symbols:
            try:
                details = await self._details(contract_for_spec(spec), spec)
            except (ValueError, InvalidInstrument) as exc:
                self._sink(LogMessage("WARNING", f"IB watchlist: {exc}"))
                continue
            self._remember(details)

    async def _qualify(self, instrument: Instrument) -> Contract:
        """Return the qualified contract (with conId) for instrument, from the cache or IB."""
        cached = self._contracts.get(instrument.symbol)
        if cached is not None:
            return cached
        details = await self._details(contract_for(instrument), instrument.symbol)
        return self._remember(details)

    async def _details(self, contract: Contract, what: str) -> Any:
        found = await self._request(self._ib.reqContractDetailsAsync(contract), f"contract details of {what}")
        if len(found) != 1:
            problem = "has no contract" if not found else f"has {len(found)} matching contracts"
            raise InvalidInstrument(f"IB {problem} for {what}: check the symbol, exchange and currency.")
        return found[0]

    def _remember(self, details: Any) -> Contract:
        instrument = instrument_from_details(details)
        contract: Contract = details.contract
        self._instruments[instrument.symbol] = instrument
        self._contracts[instrument.symbol] = contract
        self._symbols_by_con_id[contract.conId] = instrument.symbol
        return contract

    def _symbol_for(self, contract: Contract) -> str:
        return self._symbols_by_con_id.get(contract.conId) or symbol_of(contract)

    # --- streams ---------------------------------------------------------------------------------

    def _on_commission(self, trade: Trade, fill: IbFill, report: CommissionReport) -> None:
        self._tracker.on_commission(trade, fill, report)

    def _on_error(self, req_id: int, code: int, message: str, contract: object) -> None:
        if code == 103 and self._ids_resync is None:  # ids used elsewhere (TWS, another session): ask for the next
            self._ids_resync = asyncio.get_running_loop().create_future()
            self._ib.client.reqIds(1)  # type: ignore[no-untyped-call]
        if self._tracker.on_error(req_id, code, message) or self._depth.on_error(req_id, code, message) \
                or self._tape.on_error(req_id, code, message):
            return
        if code in MARKET_DATA_ERRORS:
            symbol = self._symbols_by_con_id.get(contract.conId) if isinstance(contract, Contract) else None
            if symbol is not None:
                self._sink(MarketDataError(self.account_id, symbol, code, message))
        error = translate_error(code, message)
        if error.kind in _WORTH_LOGGING and code != 200:  # 200 on a request surfaces as InvalidInstrument
            level = "INFO" if error.kind is IbErrorKind.CONNECTIVITY_RESTORED else "WARNING"
            self._sink(LogMessage(level, f"IB {self.account_id}: {error.text}"))
        if code == 1100 and self._state is ConnectionState.CONNECTED:
            self._servers_lost = True
            self._publish(ConnectionState.RECONNECTING, f"TWS at {self._where} lost its connection to IB's servers "
                                                        "(error 1100): orders cannot reach IB until TWS is back.")
        elif code in (1101, 1102) and self._servers_lost:
            self._servers_lost = False  # orders may have filled or ended meanwhile: the session reconciles
            back = f"TWS is connected to IB's servers again. {self._connected_text()}"
            self._publish(ConnectionState.CONNECTED, back)
        if code == 1101:
            for instrument in self._subscribed.values():
                contract_ = self._contracts.get(instrument.symbol)
                if contract_ is not None:
                    self._ib.cancelMktData(contract_)
                    self._ib.reqMktData(contract_)

    def _on_tickers(self, tickers: set[Ticker]) -> None:
        self._depth.on_tickers(tickers)
        self._tape.on_tickers(tickers)
        quotes = []
        for ticker in tickers:
            symbol = self._symbols_by_con_id.get(ticker.contract.conId) if ticker.contract else None
            if symbol is None or symbol not in self._subscribed:
                continue
            quote = parse_quote(symbol, ticker, source=self.account_id)
            if quote is not None:
                quotes.append(quote)
        if quotes:
            self._quotes(quotes)

    async def account_funds(self) -> AccountFunds:
        """Return IB's cash, net liquidation, buying power and margin (the account values TWS keeps current)."""
        if not self.is_connected:
            raise ConnectionLost(f"IB {self.account_id} is not connected: its funds cannot be read. Connect it.")
        return parse_funds(self._ib.accountValues(self._account), self._account, self.account_id, self.pnl,
                           utc_now())

    def _on_account_value(self, value: AccountValue) -> None:
        if value.account == self._account and value.tag == "CashBalance" and self.is_connected:
            cash = parse_cash(self._ib.accountValues(self._account), self._account)
            self._sink(AccountUpdated(self.account_id, cash))

    def _on_position(self, position: Any) -> None:
        if position.account == self._account and self.is_connected:
            self._watch_pnl(position.contract)

    def _watch_pnl(self, contract: Contract) -> None:
        symbol = self._symbol_for(contract)
        if symbol not in self.pnl_by_symbol and contract.conId:
            self._pnl_symbols[contract.conId] = symbol
            self.pnl_by_symbol[symbol] = self._ib.reqPnLSingle(self._account, "", contract.conId)

    def _on_pnl(self, pnl: PnL) -> None:
        if pnl.account == self._account:
            self._sink(parse_pnl(pnl, self.account_id))

    def _on_pnl_single(self, pnl: PnLSingle) -> None:
        symbol = self._pnl_symbols.get(pnl.conId)
        if pnl.account == self._account and symbol is not None:
            self._sink(parse_pnl_single(pnl, self.account_id, symbol))

    def _fills(self, executions: Sequence[IbFill]) -> list[Fill]:
        known = self._ib.wrapper.fills
        fills = []
        for execution in executions:
            if self._account and execution.execution.acctNumber != self._account:
                continue
            richer = known.get(execution.execution.execId)
            source = richer if richer is not None and richer.commissionReport.execId else execution
            fills.append(parse_fill(source, self.account_id, self._symbol_for(source.contract)))
        return fills


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink, *,
           quotes: QuoteSink | None = None) -> IbBroker:
    """Build an IB account from its settings (see IbConfig.from_mapping); the registry's factory."""
    return IbBroker(account_id, IbConfig.from_mapping(settings), sink, quotes=quotes)
