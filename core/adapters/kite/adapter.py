"""KiteBroker: a Zerodha account through kiteconnect — REST off the loop, ticks and postbacks from KiteTicker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
from kiteconnect import KiteConnect  # type: ignore[import-untyped]
from kiteconnect import exceptions as kite_errors

from core.adapters.kite.config import KiteConfig
from core.adapters.kite.credentials import AccessToken, KiteCredentials
from core.adapters.kite.depth import KiteMarketDepth, no_depth_note
from core.adapters.kite.funds import parse_funds
from core.adapters.kite.history import KITE_INTERVALS, request_range, to_bars
from core.adapters.kite.instruments import InstrumentsFile, catalog_of
from core.adapters.kite.parsing import (
    IST,
    TOKEN_EXPIRED,
    KiteMode,
    kite_time,
    order_params,
    parse_cash,
    parse_fill,
    parse_order_state,
    parse_positions,
    parse_request_token,
    parse_tick,
    token_expiry,
    translate_error,
    translate_rejection,
)
from core.adapters.kite.redaction import install_redaction
from core.adapters.kite.search import KiteSearch
from core.adapters.kite.throttle import OrderThrottle
from core.adapters.kite.ticker import TickerBridge, TickerEvent, TickerStatus
from core.adapters.kite.tracker import MODIFY_STATUSES, OrderTracker, PendingModify, TrackedOrder
from core.domain import (
    AccountId,
    AccountUpdated,
    BrokerTokenExpiring,
    ConnectionChanged,
    ConnectionState,
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
from core.domain.depth import DepthBook
from core.domain.funds import AccountFunds
from core.ports.bar_history import HistoryUnavailable
from core.ports.broker import BrokerSnapshot, EventSink, QuoteSink, quotes_one_by_one
from core.ports.depth_feed import DEFAULT_DEPTH_ROWS
from core.ports.errors import AuthenticationFailed, BrokerError, ConnectionLost, InvalidInstrument, Timeout
from core.ports.symbol_search import InstrumentMatch

log = logging.getLogger(__name__)
T = TypeVar("T")
_POLL_DECISION_S = 0.05


CHANGE_NEVER_ARRIVED = ("Kite's order history shows the change never arrived: the order keeps its price and "
                        "quantity. Modify it again if you still want the change.")
SNAPSHOT_TRIES = 3
"""Reads of trades, positions and orders for one snapshot: a fill between the reads of trades and of positions
would show as a position difference that is not one, so the reads are repeated until no trade came between."""
EXPIRY_WARNING = timedelta(minutes=30)
"""How long before Kite ends the session the trader is told to log in again."""

class KiteBroker:
    """One Zerodha Kite account. Implements core.ports.broker.BrokerAdapter.

    Events:
        ConnectionChanged(account_id, state, message): CONNECTING -> CONNECTED | FAILED on connect; FAILED with a
            "log in again" message when Kite ends the session (TokenException, or 403 at the ticker); CONNECTED
            again after `complete_login` (the session then reconciles); DISCONNECTED on disconnect.
        Quote: from the ticker (full mode: best bid/ask from the depth; indices: last only).
        AccountUpdated(account_id, cash): equity net funds in INR, on connect and after fills.
        OrderAccepted, OrderFilled, OrderCanceled, OrderRejected: see OrderTracker; our ClientOrderId is in `tag`.
        OrderCancelRejected, OrderModified, OrderModifyRejected: answers to cancel and modify.
        LogMessage(level, text): ticker drops and reconnects, worded for the trader.
        DepthBook(symbol, source, bids, asks): the 5-level book of each full-mode tick of a symbol with depth
            subscribed (DepthFeed); one with a note, and no levels, when the ticker is not in full mode.
        TradePrint(symbol, source, price, size, aggressor): a tick whose volume grew, for symbols asked (TimeAndSales).
    """

    kind: str = "kite"

    def __init__(self, account_id: AccountId, config: KiteConfig, sink: EventSink,
                 credentials: KiteCredentials | None = None, now: Callable[[], datetime] | None = None, *,
                 quotes: QuoteSink | None = None) -> None:
        install_redaction()
        self.account_id = AccountId(account_id)
        self.config = config
        self.credentials = credentials
        self._sink = sink
        self._quotes = quotes or quotes_one_by_one(sink)
        self._now = now or (lambda: datetime.now(UTC))
        self._tracker = OrderTracker(self.account_id, sink)
        self._throttle = OrderThrottle(config.orders_per_second)
        self._kite: Any = None
        self._ticker: TickerBridge | None = None
        self._poller: asyncio.Task[None] | None = None
        self._state = ConnectionState.DISCONNECTED
        self._catalog: dict[str, tuple[Instrument, int]] = {}
        self._catalog_day: str = ""
        self._symbols_by_token: dict[int, str] = {}
        self._subscribed: dict[str, Instrument] = {}
        self._market_depth = KiteMarketDepth(self.account_id)
        self._updates = asyncio.Lock()
        self._background: set[asyncio.Task[Any]] = set()
        self.login_required = False
        self.user_id = ""
        self.token_expires_at: datetime | None = None
        self._expiry_warning: asyncio.TimerHandle | None = None
        self._polling = False
        self._search = KiteSearch(self.account_id, self._fetch_instruments, config.instruments_cache_dir,
                                  lambda: self._now().astimezone(IST).strftime("%Y-%m-%d"))

    # --- login -----------------------------------------------------------------------------------

    def login_url(self) -> str:
        """Return the Kite login page for this API key (open it in the browser)."""
        return f"{self.config.login_root}?{urlencode({'v': 3, 'api_key': self._api_key()})}"

    async def complete_login(self, pasted: str) -> AccessToken:
        """Exchange a pasted redirect URL or request token for an access token, store it, resume if halted.

        Raise ValueError if the text holds no request token, AuthenticationFailed if Kite refuses it.
        """
        request_token = parse_request_token(pasted)
        secret = self.credentials.api_secret() if self.credentials is not None else None
        if not secret:
            raise AuthenticationFailed("Enter the Kite API secret in the Kite panel before logging in.")
        client = self._client(None)
        try:
            data = await self._offload(client.generate_session, request_token, api_secret=secret)
        except AuthenticationFailed as exc:
            raise AuthenticationFailed(f"Kite refused the login ({exc}). Request tokens work once and only for a "
                                       "few minutes: click Log in again and paste the new address.") from None
        login_time = kite_time(data.get("login_time")) or self._now()
        token = AccessToken(str(data["access_token"]), token_expiry(login_time), str(data.get("user_id", "")))
        assert self.credentials is not None
        self.credentials.save_token(token)
        self._sink(LogMessage("INFO", f"Kite {self.account_id}: logged in as {token.user_id}; the session lasts "
                                      f"until {token.expires_at.astimezone(IST):%Y-%m-%d %H:%M} IST."))
        if self.login_required:
            await self.connect()
        return token

    # --- BrokerAdapter ---------------------------------------------------------------------------

    def instruments(self) -> Sequence[Instrument]:
        """Return the watchlist instruments found in today's instruments list (empty before connect)."""
        return tuple(self._catalog[s][0] for s in self.config.symbols if s in self._catalog)

    async def search_symbols(self, query: str, limit: int) -> list[InstrumentMatch]:
        """Find instruments on NSE, BSE, NFO, MCX and CDS in today's lists (SymbolSearch; loaded once a day)."""
        return await self._search.search(query, limit)

    async def instrument_for(self, match: InstrumentMatch) -> Instrument:
        """Return a found instrument (lot and tick from the list) and make it tradeable on this account."""
        instrument, token = await self._search.entry_for(match)
        self._catalog.setdefault(instrument.symbol, (instrument, token))
        self._symbols_by_token.setdefault(token, instrument.symbol)
        return instrument

    async def _fetch_instruments(self, exchange: str) -> list[Mapping[str, Any]]:
        if self._kite is None:
            raise ConnectionLost(f"Kite account {self.account_id} is not logged in; log in, then search again.")
        return list(await self._rest(self._kite.instruments, exchange, halting=False))

    def find_instrument(self, symbol: str) -> Instrument | None:
        found = self._catalog.get(symbol)
        return found[0] if found is not None else None

    @property
    def is_connected(self) -> bool:
        return self._state is ConnectionState.CONNECTED

    async def account_funds(self) -> AccountFunds:
        """Return Kite's margins of the equity and commodity segments (see funds.parse_funds)."""
        if not self.is_connected or self._kite is None:
            raise ConnectionLost(f"Kite {self.account_id} is not connected: its funds cannot be read. Log in.")
        return parse_funds(await self._rest(self._kite.margins), self.account_id, self._now())

    async def connect(self) -> None:
        """Check the stored session, load instruments, start the ticker and polling; raise AuthenticationFailed."""
        if self.is_connected:
            return
        self._publish(ConnectionState.CONNECTING, "Connecting to Kite…")
        try:
            await self._open()
        except BrokerError as exc:
            self._publish(ConnectionState.FAILED, str(exc))
            raise
        self.login_required = False
        self._warn_before_expiry()
        self._publish(ConnectionState.CONNECTED, f"Connected to Kite as {self.user_id}; session ends "
                      f"{self.token_expires_at.astimezone(IST):%Y-%m-%d %H:%M} IST." if self.token_expires_at
                      else f"Connected to Kite as {self.user_id}.")

    def _warn_before_expiry(self) -> None:
        """Publish BrokerTokenExpiring EXPIRY_WARNING before the session ends (at once if that is already past)."""
        if self._expiry_warning is not None:
            self._expiry_warning.cancel()
            self._expiry_warning = None
        expires = self.token_expires_at
        if expires is None:
            return
        now = self._now()
        if now >= expires:
            return
        delay = max(0.0, (expires - EXPIRY_WARNING - now).total_seconds())
        event = BrokerTokenExpiring(self.account_id, expires)
        self._expiry_warning = asyncio.get_running_loop().call_later(delay, self._sink, event)

    async def disconnect(self) -> None:
        """Stop polling and the ticker; report DISCONNECTED."""
        if self._expiry_warning is not None:
            self._expiry_warning.cancel()
            self._expiry_warning = None
        was = self._state
        await self._stop_streams()
        if was is not ConnectionState.DISCONNECTED:
            self._publish(ConnectionState.DISCONNECTED, "Disconnected from Kite.")

    async def submit(self, order: Order) -> None:
        """Place order once (tag = our id) and wait for Kite's verdict; raise OrderRejected or kin, ConnectionLost."""
        self._require_connected("send the order")
        if self.find_instrument(order.symbol) is None:
            raise InvalidInstrument(f"Kite lists no {order.symbol} on {self.config.exchange}: check the symbol.")
        params = order_params(order, self.config.product, self.config.variety)
        tracked = self._tracker.expect(order.client_order_id, params["variety"])
        await self._throttle.acquire()
        try:
            order_id = str(await self._rest(self._kite.place_order, **params))
        except BrokerError:
            self._tracker.forget(order.client_order_id)
            raise
        self._tracker.bind(tracked, order_id)
        state = await self._await_decision(tracked, order_id, order.symbol)
        if state.get("status") == "REJECTED":
            raise translate_rejection(state.get("status_message"))
        self._tracker.accept(tracked)
        await self._catch_up(order_id)

    async def cancel(self, order: Order) -> None:
        """Ask Kite to cancel; a refusal is published as OrderCancelRejected, success as OrderCanceled."""
        self._require_connected("cancel the order")
        tracked = self._tracker.find(order.client_order_id)
        if tracked is None or tracked.broker_order_id is None:
            self._sink(OrderCancelRejected(order.client_order_id, "Kite has no order with this id from TradeTerm."))
            return
        await self._throttle.acquire()
        try:
            await self._rest(self._kite.cancel_order, variety=tracked.variety, order_id=tracked.broker_order_id)
        except (AuthenticationFailed, ConnectionLost, Timeout):
            raise
        except BrokerError as exc:
            self._sink(OrderCancelRejected(order.client_order_id, str(exc)))
            return
        await self._catch_up(tracked.broker_order_id)

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        """Change quantity and prices at Kite; publish OrderModified or OrderModifyRejected from Kite's order states.

        Kite's HTTP 200 only says the request was taken: its OMS may still refuse the change (the order keeps its
        old values). So the outcome comes from the order history and postbacks, never from the 200. If Kite has
        not decided within order_timeout_s, the order stays "modifying" and polling settles it later.
        """
        self._require_connected("modify the order")
        tracked = self._tracker.find(order.client_order_id)
        if tracked is None or tracked.broker_order_id is None or tracked.ended:
            self._sink(OrderModifyRejected(order.client_order_id, "The order is no longer working at Kite."))
            return
        changes: dict[str, Any] = {"quantity": int(quantity.value)}
        if limit_price is not None:
            changes["price"] = str(limit_price.value)
        if stop_price is not None:
            changes["trigger_price"] = str(stop_price.value)
        before = len(await self._rest(self._kite.order_history, tracked.broker_order_id))
        change = PendingModify(int(quantity.value), None if limit_price is None else limit_price.value,
                               None if stop_price is None else stop_price.value, before)
        await self._throttle.acquire()
        try:
            await self._rest(self._kite.modify_order, variety=tracked.variety, order_id=tracked.broker_order_id,
                             **changes)
        except (AuthenticationFailed, ConnectionLost, Timeout):
            # The answer is lost, not the change: Kite may have taken it. Its order history tells; if it cannot
            # be read yet, the change stays watched, so a state showing it applied or refused settles it later.
            # A history without it proves nothing yet: the request may still be on its way (a stalled Kite
            # answers late), so polling settles it, refusing it once order_timeout_s pass without a trace.
            change.answer_lost_at = asyncio.get_running_loop().time()
            self._tracker.expect_modify(tracked, change)
            if not await self._change_taken(tracked.broker_order_id, change):
                raise
        except BrokerError as exc:
            self._sink(OrderModifyRejected(order.client_order_id, str(exc)))
            return
        self._tracker.expect_modify(tracked, change)
        deadline = asyncio.get_running_loop().time() + self.config.order_timeout_s
        while not change.resolved and asyncio.get_running_loop().time() < deadline:
            await self._settle_modify(tracked)
            if not change.resolved:
                await asyncio.sleep(_POLL_DECISION_S)
        if not change.resolved:
            self._sink(LogMessage("WARNING", f"Kite {self.account_id}: the change to {order.symbol} is still pending "
                                             "at Kite; TradeTerm keeps checking and shows the result when it comes."))

    async def _change_taken(self, broker_order_id: str, change: PendingModify) -> bool | None:
        """Return whether the order's history shows Kite took a change whose answer was lost (a MODIFY state or the
        new values); None if the history cannot be read now."""
        try:
            history = await self._rest(self._kite.order_history, broker_order_id)
        except BrokerError:
            return None
        return any(str(state.get("status")) in MODIFY_STATUSES or change.applied(state)
                   for state in history[change.history_from:])

    async def _settle_modify(self, tracked: TrackedOrder) -> None:
        """Feed the order-history entries since a pending change was sent to the tracker's change, then the
        order's new fills and its latest state (so an order that ended during the change ends at Kite's values)."""
        change = tracked.modify
        if change is None or tracked.broker_order_id is None:
            return
        async with self._updates:
            history = await self._rest(self._kite.order_history, tracked.broker_order_id)
            for state in history[change.history_from:]:  # the change first: fills then complete the right quantity
                if change.resolved:
                    break
                self._tracker.settle_change(state)
            lost_at = change.answer_lost_at
            if not change.resolved and not change.seen_pending and lost_at is not None \
                    and asyncio.get_running_loop().time() - lost_at > self.config.order_timeout_s:
                self._tracker.give_up_change(tracked, CHANGE_NEVER_ARRIVED)  # its answer was lost, and so was it
            if history and self._tracker.needs_trades(history[-1]):
                self._tracker.on_trades(await self._rest(self._kite.order_trades, tracked.broker_order_id))
            if history:
                self._tracker.on_order(history[-1])

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        """Stream quotes for these instruments; raise InvalidInstrument naming any Kite does not list."""
        unknown = [i.symbol for i in instruments if self._catalog and i.symbol not in self._catalog]
        for instrument in instruments:
            if instrument.symbol not in unknown:
                self._subscribed[instrument.symbol] = instrument
        if self._ticker is not None:
            self._ticker.subscribe(self._catalog[s][1] for s in self._subscribed if s in self._catalog)
        if unknown:
            raise InvalidInstrument(f"Kite lists no {', '.join(unknown)} on {self.config.exchange}.")

    def history_intervals(self) -> frozenset[timedelta]:
        """The chart timeframes Kite serves as historical candles (BarHistory)."""
        return frozenset(KITE_INTERVALS)

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
        """Return Kite's candles of symbol; raise HistoryUnavailable saying why Kite refused."""
        self._require_connected("load the chart")
        if symbol not in self._catalog:
            raise HistoryUnavailable(f"Kite {self.account_id} does not list {symbol}.")
        since, until = request_range(interval, start, end, IST)
        try:
            rows = await self._rest(self._kite.historical_data, self._catalog[symbol][1], since, until,
                                    KITE_INTERVALS[interval])
        except BrokerError as exc:
            raise HistoryUnavailable(f"Kite refused the {symbol} history: {exc}") from None
        return to_bars(rows, symbol, self.account_id, interval, start, end)

    async def subscribe_depth(self, instrument: Instrument, rows: int = DEFAULT_DEPTH_ROWS) -> None:
        """Publish the 5-level book of each full-mode tick of instrument (DepthFeed); a note in other modes."""
        if self.config.ticker_mode is not KiteMode.FULL:
            self._sink(DepthBook(instrument.symbol, self.account_id, note=no_depth_note(self.config.ticker_mode.value)))
            return
        if instrument.symbol not in self._subscribed:
            await self.subscribe([instrument])
        self._market_depth.depth.add(instrument.symbol)

    async def unsubscribe_depth(self, symbol: str) -> None:
        """Stop publishing symbol's book (its quotes stream on) (DepthFeed)."""
        self._market_depth.depth.discard(symbol)

    async def subscribe_tape(self, instrument: Instrument) -> None:
        """Publish a TradePrint for each tick of instrument whose volume grew (TimeAndSales)."""
        if instrument.symbol not in self._subscribed:
            await self.subscribe([instrument])
        self._market_depth.tape.setdefault(instrument.symbol, None)

    async def unsubscribe_tape(self, symbol: str) -> None:
        """Stop publishing symbol's trades (TimeAndSales)."""
        self._market_depth.tape.pop(symbol, None)

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        """Return Kite's funds, net positions, today's orders and trades (since fills_since)."""
        self._require_connected("reconcile")
        for _ in range(SNAPSHOT_TRIES):  # positions between two reads of the trades that agree: one moment
            trades_before = await self._rest(self._kite.trades)
            positions = await self._rest(self._kite.positions)
            orders = await self._rest(self._kite.orders)
            trades = await self._rest(self._kite.trades)
            if len(trades) == len(trades_before):
                break
        margins = await self._rest(self._kite.margins)
        tags = {str(o["order_id"]): parse_order_state(o).client_order_id for o in orders}
        fills = [parse_fill(t, self.account_id, tags.get(str(t["order_id"]))) for t in trades]
        return BrokerSnapshot(
            account_id=self.account_id,
            cash=parse_cash(margins),
            positions=parse_positions(positions),
            orders=tuple(parse_order_state(o) for o in orders),
            fills=tuple(f for f in fills if fills_since is None or f.ts >= fills_since),
        )

    async def holdings(self) -> list[dict[str, Any]]:
        """Return Kite's demat holdings (delivery shares), as kiteconnect gives them."""
        self._require_connected("read holdings")
        return list(await self._rest(self._kite.holdings))

    async def day_positions(self) -> tuple[Any, ...]:
        """Return today's positions (Kite's `day` list), net positions being in snapshot()."""
        self._require_connected("read positions")
        return tuple((await self._rest(self._kite.positions)).get("day") or ())

    # --- connection ------------------------------------------------------------------------------

    async def _open(self) -> None:
        token = self.credentials.load_token() if self.credentials is not None else None
        if token is None or not token.is_valid(self._now()):
            self.login_required = True
            raise AuthenticationFailed("No valid Kite session: click Log in in the Kite panel (Kite sessions end "
                                       "at 06:00 IST every day).")
        self._kite = self._client(token.value)
        profile = await self._rest(self._kite.profile, halting=False)
        self.user_id = str(profile.get("user_id", ""))
        self.token_expires_at = token.expires_at
        await self._load_instruments()
        orders = await self._rest(self._kite.orders, halting=False)
        self._tracker.adopt(orders)
        if not self._tracker.seen_trades:
            self._tracker.seen_trades.update(str(t["trade_id"]) for t in await self._rest(self._kite.trades,
                                                                                           halting=False))
        self._sink(AccountUpdated(self.account_id, parse_cash(await self._rest(self._kite.margins, halting=False))))
        loop = asyncio.get_running_loop()
        if self.config.ticker:
            self._ticker = TickerBridge(loop, self._api_key(), token.value, self.config.ws_root,
                                        self.config.ticker_mode.value, self._on_ticks, self._on_postback,
                                        self._on_ticker_status, self.config.reconnect_initial_s)
            self._ticker.start()
            self._ticker.subscribe(self._catalog[s][1] for s in self._subscribed if s in self._catalog)
        self._poller = loop.create_task(self._poll_loop(), name=f"kite-poll-{self.account_id}")

    async def _load_instruments(self) -> None:
        """Load today's instruments of the exchange, from the day's cache file if there is one."""
        day = self._now().astimezone(IST).strftime("%Y-%m-%d")
        if self._catalog and self._catalog_day == day:
            return
        cache = InstrumentsFile(self.config.instruments_cache_dir, self.config.exchange, day)
        rows = cache.read()
        if rows is None:
            rows = list(await self._rest(self._kite.instruments, self.config.exchange, halting=False))
            cache.write(rows)
        self._catalog, self._catalog_day = catalog_of(rows), day
        self._symbols_by_token = {token: symbol for symbol, (_, token) in self._catalog.items()}

    async def _stop_streams(self) -> None:
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.close()
        poller, self._poller = self._poller, None
        self._polling = False  # Python 3.11's wait_for can swallow a cancel: the loop also checks this flag
        if poller is not None and poller is not asyncio.current_task():
            poller.cancel()
            await asyncio.wait([poller], timeout=self.config.request_timeout_s + 2)
            if poller.done() and not poller.cancelled():
                poller.exception()

    def _halt_for_login(self, detail: str) -> None:
        """Kite ended the session: stop streams, report FAILED and wait for complete_login."""
        if self.login_required and self._state is ConnectionState.FAILED:
            return
        self.login_required = True
        self._spawn(self._stop_streams())
        self._publish(ConnectionState.FAILED, TOKEN_EXPIRED)
        log.info("Kite %s: session ended (%s)", self.account_id, detail)

    def _publish(self, state: ConnectionState, message: str) -> None:
        self._state = state
        self._sink(ConnectionChanged(self.account_id, state, message))

    def _require_connected(self, action: str) -> None:
        if self.login_required:
            raise AuthenticationFailed(f"{TOKEN_EXPIRED} Then {action} again.")
        if not self.is_connected or self._kite is None:
            raise ConnectionLost(f"Kite account {self.account_id} is not connected; connect, then {action} again.")

    def _api_key(self) -> str:
        key = self.credentials.api_key() if self.credentials is not None else None
        if not key:
            raise AuthenticationFailed("Enter the Kite API key in the Kite panel first.")
        return key

    def _client(self, access_token: str | None) -> Any:
        client = KiteConnect(self._api_key(), access_token=access_token, root=self.config.root, debug=False,
                             timeout=self.config.request_timeout_s)
        return client

    # --- REST ------------------------------------------------------------------------------------

    async def _offload(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking kiteconnect call in a worker thread; translate its errors (no halting)."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(function, *args, **kwargs),
                                          self.config.request_timeout_s + 1)
        except TimeoutError:
            raise Timeout(f"Kite did not answer within {self.config.request_timeout_s:g} s; check the network "
                          "and Kite's status page.") from None
        except kite_errors.KiteException as exc:
            raise translate_error(type(exc).__name__, str(exc), getattr(exc, "code", None)) from None
        except requests.Timeout:
            raise Timeout(f"Kite did not answer within {self.config.request_timeout_s:g} s.") from None
        except requests.RequestException as exc:
            raise ConnectionLost(f"Could not reach Kite ({type(exc).__name__}); check the network.") from None

    async def _rest(self, function: Callable[..., T], *args: Any, halting: bool = True, **kwargs: Any) -> T:
        """Like _offload; a TokenException also halts the account until the trader logs in again."""
        try:
            return await self._offload(function, *args, **kwargs)
        except AuthenticationFailed as exc:
            if "session has ended" in str(exc):
                if halting:
                    self._halt_for_login(str(exc))
                else:
                    self.login_required = True
            raise

    async def _await_decision(self, tracked: TrackedOrder, order_id: str, symbol: str) -> Mapping[str, Any]:
        assert tracked.decided is not None
        deadline = asyncio.get_running_loop().time() + self.config.order_timeout_s
        while not tracked.decided.done():
            history = await self._rest(self._kite.order_history, order_id)
            if history:
                self._tracker.on_order(history[-1])
            if tracked.decided.done():
                break
            if asyncio.get_running_loop().time() > deadline:
                raise Timeout(f"Kite did not confirm the {symbol} order within {self.config.order_timeout_s:g} s; "
                              "it may be working. TradeTerm checks it with Kite on reconnect and will not resend it.")
            await asyncio.sleep(_POLL_DECISION_S)
        return tracked.decided.result()

    async def _catch_up(self, order_id: str) -> None:
        """Fetch an order's latest state (and its trades if it filled) and apply them (a pending change first)."""
        tracked = self._tracker.lookup({"order_id": order_id})
        if tracked is not None and tracked.modify is not None:
            await self._settle_modify(tracked)
        async with self._updates:
            history = await self._rest(self._kite.order_history, order_id)
            if not history:
                return
            if self._tracker.needs_trades(history[-1]):
                self._tracker.on_trades(await self._rest(self._kite.order_trades, order_id))
            self._tracker.on_order(history[-1])

    def _still_polling(self) -> bool:
        return self._polling

    async def _poll_loop(self) -> None:
        self._polling = True
        while self._still_polling():
            await asyncio.sleep(self.config.poll_interval_s)
            if not self._still_polling():
                return
            try:
                for tracked in self._tracker.pending_modifies():  # before the fills: see _settle_modify
                    await self._settle_modify(tracked)
                async with self._updates:
                    orders = await self._rest(self._kite.orders)
                    new = self._tracker.on_trades(await self._rest(self._kite.trades))
                    for order in orders:
                        self._tracker.on_order(order)
                if new:
                    margins = await self._rest(self._kite.margins)
                    self._sink(AccountUpdated(self.account_id, parse_cash(margins)))
            except AuthenticationFailed:
                return
            except BrokerError as exc:
                log.warning("Kite %s: polling failed: %s", self.account_id, exc)

    # --- ticker callbacks (on the loop) ------------------------------------------------------------

    def _on_ticks(self, ticks: list[dict[str, Any]]) -> None:
        quotes = []
        for tick in ticks:
            symbol = self._symbols_by_token.get(int(tick.get("instrument_token", 0)))
            if symbol is not None and symbol in self._subscribed:
                quotes.append(parse_tick(tick, symbol, self.account_id))
                for event in self._market_depth.on_tick(tick, symbol, utc_now()):
                    self._sink(event)
        if quotes:
            self._quotes(quotes)

    def _on_postback(self, order: dict[str, Any]) -> None:
        self._spawn(self._apply_postback(order))

    async def _apply_postback(self, order: dict[str, Any]) -> None:
        try:
            tracked = self._tracker.lookup(order)
            if tracked is not None and tracked.modify is not None:
                await self._settle_modify(tracked)  # a pending change before the fills: see _settle_modify
            async with self._updates:
                if self._tracker.needs_trades(order):
                    self._tracker.on_trades(await self._rest(self._kite.order_trades, str(order["order_id"])))
                self._tracker.on_order(order)
        except BrokerError as exc:
            log.warning("Kite %s: could not apply an order update: %s", self.account_id, exc)

    def _on_ticker_status(self, event: TickerEvent) -> None:
        if event.status is TickerStatus.FORBIDDEN:
            if self.is_connected:
                self._halt_for_login("ticker refused the access token")
        elif event.status is TickerStatus.RECONNECTING and self.is_connected:
            self._sink(LogMessage("WARNING", f"Kite {self.account_id}: live prices dropped; reconnecting "
                                             f"(attempt {event.detail})."))
        elif event.status is TickerStatus.CLOSED and self.is_connected and self._ticker is not None:
            self._sink(LogMessage("WARNING", f"Kite {self.account_id}: live prices dropped ({event.detail}); "
                                             "reconnecting."))
        elif event.status is TickerStatus.OPEN and self.is_connected:
            self._sink(LogMessage("INFO", f"Kite {self.account_id}: live prices streaming."))
        elif event.status is TickerStatus.GAVE_UP and self.is_connected:
            self._sink(LogMessage("ERROR", f"Kite {self.account_id}: live prices stopped after many reconnect "
                                           "attempts; disconnect and connect again."))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink,
           credentials: KiteCredentials | None = None, *, quotes: QuoteSink | None = None) -> KiteBroker:
    """Build a Kite account from its settings (see KiteConfig.from_mapping); the registry's factory.

    settings may carry "credentials", the app's keyring-backed KiteCredentials (never persisted).
    """
    values = dict(settings)
    given = values.pop("credentials", None)
    if isinstance(given, KiteCredentials):
        credentials = given
    return KiteBroker(account_id, KiteConfig.from_mapping(values), sink, credentials, quotes=quotes)
