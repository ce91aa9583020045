"""TwsSimulator: a TWS API server on 127.0.0.1 that ib_async talks to over the real socket protocol.

Several clients at once, each a `ClientConnection`; one shared `OrderBook` and `SimMarket`.
Faults are switched on through `sim.faults` (see tests/sims/tws/faults.py) and `drop_*` / `fill_order` calls;
`sim.faults.drops` counts the connections dropped, by cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from core.adapters.paper.matching import Outcome
from core.domain import Quote
from tests.sims.tws.account_requests import AccountRequests
from tests.sims.tws.accounts import AccountView
from tests.sims.tws.attached import after_fill, attached_fields, cancel_children, check_parent_of_change
from tests.sims.tws.depth import DepthRequests, DepthSubscription
from tests.sims.tws.faults import NOTICES, Faults
from tests.sims.tws.good_till import expire_due, good_till_field, parse_good_till
from tests.sims.tws.history import HistoryRequests
from tests.sims.tws.impolite import ImpoliteRequests, is_what_if
from tests.sims.tws.market import DEFAULT_LISTINGS, Listing, SimMarket
from tests.sims.tws.market_requests import MarketRequests, MarketSubscription
from tests.sims.tws.messages import Encoder
from tests.sims.tws.option_params import req_sec_def_opt_params
from tests.sims.tws.orders import PRICE_VARIATION, OrderBook, SimExecution, SimOrder, SimReject
from tests.sims.tws.protocol import Field, ProtocolError, encode, read_greeting, read_message
from tests.sims.tws.tape import TapeRequests
from tests.sims.tws.trailing import trailing_fields

log = logging.getLogger(__name__)

SERVER_VERSION = 157
FARM_NOTICES = (
    (2104, "Market data farm connection is OK:usfarm"),
    (2106, "HMDS data farm connection is OK:ushmds"),
    (2158, "Sec-def data farm connection is OK:secdefil"),
)


@dataclass(eq=False)
class ClientConnection:
    """One API client socket after the handshake."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    encoder: Encoder
    client_id: int = -1
    market_data: dict[int, MarketSubscription] = field(default_factory=dict)
    account_updates: str | None = None
    positions: bool = False
    pnl: dict[int, str] = field(default_factory=dict)
    pnl_single: dict[int, tuple[str, int]] = field(default_factory=dict)
    depth: dict[int, DepthSubscription] = field(default_factory=dict)
    tape: dict[int, tuple[str, int]] = field(default_factory=dict)

    def send(self, fields: list[Field]) -> None:
        if not self.writer.is_closing():
            self.writer.write(encode(fields))

    def drop(self) -> None:
        """Close the socket now, as a crashed or restarting TWS does."""
        transport = self.writer.transport
        if not transport.is_closing():
            transport.abort()


