"""IbBroker: an Interactive Brokers account through TWS or IB Gateway, with ib_async's *Async API on our loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from ib_async import IB, CommissionReport, Contract, PnL, PnLSingle, Trade
from ib_async import Fill as IbFill

from core.adapters.ib.account_state import IbAccountState
from core.adapters.ib.brackets import detach_from_filled_parent, leg_outcomes, link_bracket, link_oco
from core.adapters.ib.config import IbConfig
from core.adapters.ib.connection import describe, open_connection
from core.adapters.ib.depth import IbDepth
from core.adapters.ib.hours import hours_from_details
from core.adapters.ib.kept_bars import IbKeptBars
from core.adapters.ib.market_data import IbMarketData
from core.adapters.ib.parsing import (
    IbErrorKind,
    build_order,
    contract_for,
    contract_for_spec,
    instrument_from_details,
    parse_cash,
    symbol_of,
    translate_error,
)
from core.adapters.ib.search import IbSymbolSearch
from core.adapters.ib.tape import IbTape
from core.adapters.ib.tracker import OrderTracker
from core.adapters.ib.trail_levels import IbTrailLevels
from core.adapters.ib.wire_fields import use_quick_send
from core.domain import (
    AccountId,
    AccountUpdated,
    ConnectionChanged,
    ConnectionState,
    Instrument,
    LogMessage,
    Order,
    OrderCancelRejected,
    OrderModifyRejected,
    OrderType,
    Price,
    Quantity,
    TimeInForce,
)
from core.domain.market_data_error import MarketDataError
from core.domain.trading_hours import TradingHours
from core.domain.trailing import TrailUnit
from core.ports.broker import (
    EventSink,
    QuoteSink,
    quotes_one_by_one,
)
from core.ports.errors import (
    AuthenticationFailed,
    BrokerError,
    ConnectionLost,
    InvalidInstrument,
    OrderRejected,
    Timeout,
)
from core.ports.order_terms import EVERY_ACCOUNT_TIFS

log = logging.getLogger(__name__)
T = TypeVar("T")
_DONE = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_sched_yield = getattr(os, "sched_yield", None)  # POSIX only
MARKET_DATA_ERRORS = frozenset({101, 200, 354, 10090, 10168, 10186, 10197})
"""IB's answers to a market-data request that mean no quotes for that contract (101: max tickers reached)."""
_WORTH_LOGGING = frozenset({
    IbErrorKind.CONNECTIVITY_LOST, IbErrorKind.CONNECTIVITY_RESTORED, IbErrorKind.WARNING, IbErrorKind.ERROR,
})


class IbBroker(IbMarketData, IbAccountState):
    """One IB account. Implements core.ports.broker.BrokerAdapter.

    Market data (search, quotes, depth, tape, history) lives in market_data.py (IbMarketData); snapshot,
    order lookup, funds and P&L streams in account_state.py (IbAccountState).

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
    trail_units: frozenset[TrailUnit] = frozenset(TrailUnit)
    """IB works trailing stops (TRAIL) by an amount or a percent (core.ports.trailing_stops.TrailingStops)."""
    trails_with_limit: bool = True
    """And trailing stop-limits, TRAIL LIMIT with lmtPriceOffset (core.ports.trailing_stop_limits)."""
    times_in_force: frozenset[TimeInForce] = EVERY_ACCOUNT_TIFS | {TimeInForce.GTD}
    """core.ports.order_terms.OrderTerms: GTD goes out with goodTillDate (the order's expire_at, in UTC)."""
    extra_order_types: frozenset[OrderType] = frozenset()

    def __init__(self, account_id: AccountId, config: IbConfig, sink: EventSink, *,
                 quotes: QuoteSink | None = None) -> None:
        self.account_id = AccountId(account_id)
        self.config = config
        self._local_tws = config.host in _LOOPBACK
        self._sink = sink
        self._quotes = quotes or quotes_one_by_one(sink)
        self._ib = IB()
        self._ib.RaiseRequestErrors = False
        use_quick_send(self._ib.client)  # every message's fields laid out at a third of ib_async's CPU
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
        self._kept_bars = IbKeptBars(self.account_id, self._ib, sink)
        ib = self._ib
        ib.wrapper.nextValidId = self._on_next_valid_id  # type: ignore[method-assign,assignment]  # ib_async ignores it
        self._trail_levels = IbTrailLevels(ib, sink)  # trailStopPrice of each openOrder (trail_levels.py)
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

    async def submit_oco(self, first: Order, second: Order) -> list[BaseException | None]:
        """Place two orders in one OCA group (brackets.link_oco), each once; return each one's outcome as
        submit_bracket does."""
        self._require_connected("send the order")
        if self.config.read_only:
            raise OrderRejected("This IB connection is read-only: untick read-only in the connection panel to trade.")
        legs = (first, second)
        contracts = [await self._contract_to_send(leg) for leg in legs]
        ib_orders = [build_order(leg, self._account, self.config.outside_rth) for leg in legs]
        for ib_order in ib_orders:
            ib_order.orderId = self._next_order_id()
        link_oco(ib_orders[0], ib_orders[1])
        tracked = [self._tracker.expect(leg.client_order_id, leg.symbol, ib_order.orderId)
                   for leg, ib_order in zip(legs, ib_orders, strict=True)]
        try:
            for track, contract, ib_order in zip(tracked, contracts, ib_orders, strict=True):
                track.trade = self._ib.placeOrder(contract, ib_order)
            self._let_tws_read()
        except ConnectionError:
            raise ConnectionLost(
                "The connection to TWS dropped while sending the OCO pair; its orders are checked on reconnect."
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
        await self._renew_kept_bars()

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

    async def trading_hours(self, instrument: Instrument, now: datetime) -> TradingHours | None:
        """Return instrument's regular hours from IB's contract details (TradingHoursSource), asked afresh."""
        contract = await self._qualify(instrument)
        details = await self._details(Contract(conId=contract.conId, exchange=contract.exchange), instrument.symbol)
        return hours_from_details(contract.primaryExchange or contract.exchange or instrument.venue, details)

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


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink, *,
           quotes: QuoteSink | None = None) -> IbBroker:
    """Build an IB account from its settings (see IbConfig.from_mapping); the registry's factory."""
    return IbBroker(account_id, IbConfig.from_mapping(settings), sink, quotes=quotes)
