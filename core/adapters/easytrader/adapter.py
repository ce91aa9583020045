"""EasytraderBroker: a Chinese A-share account through an easytrader server (easytrader.remoteclient).

easytrader drives the broker's Windows desktop client; TradeTerm talks to the easytrader server that
runs beside it, over plain HTTP with no authentication (see config.NO_AUTH_WARNING). Every call is a
blocking `requests` call made in a worker thread with a timeout (the remote client sets none). The
protocol has no quotes, no streaming and no client reference field: order states and fills come from
polling today's entrusts and trades (polling.TodayPolling, mixed in here), and our ClientOrderId is linked to the
entrust number by OrderMap.

easytrader is imported on first connect, never at module import, so TradeTerm runs without it until an
easytrader account is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.adapters.easytrader.config import CLIENT_TYPES, EasytraderConfig
from core.adapters.easytrader.funds import account_funds_of
from core.adapters.easytrader.hours import a_share_hours
from core.adapters.easytrader.names import AShareSearch
from core.adapters.easytrader.order_map import MappedOrder, OrderMap
from core.adapters.easytrader.parsing import (
    CURRENCY,
    Funds,
    Holding,
    cancel_refusal,
    china_today,
    columns_for,
    entrust_no_of,
    instrument_for,
    is_a_share_code,
    parse_funds,
    translate_error,
)
from core.adapters.easytrader.polling import TodayPolling
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    Instrument,
    LogMessage,
    Money,
    Order,
    OrderAccepted,
    OrderCancelRejected,
    OrderModifyRejected,
    OrderType,
    Price,
    Quantity,
    Side,
    TimeInForce,
)
from core.domain.funds import AccountFunds
from core.domain.trading_hours import TradingHours
from core.ports.broker import BrokerPosition, BrokerSnapshot, EventSink, QuoteSink
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

Credentials = Callable[[], tuple[str | None, str | None]]
"""Return (password, communication password) from the keyring; never stored in settings."""

_GRACE_S = 2.0


SNAPSHOT_TRIES = 3
"""Reads of trades, positions and entrusts for one snapshot: a fill between the reads of positions and of trades
would show as a position difference that is not one, so the reads are repeated until no trade came between."""


class EasytraderBroker(TodayPolling):
    """One A-share account behind an easytrader server. Implements core.ports.broker.BrokerAdapter.

    Events:
        ConnectionChanged(account_id, state, message): CONNECTING with "Step n of 3" progress texts, then
            CONNECTED or FAILED; RECONNECTING while polls fail, CONNECTED when they work again;
            DISCONNECTED on disconnect.
        AccountUpdated(account_id, cash): the cash balance (资金余额, CNY) on connect and after each fill.
        OrderAccepted(client_order_id, broker_order_id=entrust number): when /buy or /sell answers, or when
            an order whose answer was lost is found among today's entrusts.
        OrderFilled(client_order_id, fill): once per trade number (成交编号) of today's trades.
        OrderCanceled(client_order_id, reason): the entrust shows 已撤/部撤, or the broker voided it (废单).
        OrderCancelRejected(client_order_id, reason), OrderModifyRejected(client_order_id, reason).
        LogMessage(level, text): orders matched after a lost answer; that easytrader sends no prices.
    """

    kind: str = "easytrader"
    order_types: frozenset[OrderType] = frozenset({OrderType.LIMIT})
    """Limit orders only (core.ports.capabilities.OrderTypes): Flatten sends marketable limits here."""
    times_in_force: frozenset[TimeInForce] = frozenset({TimeInForce.DAY})
    """core.ports.order_terms.OrderTerms: an A-share order works for the day; the broker's client takes no IOC or
    GTC, so an IOC order would have worked until the close as a DAY order. Refused before it is journaled."""
    extra_order_types: frozenset[OrderType] = frozenset()
    prices_elsewhere: bool = True
    """core.ports.capabilities.PricedElsewhere: the protocol carries no prices; a reference feed prices its orders."""

    def __init__(
        self,
        account_id: AccountId,
        config: EasytraderConfig,
        sink: EventSink,
        credentials: Credentials | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.account_id = AccountId(account_id)
        self.config = config
        self._sink = sink
        self._credentials = credentials
        self._clock = clock
        self._table = columns_for(config.client_type)
        self._map = OrderMap(config.order_map_path, china_today(clock()))
        self._client: Any = None
        self._read_timeout = config.request_timeout_s
        self._lock = asyncio.Lock()
        self._straggler: asyncio.Future[Any] | None = None
        self._unproven: set[ClientOrderId] = set()
        """Orders whose answer was lost: no other order is sent until each shows among today's entrusts."""
        self._answer_lost: set[ClientOrderId] = set()
        """Those of them whose call failed (no answer at all), as opposed to "success" without an entrust number."""
        self._state = ConnectionState.DISCONNECTED
        self._poller: asyncio.Task[None] | None = None
        self._polling = False
        self._wake = asyncio.Event()
        self._published: set[str] = set()
        self._instruments: dict[str, Instrument] = {s: instrument_for(s) for s in config.symbols}
        self._told_no_quotes = False
        self._search = AShareSearch(self.account_id)
        self.funds: Funds | None = None
        self.holdings: tuple[Holding, ...] = ()

    # --- BrokerAdapter ---------------------------------------------------------------------------

    def instruments(self) -> Sequence[Instrument]:
        """Return the watchlist codes and every code held (after connect), as A-share instruments."""
        return tuple(self._instruments.values())

    async def search_symbols(self, query: str, limit: int) -> list[InstrumentMatch]:
        """Find A-shares by six-digit code or shipped name (SymbolSearch; the broker sends no list)."""
        return self._search.search(query, limit)

    async def instrument_for(self, match: InstrumentMatch) -> Instrument:
        """Return the A-share instrument of a found code (SymbolSearch)."""
        return self._search.instrument_for(match)

    @property
    def is_connected(self) -> bool:
        return self._state in (ConnectionState.CONNECTED, ConnectionState.RECONNECTING)

    async def account_funds(self) -> AccountFunds:
        """Return the broker's balance (资金余额, 可用金额, 总资产) read now; see funds.account_funds_of."""
        return account_funds_of(parse_funds(await self._call(lambda c: c.balance, "the balance", "read"),
                                            self._table), self.account_id, self._clock())

    async def trading_hours(self, instrument: Instrument, now: datetime) -> TradingHours | None:
        """Return the A-share exchanges' fixed hours (TradingHoursSource; the protocol has no hours call)."""
        return a_share_hours(instrument, now)

    async def connect(self) -> None:
        """Log the broker client in through the server (prepare), read the account; raise a BrokerError on failure."""
        if self.is_connected:
            return
        label = CLIENT_TYPES[self.config.client_type]
        self._publish(ConnectionState.CONNECTING, f"Step 1 of 3: logging in to {label} through the easytrader "
                                                  f"server at {self.config.where} (the client can take a minute)…")
        try:
            await self._prepare()
            self._publish(ConnectionState.CONNECTING, "Step 2 of 3: reading cash and positions…")
            await self._refresh_account()
            self._publish(ConnectionState.CONNECTING, "Step 3 of 3: reading today's entrusts and trades…")
            self._map.roll(china_today(self._clock()))
            await self._poll_once()
            self._forget_unplaced()  # the trader prepared again: today's entrusts say what became of them
        except BrokerError as exc:
            self._publish(ConnectionState.FAILED, str(exc))
            raise
        self._publish(ConnectionState.CONNECTED, f"Connected to {label} through the easytrader server at "
                                                 f"{self.config.where} as {self.config.user}.")
        self._polling = True
        self._poller = asyncio.get_running_loop().create_task(self._poll_loop(), name=f"easytrader-{self.account_id}")

    async def disconnect(self) -> None:
        """Stop polling and report DISCONNECTED (the broker client stays logged in on the Windows machine)."""
        task, self._poller = self._poller, None
        self._polling = False
        if task is not None:
            self._wake.set()
            task.cancel()  # Python 3.11's wait_for can swallow a cancel: _polling ends the loop regardless
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._state is not ConnectionState.DISCONNECTED:
            self._publish(ConnectionState.DISCONNECTED, f"Disconnected from the easytrader server at "
                                                        f"{self.config.where}.")

    async def submit(self, order: Order) -> None:
        """Send a limit order once; raise OrderRejected (or kin) if refused, Timeout/ConnectionLost if fate unknown."""
        self._require_connected("send the order")
        price = self._check_order(order)
        symbol, qty = order.symbol, order.quantity.value
        self._map.sending(MappedOrder(order.client_order_id, symbol, order.side, qty, price, self._clock()))
        action = "buy" if order.side is Side.BUY else "sell"
        try:
            answer = await self._call(lambda c: getattr(c, action)(symbol, float(price), int(qty)),
                                      f"the {symbol} {action} order", action, symbol)
            entrust_no = entrust_no_of(answer)
        except OrderRejected as refusal:
            self._map.drop(order.client_order_id)
            raise await self._explain(order, refusal) from None
        except (Timeout, ConnectionLost) as exc:
            self._unproven.add(order.client_order_id)
            self._answer_lost.add(order.client_order_id)
            raise type(exc)(f"{exc} The {symbol} order may have reached the broker: TradeTerm looks for it among "
                            "today's entrusts (same code, side, quantity and price) and will not resend it.") from None
        if entrust_no is None:
            self._unproven.add(order.client_order_id)
            await self._find_unnumbered(order)
            return
        self._map.resolve(order.client_order_id, entrust_no)
        self._sink(OrderAccepted(order.client_order_id, BrokerOrderId(entrust_no)))
        self._wake.set()

    async def cancel(self, order: Order) -> None:
        """Cancel by entrust number; OrderCanceled follows when the entrust shows it, else OrderCancelRejected."""
        self._require_connected("cancel the order")
        mapped = self._map.get(order.client_order_id)
        if mapped is None or mapped.entrust_no is None:
            self._sink(OrderCancelRejected(order.client_order_id, (
                "TradeTerm does not know this order's entrust number (its answer was lost or it was sent in "
                "another session): cancel it in the broker client.")))
            return
        entrust_no = mapped.entrust_no
        answer = await self._call(lambda c: c.cancel_entrust(entrust_no), f"the cancel of entrust {entrust_no}",
                                  "cancel", order.symbol)
        refusal = cancel_refusal(answer)
        if refusal is not None:
            self._sink(OrderCancelRejected(order.client_order_id, refusal))
        self._wake.set()

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        """Refuse: the broker clients easytrader drives cannot change an order."""
        self._sink(OrderModifyRejected(order.client_order_id, "easytrader cannot change an order: cancel it and "
                                                              "send a new one."))

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        """Add A-share codes to the account's instruments; easytrader sends no prices, which is logged once."""
        unknown = [i.symbol for i in instruments if not is_a_share_code(i.symbol)]
        for instrument in instruments:
            if is_a_share_code(instrument.symbol):
                self._instruments.setdefault(instrument.symbol, instrument)
        if not self._told_no_quotes and instruments:
            self._told_no_quotes = True
            self._sink(LogMessage("INFO", f"{self.account_id}: easytrader sends no market prices; quotes for "
                                          "A-shares must come from another feed."))
        if unknown:
            raise InvalidInstrument(f"easytrader trades six-digit A-share codes only; {', '.join(unknown)} is not one.")

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        """Return cash (CNY), positions, today's entrusts and today's trades since fills_since."""
        self._require_connected("reconcile")
        for _ in range(SNAPSHOT_TRIES):  # positions between two reads of the trades that agree: one moment
            trades_before = await self._read_trades()
            funds = await self._refresh_account()
            entrusts, trades = await self._read_today()
            if len(trades) == len(trades_before):
                break
        self._claim(entrusts)
        self._forget_unplaced()
        day = china_today(self._clock())
        fills = [self._fill(t, day) for t in trades]
        return BrokerSnapshot(
            account_id=self.account_id,
            cash=(Money(funds.cash, CURRENCY),),
            positions=tuple(BrokerPosition(h.symbol, h.total, h.avg_cost) for h in self.holdings),
            orders=tuple(self._order_state(e) for e in entrusts),
            fills=tuple(f for f in fills if fills_since is None or f.ts >= fills_since),
        )

    # --- connection ------------------------------------------------------------------------------

    async def _prepare(self) -> None:
        if not self.config.user:
            raise AuthenticationFailed("Enter the broker account (user) in the connection panel, then Prepare.")
        password, comm_password = self._credentials() if self._credentials is not None else (None, None)
        if not password:
            raise AuthenticationFailed(f"No password for {self.config.user} in the keyring: type it in the "
                                       "connection panel and press Prepare.")
        self._client = self._client or self._make_client()
        cfg = self.config
        await self._call(
            lambda c: c.prepare(user=cfg.user, password=password, exe_path=cfg.exe_path or None,
                                comm_password=comm_password or None),
            "the login (prepare)", "prepare", timeout=cfg.prepare_timeout_s,
        )

    def _make_client(self) -> Any:
        try:
            from easytrader.remoteclient import RemoteClient  # type: ignore[import-untyped]
        except ImportError as exc:
            raise BrokerError(f"The easytrader package is not installed ({exc}); install TradeTerm's easytrader "
                              "extra to use this account.") from None
        client = RemoteClient(self.config.client_type, self.config.host, self.config.port)
        session = client._s
        send = session.request

        def request_with_timeout(method: str, url: str, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", (self.config.connect_timeout_s, self._read_timeout))
            return send(method, url, **kwargs)

        session.request = request_with_timeout
        return client

    async def _call(self, fn: Callable[[Any], Any], what: str, action: str, symbol: str = "",
                    timeout: float | None = None) -> Any:
        """Run one blocking RemoteClient call in a thread with a timeout; translate every failure to a BrokerError."""
        if self._client is None:
            raise ConnectionLost(f"easytrader account {self.account_id} is not connected; press Prepare.")
        limit = timeout if timeout is not None else self.config.request_timeout_s
        client = self._client
        async with self._lock:
            await self._wait_for_straggler(what, action, limit)
            self._read_timeout = limit
            call = asyncio.ensure_future(asyncio.to_thread(fn, client))
            try:
                return await asyncio.wait_for(asyncio.shield(call), limit + self.config.connect_timeout_s + _GRACE_S)
            except TimeoutError:
                self._straggler = call  # the broker client is still working on it: nothing may overlap it
                call.add_done_callback(_consume)
                raise self._timeout(what, limit) from None
            except BrokerError:
                raise
            except Exception as exc:  # requests' errors and RemoteClient's bare Exception(error text)
                raise self._translate(exc, what, action, symbol, limit) from None

    async def _wait_for_straggler(self, what: str, action: str, limit: float) -> None:
        """Wait (up to limit) for a call that timed out here but still drives the broker client on the server.

        easytrader's server keeps working a request whose client gave up; a second order typed into the
        broker client meanwhile could land in the first one's dialog. So nothing is sent until it ends.
        """
        straggler = self._straggler
        if straggler is not None and not straggler.done():
            await asyncio.wait({straggler}, timeout=limit)
        if straggler is not None and straggler.done():
            self._straggler = None
        ordering = action in ("buy", "sell", "cancel")
        unproven = self._still_unproven() if ordering else []
        if self._straggler is None and not unproven:
            return
        if unproven:
            busy = (f"{what.capitalize()} was not sent: the broker client may still be working on the "
                    f"{unproven[0].symbol} {unproven[0].side.value.lower()} order whose answer was lost, and a second "
                    "order typed into it meanwhile could land in its dialog. TradeTerm sends again once that order "
                    "shows among today's entrusts; if it never does, check the broker client and press Prepare.")
        else:
            busy = (f"The easytrader server is still working on an earlier request that timed out; {what} was not "
                    "sent, so the two cannot mix in the broker client. Try again when the server answers.")
        if ordering:
            raise OrderRejected(busy)
        raise Timeout(busy)

    def _translate(self, exc: Exception, what: str, action: str, symbol: str, limit: float) -> BrokerError:
        name = type(exc).__name__
        if name in ("ReadTimeout", "Timeout"):
            return self._timeout(what, limit)
        if name == "ConnectTimeout" or "refused" in str(exc).lower() or "NewConnectionError" in str(exc):
            return ConnectionLost(f"No easytrader server answers at {self.config.where}: start it on the Windows "
                                  "machine (python -c \"import easytrader.server as s; s.run(1430)\") and check the "
                                  "address and firewall.")
        if name in ("ConnectionError", "ChunkedEncodingError", "ProtocolError", "RemoteDisconnected"):
            return ConnectionLost(f"The connection to the easytrader server at {self.config.where} dropped during "
                                  f"{what}.")
        if name in ("JSONDecodeError", "ValueError") or isinstance(exc, ValueError):
            return BrokerError(f"The server at {self.config.where} did not answer like an easytrader server "
                               f"during {what}: check the address and port.")
        if type(exc) is Exception and exc.args:
            return translate_error(str(exc.args[0]), action, symbol)
        return BrokerError(f"easytrader failed during {what}: {name}: {exc}")

    def _timeout(self, what: str, limit: float) -> Timeout:
        return Timeout(f"The easytrader server at {self.config.where} did not answer {what} within {limit:g} s "
                       "(the broker client may be stuck on a dialog).")

    def _require_connected(self, action: str) -> None:
        if not self.is_connected:
            raise ConnectionLost(f"easytrader account {self.account_id} is not connected: press Prepare, then "
                                 f"{action} again.")

    def _publish(self, state: ConnectionState, message: str) -> None:
        self._state = state
        self._sink(ConnectionChanged(self.account_id, state, message))

    # --- orders ----------------------------------------------------------------------------------

    def _check_order(self, order: Order) -> Decimal:
        symbol = order.symbol
        if not is_a_share_code(symbol):
            raise InvalidInstrument(f"{symbol} is not a six-digit A-share code: easytrader trades A-shares only.")
        if order.order_type is not OrderType.LIMIT or order.limit_price is None:
            raise OrderRejected(f"easytrader sends limit orders only: give the {symbol} order a limit price.")
        price, qty = order.limit_price.value, order.quantity.value
        instrument = instrument_for(symbol)
        if not instrument.is_on_tick(price) or price <= 0:
            raise OrderRejected(f"The {symbol} price {price} must be a positive multiple of 0.01 yuan.")
        if qty <= 0 or qty != qty.to_integral_value() or (order.side is Side.BUY and not instrument.is_on_lot(qty)):
            raise OrderRejected(f"A-shares are bought in whole lots of 100: {qty.normalize():f} {symbol} is not one.")
        return price

    async def _explain(self, order: Order, refusal: OrderRejected) -> OrderRejected:
        """Add the sellable and held quantities to a sell refusal (T+1), read from the broker."""
        if order.side is not Side.SELL or "T+1" not in str(refusal):
            return refusal
        with contextlib.suppress(BrokerError):
            await self._refresh_account()
        held = next((h for h in self.holdings if h.symbol == order.symbol), None)
        total = held.total if held is not None else Decimal(0)
        available = held.available if held is not None else Decimal(0)
        return type(refusal)(
            f"Cannot sell {order.quantity.value.normalize():f} {order.symbol}: only {available.normalize():f} of the "
            f"{total.normalize():f} shares held can be sold today. Shares bought today can be sold from the next "
            f"trading day (T+1). {refusal}")


def _consume(call: asyncio.Future[Any]) -> None:
    """Retrieve a straggler's outcome, so a late failure is not reported as never retrieved."""
    if not call.cancelled():
        call.exception()


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink, *,
           quotes: QuoteSink | None = None) -> EasytraderBroker:
    """Build an easytrader account; settings hold EasytraderConfig fields plus "credentials" (not persisted).

    quotes is not used: easytrader's remote client gives no market prices.
    """
    values = dict(settings)
    credentials = values.pop("credentials", None)
    if credentials is not None and not callable(credentials):
        raise ValueError("easytrader settings: credentials must be a callable returning (password, comm_password)")
    return EasytraderBroker(account_id, EasytraderConfig.from_mapping(values), sink, credentials)