class TwsSimulator(MarketRequests, HistoryRequests, DepthRequests, TapeRequests, AccountRequests, ImpoliteRequests):
    """The simulated TWS: `await start()`, read `port`, connect ib_async to it, `await stop()`."""

    def __init__(
        self,
        accounts: Sequence[str] = ("DU1234567",),
        listings: Sequence[Listing] = DEFAULT_LISTINGS,
        *,
        seed: int = 7,
        tick_interval_s: float = 0.05,
        server_version: int = SERVER_VERSION,
    ) -> None:
        self.accounts = tuple(accounts)
        self.market = SimMarket(listings, seed)
        self.book = OrderBook(self.accounts)
        self.good_till: dict[str, datetime] = {}
        """Working GTD orders' ends, by the engine's order key (good_till.py)."""
        self.accounts_view = AccountView(self.book, self.market)
        self.faults = Faults()
        self.tick_interval_s = tick_interval_s
        self.max_tickers: int | None = None
        """Market-data lines per client: the next reqMktData gets IB's error 101 (None: no limit)."""
        self.server_version = server_version
        self.connections: dict[int, ClientConnection] = {}
        self.requests: list[tuple[int, list[str]]] = []
        self._sockets: set[ClientConnection] = set()
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._on_client, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever(), name="tws-sim-market")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for conn in list(self._sockets):
            conn.drop()
        if self._server is not None:
            self._server.close()
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=2)
        stragglers = list(self._handlers)
        for task in stragglers:
            task.cancel()
        if stragglers:  # let their `finally` abort the transports...
            await asyncio.wait(stragglers, timeout=2)
        for _ in range(3):  # ...and the loop run the callbacks that close the sockets
            await asyncio.sleep(0)
        if self._server is not None:
            await self._server.wait_closed()

    # --- control (fault injection and test hooks) ------------------------------------------------

    def drop_all(self) -> None:
        """Drop every client connection at once."""
        for conn in list(self._sockets):
            self._drop(conn, "drop_all")

    def drop_client(self, client_id: int) -> None:
        """Drop one client's connection now (nothing happens if it is not connected)."""
        conn = self.connections.get(client_id)
        if conn is not None:
            self._drop(conn, "drop_client")

    def nightly_restart(self) -> None:
        """Drop every client and start a new trading day, as TWS's nightly restart does (see OrderBook.new_day)."""
        for conn in list(self._sockets):
            self._drop(conn, "nightly_restart")
        self.book.new_day()

    def _drop(self, conn: ClientConnection, cause: str) -> None:
        if not conn.writer.transport.is_closing():
            self.faults.drops[cause] += 1
        conn.drop()

    def fill_order(self, order: SimOrder, price: Decimal | None = None) -> list[SimExecution]:
        """Fill what is left of a working order now (at its limit, or price), reporting to its client if connected."""
        fill_price = price if price is not None else order.limit_price or self.market.mark(order.listing.key)
        return self._settle_outcomes([self.book.fill_now(order, fill_price)])

    # --- connection ------------------------------------------------------------------------------

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        conn: ClientConnection | None = None
        try:
            if self.faults.refuse_connects:
                return
            low, high = await read_greeting(reader)
            if not low <= self.server_version <= high:
                log.warning("client speaks v%d..%d; simulator is %d: closing", low, high, self.server_version)
                return
            encoder = Encoder(self.server_version)
            conn = ClientConnection(reader, writer, encoder)
            self._sockets.add(conn)
            conn.send(encoder.handshake(datetime.now(UTC)))
            await self._serve(conn)
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolError) as exc:
            log.debug("client connection ended: %r", exc)
        except asyncio.CancelledError:
            log.debug("client connection cancelled by stop()")
        finally:
            if conn is not None:
                self._sockets.discard(conn)
                if self.connections.get(conn.client_id) is conn:
                    del self.connections[conn.client_id]  # release the client id on EOF
            writer.transport.abort()
            self._handlers.discard(task)

    async def _serve(self, conn: ClientConnection) -> None:
        while True:
            fields = await read_message(conn.reader)
            if not fields:
                continue
            msg_id = int(fields[0])
            self.requests.append((conn.client_id, fields))
            if self.faults.delay_s > 0:
                await asyncio.sleep(self.faults.delay_s)
            if msg_id == 71:
                if not self._start_api(conn, int(fields[2])):
                    await conn.writer.drain()
                    return
            else:
                self._dispatch(conn, msg_id, fields)
            await conn.writer.drain()

    def _start_api(self, conn: ClientConnection, client_id: int) -> bool:
        enc = conn.encoder
        if client_id in self.connections:
            conn.send(enc.error(-1, 326, f"Unable to connect as the client id {client_id} is already in use. "
                                         "Retry with a unique client id."))
            return False
        conn.client_id = client_id
        self.connections[client_id] = conn
        conn.send(enc.next_valid_id(self.book.next_valid_id(client_id)))
        conn.send(enc.managed_accounts(self.accounts))
        for code, text in FARM_NOTICES:
            conn.send(enc.error(-1, code, text))
        return True

    def _dispatch(self, conn: ClientConnection, msg_id: int, f: list[str]) -> None:
        handler = _HANDLERS.get(msg_id)
        if handler is None:
            log.info("simulator ignores request %s", f)
            return
        try:
            handler(self, conn, f)
            if msg_id in (3, 4):  # an order rests on or leaves the book: depth shows it at once
                self.send_depth()
        except SimReject as reject:
            conn.send(conn.encoder.error(int(f[1]) if msg_id == 3 else -1, reject.code, reject.message))

    # --- requests --------------------------------------------------------------------------------

    def _req_ids(self, conn: ClientConnection, f: list[str]) -> None:
        conn.send(conn.encoder.next_valid_id(self.book.next_valid_id(conn.client_id)))

    def _req_current_time(self, conn: ClientConnection, f: list[str]) -> None:
        conn.send(conn.encoder.current_time(int(datetime.now(UTC).timestamp())))

    def _req_managed_accounts(self, conn: ClientConnection, f: list[str]) -> None:
        conn.send(conn.encoder.managed_accounts(self.accounts))

    def _req_open_orders(self, conn: ClientConnection, f: list[str]) -> None:
        for order in self.book.working_of(conn.client_id):
            conn.send(conn.encoder.open_order(order))
            conn.send(conn.encoder.order_status(order))
        conn.send(conn.encoder.open_order_end())

    def _req_completed_orders(self, conn: ClientConnection, f: list[str]) -> None:
        for order in self.book.completed():
            conn.send(conn.encoder.completed_order(order))
        conn.send(conn.encoder.completed_orders_end())

    def _req_executions(self, conn: ClientConnection, f: list[str]) -> None:
        req_id, client_id, account, since = int(f[2]), int(f[3] or 0), f[4], _parse_filter_time(f[5])
        symbol, sec_type, side = f[6], f[7], f[9]
        for execution in self.book.executions_since(since, account, client_id, symbol, sec_type, side):
            conn.send(conn.encoder.exec_details(req_id, execution))
            conn.send(conn.encoder.commission_report(execution))
        conn.send(conn.encoder.exec_details_end(req_id))

    def _place_order(self, conn: ClientConnection, f: list[str]) -> None:
        order_id = int(f[1])
        fields = {
            "action": f[16], "quantity": f[17], "order_type": f[18], "limit": f[19], "aux": f[20], "tif": f[21],
            "account": f[23], "order_ref": f[26], "outside_rth": f[33], **attached_fields(f, self.server_version),
            **trailing_fields(f, self.server_version),
        }
        if not int(f[2] or 0) and not f[9]:  # no conId and no exchange: TWS refuses it before looking the contract up
            self._burn_id(conn, order_id)
            raise SimReject(321, "Error validating request.-'bC' : cause - Please enter exchange")
        if is_what_if(f, self.server_version):
            self._what_if(conn, order_id, f, fields)
            return
        if self.book.attached.hold(conn.client_id, f, lambda leg: self._place_leg(conn, leg)):
            return  # transmit=0: held until the group's last leg (attached.py)
        existing = self.book.orders.get((conn.client_id, order_id))
        if existing is not None and existing.is_working:
            self._modify(conn, existing, fields)
            return
        found = self._find(f[2:14])
        if len(found) != 1:
            self._burn_id(conn, order_id)
            raise SimReject(200, "No security definition has been found for the request")
        listing = found[0]
        if self.faults.drop_on_receive:
            self.faults.drop_on_receive = False
            self._drop(conn, "drop_on_receive")
            return
        if self.faults.off_tick_next:
            self.faults.off_tick_next = False
            self._burn_id(conn, order_id)
            raise SimReject(110, PRICE_VARIATION)
        if self.faults.reject_next is not None:
            reason, self.faults.reject_next = self.faults.reject_next, None
            self._reject_inactive(conn, self.book.book_inactive(conn.client_id, order_id, listing, fields), reason)
            return
        quote = self.market.quote(listing.key)
        if self.faults.rest_orders:
            quote = type(quote)(symbol=quote.symbol)  # no prices: nothing can match yet
        try:
            ends = parse_good_till(good_till_field(f), fields["tif"].upper())
        except SimReject:
            self._burn_id(conn, order_id)
            raise
        order, outcomes = self.book.place(conn.client_id, order_id, listing, fields, quote)
        if ends is not None:
            self.good_till[order.coid] = ends
        if self.faults.drop_before_ack:
            self.faults.drop_before_ack = False
            self._drop(conn, "drop_before_ack")
            self._settle_outcomes(outcomes)
            return
        if self.faults.silent_next:
            self.faults.silent_next = False
            return
        notice = self.faults.take_notice()
        if notice is not None and notice[1]:
            conn.send(conn.encoder.error(order_id, notice[0], NOTICES[notice[0]]))
        conn.send(conn.encoder.open_order(order))
        conn.send(conn.encoder.order_status(order))
        if notice is not None and not notice[1]:
            conn.send(conn.encoder.error(order_id, notice[0], NOTICES[notice[0]]))
        if self.faults.drop_after_ack:
            self.faults.drop_after_ack = False
            self._drop(conn, "drop_after_ack")
        self._settle_outcomes(outcomes)

    def _place_leg(self, conn: ClientConnection, f: list[str]) -> None:
        try:
            self._place_order(conn, f)
        except SimReject as reject:
            conn.send(conn.encoder.error(int(f[1]), reject.code, reject.message))

    def _modify(self, conn: ClientConnection, existing: SimOrder, fields: dict[str, str]) -> None:
        """A placeOrder with the id of a working order: change it, or refuse as TWS does (it keeps working)."""
        if self.faults.ignore_modify_next:
            self.faults.ignore_modify_next = False
            return
        if self.faults.not_found_on_modify_next:
            self.faults.not_found_on_modify_next = False
            raise SimReject(135, f"Can't find order with id ={existing.order_id}")
        if self.faults.off_tick_next:
            self.faults.off_tick_next = False
            raise SimReject(110, PRICE_VARIATION)
        check_parent_of_change(self.book, existing, fields)
        outcomes = self.book.modify(existing, fields, self.market.quote(existing.listing.key))
        conn.send(conn.encoder.open_order(existing))
        conn.send(conn.encoder.order_status(existing))
        self._settle_outcomes(outcomes)

    def _burn_id(self, conn: ClientConnection, order_id: int) -> None:
        """TWS remembers an order id it refused: the client must go above it."""
        self.book.high_water[conn.client_id] = max(order_id, self.book.high_water.get(conn.client_id, 0))

    def _reject_inactive(self, conn: ClientConnection, order: SimOrder, reason: str) -> None:
        """Error 201, then openOrder and orderStatus Inactive: how TWS refuses an order (ib_insync #554)."""
        owner = self.connections.get(order.client_id, conn)
        owner.send(owner.encoder.error(order.order_id, 201, f"Order rejected - reason:{reason}"))
        owner.send(owner.encoder.open_order(order))
        owner.send(owner.encoder.order_status(order))

    def confirm_pending_cancels(self) -> None:
        """The exchange confirms every PendingCancel: each is Cancelled, then 202, as for a plain cancel."""
        for order in [o for o in self.book.orders.values() if o.status == "PendingCancel"]:
            self._cancel_and_tell(order)

    def _cancel_and_tell(self, order: SimOrder) -> None:
        """Cancel order in the book and tell the client that placed it: openOrder, orderStatus, then 202."""
        self.book.cancel(order.client_id, order.order_id)
        owner = self.connections.get(order.client_id)
        if owner is not None:
            owner.send(owner.encoder.open_order(order))
            owner.send(owner.encoder.order_status(order))
            owner.send(owner.encoder.error(order.order_id, 202, "Order Canceled - reason:"))
        cancel_children(self, order)

    def inactivate(self, order: SimOrder, reason: str) -> None:
        """Refuse a working order after the fact (201, then Inactive), as IB does at the open or on margin."""
        self.book.inactivate(order)
        self._reject_inactive(self.connections.get(order.client_id) or next(iter(self._sockets)), order, reason)

    def servers_lost(self) -> None:
        """Tell every client TWS lost IB's servers (1100); the API sockets stay up."""
        for conn in list(self._sockets):
            conn.send(conn.encoder.error(-1, 1100, "Connectivity between IB and Trader Workstation has been lost."))

    def servers_restored(self, data_lost: bool = False) -> None:
        """Tell every client TWS is back with IB's servers: 1101 (market data lost: resubscribe) or 1102."""
        code, kept = (1101, "data lost") if data_lost else (1102, "data maintained")
        for conn in list(self._sockets):
            conn.send(conn.encoder.error(-1, code, "Connectivity between IB and Trader Workstation has been "
                                                   f"restored - {kept}."))

    def use_ids_elsewhere(self, client_id: int, count: int) -> None:
        """Use `count` order ids of client_id from another session (TWS, another program): 103 for a reused one."""
        self.book.high_water[client_id] = self.book.high_water.get(client_id, 0) + count

    def _cancel_order(self, conn: ClientConnection, f: list[str]) -> None:
        order_id = int(f[2])
        if self.faults.drop_before_cancel:
            self.faults.drop_before_cancel = False
            self._drop(conn, "drop_before_cancel")
            return
        if self.faults.slow_cancel_next:  # PendingCancel now; the exchange confirms later (or fills first)
            self.faults.slow_cancel_next = False
            order = self.book.orders.get((conn.client_id, order_id))
            if order is not None and order.is_working:
                order.status = "PendingCancel"
                conn.send(conn.encoder.open_order(order))
                conn.send(conn.encoder.order_status(order))
                return
        if self.faults.cancel_refused_next:
            self.faults.cancel_refused_next = False
            known = self.book.orders.get((conn.client_id, order_id))
            perm = known.perm_id if known is not None else 0
            conn.send(conn.encoder.error(order_id, 161, "Cancel attempted when order is not in a cancellable "
                                                        f"state. Order permId ={perm}"))
            return
        try:
            order = self.book.cancel(conn.client_id, order_id)
        except SimReject as reject:
            conn.send(conn.encoder.error(order_id, reject.code, reject.message))
            return
        if self.faults.drop_after_cancel:
            self.faults.drop_after_cancel = False
            self._drop(conn, "drop_after_cancel")
            return
        conn.send(conn.encoder.open_order(order))
        conn.send(conn.encoder.order_status(order))
        conn.send(conn.encoder.error(order_id, 202, "Order Canceled - reason:"))
        cancel_children(self, order)

    def _global_cancel(self, conn: ClientConnection, f: list[str]) -> None:
        working = [o for o in self.book.orders.values() if o.is_working]
        missed, self.faults.global_cancel_misses = self.faults.global_cancel_misses, 0
        for order in working[missed:]:
            self._cancel_and_tell(order)

    def _ignore(self, conn: ClientConnection, f: list[str]) -> None:
        pass

    # --- fills and pushes ------------------------------------------------------------------------

    def _settle_outcomes(self, outcomes: list[Outcome]) -> list[SimExecution]:
        booked: list[SimExecution] = []
        for outcome in outcomes:
            parts = self.faults.partial_fills
            self.faults.partial_fills = 0
            order, executions = self.book.settle(outcome, parts or 1)
            if not executions:
                self._report_status(order)
                continue
            booked += executions
            owner = self.connections.get(order.client_id)
            for index, execution in enumerate(executions):
                self._report_execution(execution)
                if index == 0 and len(executions) > 1 and self.faults.drop_between_partials:
                    self.faults.drop_between_partials = False
                    if owner is not None:
                        self._drop(owner, "drop_between_partials")
            self._push_account(order.account)
            if order.status == "Filled":
                after_fill(self, order)
        return booked

    def match_quote(self, quote: Quote) -> list[SimExecution]:
        """Match the book against quote and report it as TWS does: moved trailing stops (openOrder), then fills."""
        outcomes = self.book.match(quote)
        for moved in self.book.moved_trails():
            self._report_status(moved)
        return self._settle_outcomes(outcomes)

    def _report_status(self, order: SimOrder) -> None:
        owner = self.connections.get(order.client_id)
        if owner is not None:
            owner.send(owner.encoder.open_order(order))
            owner.send(owner.encoder.order_status(order))

    def _report_execution(self, execution: SimExecution) -> None:
        """Send one fill in the order TWS does: execDetails, openOrder, orderStatus, commissionReport."""
        owner = self.connections.get(execution.order.client_id)
        if owner is None or owner.writer.is_closing():
            return
        enc = owner.encoder
        owner.send(enc.exec_details(-1, execution))
        owner.send(enc.open_order(execution.order))
        owner.send(enc.order_status(execution.order))
        owner.send(enc.commission_report(execution))

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval_s)
            try:
                self._tick()
            except Exception:
                log.exception("simulated market tick failed")

    def _tick(self) -> None:
        for quote in self.market.step():
            self._push_live_bars(quote)
            self.send_prints(quote)
            if not self.faults.rest_orders:
                self.match_quote(quote)
            for conn in list(self._sockets):
                for sub in list(conn.market_data.values()):
                    if sub.listing.key == quote.symbol:
                        self._send_ticks(conn, sub.req_id, sub.listing)
        if self.good_till:
            self._settle_outcomes(expire_due(self.book.engine, self.good_till, datetime.now(UTC)))
        self.send_depth()


def _parse_filter_time(text: str) -> datetime | None:
    """Parse an ExecutionFilter time: 'YYYYMMDD-HH:MM:SS' (UTC), 'YYYYMMDD HH:MM:SS' (UTC) or with ' UTC'."""
    text = text.strip().removesuffix(" UTC").strip()
    if not text:
        return None
    for pattern in ("%Y%m%d-%H:%M:%S", "%Y%m%d %H:%M:%S"):
        with contextlib.suppress(ValueError):
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
    raise SimReject(321, f"Error validating request: execution filter time {text!r} is not yyyymmdd-hh:mm:ss")


_HANDLERS = {
    1: TwsSimulator._req_mkt_data,
    10: TwsSimulator._req_mkt_depth,
    11: TwsSimulator._cancel_mkt_depth,
    16: TwsSimulator._req_all_open_orders,
    20: TwsSimulator._req_historical_data,
    25: TwsSimulator._cancel_historical_data,
    78: req_sec_def_opt_params,
    81: TwsSimulator._req_matching_symbols,
    82: TwsSimulator._req_mkt_depth_exchanges,
    87: TwsSimulator._req_head_timestamp,
    90: TwsSimulator._ignore,
    97: TwsSimulator._req_tick_by_tick,
    98: TwsSimulator._cancel_tick_by_tick,
    2: TwsSimulator._cancel_mkt_data,
    3: TwsSimulator._place_order,
    4: TwsSimulator._cancel_order,
    5: TwsSimulator._req_open_orders,
    6: TwsSimulator._req_account_updates,
    7: TwsSimulator._req_executions,
    8: TwsSimulator._req_ids,
    9: TwsSimulator._req_contract_details,
    15: TwsSimulator._ignore,
    17: TwsSimulator._req_managed_accounts,
    49: TwsSimulator._req_current_time,
    58: TwsSimulator._global_cancel,
    59: TwsSimulator._ignore,
    61: TwsSimulator._req_positions,
    62: TwsSimulator._req_account_summary,
    63: TwsSimulator._ignore,
    64: TwsSimulator._cancel_positions,
    76: TwsSimulator._req_account_updates_multi,
    77: TwsSimulator._ignore,
    92: TwsSimulator._req_pnl,
    93: TwsSimulator._cancel_pnl,
    94: TwsSimulator._req_pnl_single,
    95: TwsSimulator._cancel_pnl_single,
    99: TwsSimulator._req_completed_orders,
}
