"""AlpacaBroker: an Alpaca account through alpaca-py's TradingClient, every blocking call off the loop.

Orders carry our ClientOrderId as Alpaca's client_order_id. Order states and fills (FILL account activities, one per
execution) are polled, woken by the trade-updates stream (trade_stream.py); quotes and trades come from the
market-data stream (quote_stream.py), and Alpaca's snapshots (snapshots.py) give each symbol's previous close and
day's volume, and every field while the stream is silent or refused; a lost answer to an order is settled by
GET /v2/orders:by_client_order_id, never by sending the order again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests

with warnings.catch_warnings():
    # alpaca-py 0.44 imports websockets.legacy (deprecated since websockets 14) for its trading stream.
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.common.enums import Sort
    from alpaca.common.exceptions import APIError
    from alpaca.data.historical.stock import StockHistoricalDataClient
    from alpaca.trading.client import TradingClient
    from alpaca.trading.enums import QueryOrderStatus
    from alpaca.trading.requests import (
        GetOrdersRequest,
        LimitOrderRequest,
        MarketOrderRequest,
        ReplaceOrderRequest,
        StopLimitOrderRequest,
        StopOrderRequest,
        TrailingStopOrderRequest,
    )

from core.adapters.alpaca.bracket_send import find_leg, send_bracket
from core.adapters.alpaca.brackets import flattened
from core.adapters.alpaca.closing import closes_at_market
from core.adapters.alpaca.config import LIVE_NOT_CONFIRMED, AlpacaConfig
from core.adapters.alpaca.history import TIMEFRAMES, bars_request, to_bars
from core.adapters.alpaca.hours import calendar_request, parse_calendar
from core.adapters.alpaca.last_known import LastKnown
from core.adapters.alpaca.order_lookup import (
    ORDER_PAGE,
    beyond_the_day,
    close_position,
    find_after_lost_answer,
    find_foreign,
    find_to_cancel,
)
from core.adapters.alpaca.parsing import (
    ENDED,
    ApiFailure,
    order_fields,
    parse_cash,
    parse_fill,
    parse_funds,
    parse_instrument,
    parse_order_state,
    parse_positions,
    translate_error,
)
from core.adapters.alpaca.quote_stream import STREAMED_FEEDS, QuoteStream
from core.adapters.alpaca.rest import Lost, Refused, TimedSession, data_stream_url, stream_url
from core.adapters.alpaca.snapshot_poll import SnapshotPoll
from core.adapters.alpaca.snapshots import parse_snapshots, snapshot_request
from core.adapters.alpaca.tracker import OrderTracker, Tracked
from core.adapters.alpaca.trade_stream import ALPACA_TRADE_STREAM, TradeStream
from core.domain import (
    AccountId,
    AccountUpdated,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    Instrument,
    LogMessage,
    Order,
    OrderCancelRejected,
    OrderModified,
    OrderModifyRejected,
    OrderType,
    Price,
    Quantity,
    TimeInForce,
)
from core.domain.bars import Bar
from core.domain.funds import AccountFunds
from core.domain.trading_hours import TradingHours
from core.domain.trailing import TrailUnit
from core.ports.bar_history import HistoryUnavailable
from core.ports.broker import BrokerSnapshot, EventSink, FoundOrder, QuoteSink, quotes_one_by_one
from core.ports.errors import (
    AuthenticationFailed,
    BrokerError,
    ConnectionLost,
    InvalidInstrument,
    OrderNotFound,
    OrderRejected,
    Timeout,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
Credentials = Callable[[], tuple[str | None, str | None]]
"""Return (API key id, API secret) from the keyring; never stored in settings."""
REQUESTS = {OrderType.MARKET: MarketOrderRequest, OrderType.LIMIT: LimitOrderRequest, OrderType.STOP: StopOrderRequest,
            OrderType.STOP_LIMIT: StopLimitOrderRequest, OrderType.TRAIL: TrailingStopOrderRequest}
FILL_PAGE = 100
"""Alpaca's largest page of account activities."""
STREAM_PATIENCE_S = 3.0
"""How long connect waits for the price stream's first answer (it keeps trying after; prices are polled meanwhile)."""


class AlpacaBroker:
    """One Alpaca account (paper or live). Implements BrokerAdapter, OrderLookup, AccountFundsSource and
    NativeProtection (Alpaca's own brackets, bracket_send.py).

    Events: ConnectionChanged (its CONNECTED text says whether prices stream or are polled, and why); Quote (bid, ask
    and last from the market-data stream; previous close, day's volume, and every field while the stream is silent or
    refused, from Alpaca's snapshots; each whole, its other fields the last known: last_known.py); LogMessage when
    the price stream is refused (406 connection limit, auth), drops or streams again; AccountUpdated after fills;
    OrderAccepted, OrderFilled (trade id: the FILL activity's id), OrderCanceled, OrderExpired,
    OrderRejected from the polled order states; OrderTrailMoved when a polled trailing stop's stop_price has moved;
    OrderCancelRejected, OrderModified, OrderModifyRejected answering cancel and modify.
    """

    kind: str = "alpaca"
    times_in_force = frozenset({TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.OPG,
                                TimeInForce.CLS})
    """core.ports.order_terms.OrderTerms: Alpaca's own six (no GTD)."""
    extra_order_types: frozenset[OrderType] = frozenset()

    def fraction_problem(self, order_type: OrderType, tif: TimeInForce) -> str | None:
        """core.ports.order_terms.FractionTerms: Alpaca takes a fraction of a share on a market DAY order only."""
        if order_type is OrderType.MARKET and tif is TimeInForce.DAY:
            return None
        return ("Alpaca takes a fractional quantity only on a market DAY order: send a whole number of shares, or "
                "make it a market DAY order.")
    trail_units: frozenset[TrailUnit] = frozenset(TrailUnit)
    """Alpaca works trailing stops by trail_price or trail_percent (core.ports.trailing_stops.TrailingStops)."""

    def __init__(self, account_id: AccountId, config: AlpacaConfig, sink: EventSink,
                 credentials: Credentials | None = None, *, quotes: QuoteSink | None = None) -> None:
        self.account_id = AccountId(account_id)
        self.config = config
        self._credentials = credentials
        self._sink = sink
        self._quotes = LastKnown(quotes or quotes_one_by_one(sink))
        """Where every quote goes, whole (a trade's last with the bid and ask known before it)."""
        self._trading: Any = None
        self._data: Any = None
        self._state = ConnectionState.DISCONNECTED
        self._catalog: dict[str, Instrument] = {}
        self._subscribed: dict[str, Instrument] = {}
        self._book = OrderTracker(self.account_id, sink)
        self._poller: asyncio.Task[None] | None = None
        self._polling = False
        """The poll loop runs while this is set: it stops by flag as well as by cancel, as the other adapters' loops."""
        self._stream: TradeStream | None = None
        self._quote_stream: QuoteStream | None = None
        self._prices = ""
        """Where prices come from, for the connection's status text (the stream, or why they are polled)."""
        self._wake = asyncio.Event()
        self._snapshots = SnapshotPoll(config.poll_interval_s)
        self._updates = asyncio.Lock()
        self.account: Mapping[str, Any] = {}
        self.market_open: bool | None = None

    # --- BrokerAdapter ---------------------------------------------------------------------------

    async def trading_hours(self, instrument: Instrument, now: datetime) -> TradingHours | None:
        """Return the market days ahead from Alpaca's calendar (TradingHoursSource), holidays and early closes kept."""
        return parse_calendar(instrument.venue, await self._rest(self._trading.get_calendar, calendar_request(now)))

    def instruments(self) -> Sequence[Instrument]:
        return tuple(self._catalog.values())

    @property
    def is_connected(self) -> bool:
        return self._state is ConnectionState.CONNECTED

    async def connect(self) -> None:
        """Check the keys on the account, load the watchlist's assets, adopt today's orders, start polling."""
        if self.is_connected:
            return
        self._publish(ConnectionState.CONNECTING, "Connecting to Alpaca…")
        try:
            await self._open()
        except BrokerError as exc:
            self._trading = None
            self._publish(ConnectionState.FAILED, str(exc))
            raise
        which = "paper" if self.config.paper else "LIVE"
        market = "open" if self.market_open else "closed"
        self._publish(ConnectionState.CONNECTED, f"Connected to Alpaca ({which} account "
                                                 f"{self.account.get('account_number', '')}); the market is {market}; "
                                                 f"{self._prices}.")

    async def disconnect(self) -> None:
        was = self._state
        poller, self._poller = self._poller, None
        stream, self._stream = self._stream, None
        quote_stream, self._quote_stream = self._quote_stream, None
        self._polling = False
        for streaming in (quote_stream, stream):
            if streaming is not None:
                await streaming.stop(self.config.request_timeout_s + 2)
        if poller is not None:  # its waits are cancel-safe (asyncio.timeout, not 3.11's wait_for): one cancel ends it
            poller.cancel()
            await asyncio.wait([poller], timeout=self.config.request_timeout_s + 2)
        self._trading = None
        if was is not ConnectionState.DISCONNECTED:
            self._publish(ConnectionState.DISCONNECTED, "Disconnected from Alpaca.")

    async def submit(self, order: Order) -> None:
        """Send order once with our client_order_id; return once Alpaca has it, or raise.

        A refusal raises the typed error (InsufficientFunds, InvalidInstrument, RateLimited, OrderRejected). If the
        answer is lost (no answer in order_timeout_s, the connection dropped, a 5xx), the order is looked up by our
        id: found, it is accepted; not found, Timeout (its fate is unknown; it is never resent).
        """
        client = self._require_connected("send the order")
        coid = order.client_order_id
        tracked = self._book.tracked.setdefault(coid, Tracked(coid))
        if closes_at_market(order):
            await close_position(self, client, order, tracked)
            return
        fields = order_fields(order.symbol, order.side, order.quantity.value, order.order_type, order.tif,
                              order.limit_price.value if order.limit_price else None,
                              order.stop_price.value if order.stop_price else None, str(coid), order.trail,
                              extended_hours=self.config.extended_hours)
        request = REQUESTS[order.order_type](**fields)
        try:
            raw = await self._call(client.submit_order, request, timeout_s=self.config.order_timeout_s)
        except Lost as lost:
            raw = await find_after_lost_answer(self, order, lost.detail)
        except Refused as refused:
            if not refused.failure.duplicate_id:
                self._book.forget(tracked)
                raise translate_error(refused.failure, order.symbol) from None
            raw = await find_after_lost_answer(self, order, refused.failure.message)
        if raw.get("status") == "rejected":
            self._book.forget(tracked)
            raise OrderRejected(f"Alpaca rejected the {order.symbol} order.")
        self._book.accept(tracked, raw)

    async def submit_bracket(self, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
        """Place entry with its children as Alpaca's own bracket (order_class bracket, or oto for one child):
        Alpaca holds the legs until the entry fills and cancels one when the other fills (NativeProtection)."""
        return await send_bracket(self, entry, children)

    async def cancel(self, order: Order) -> None:
        """Ask Alpaca to cancel; a refusal is published as OrderCancelRejected, the cancel itself by polling.

        An order whose send went unanswered (UNKNOWN: no Alpaca id yet) is first found by our client_order_id
        (order_lookup.find_to_cancel); one Alpaca never got is closed as never reached, never sent.
        """
        client = self._require_connected("cancel the order")
        tracked = self._book.tracked.get(order.client_order_id)
        if tracked is None or tracked.broker_order_id is None:
            tracked = await find_to_cancel(self, order)
            if tracked is None or tracked.ended:
                return
        try:
            await self._call(client.cancel_order_by_id, tracked.broker_order_id)
        except Refused as refused:
            self._sink(OrderCancelRejected(order.client_order_id, str(translate_error(refused.failure))))
            return
        except Lost as lost:
            raise ConnectionLost(f"Alpaca did not answer the cancel ({lost.detail}); the order's state is checked "
                                 "on the next poll.") from None
        await self._catch_up(tracked)

    async def modify(self, order: Order, quantity: Quantity, limit_price: Price | None,
                     stop_price: Price | None) -> None:
        """Replace the order at Alpaca (PATCH: a new order id, the old order `replaced`); publish the outcome."""
        client = self._require_connected("modify the order")
        tracked = self._book.tracked.get(order.client_order_id)
        if tracked is None or tracked.broker_order_id is None or tracked.ended:
            self._sink(OrderModifyRejected(order.client_order_id, "The order is no longer working at Alpaca."))
            return
        changes: dict[str, Any] = {"qty": int(quantity.value)}
        if limit_price is not None:
            changes["limit_price"] = float(limit_price.value)
        if stop_price is not None:
            changes["stop_price"] = float(stop_price.value)
        try:
            raw = await self._call(client.replace_order_by_id, tracked.broker_order_id, ReplaceOrderRequest(**changes))
        except Refused as refused:
            self._sink(OrderModifyRejected(order.client_order_id, str(translate_error(refused.failure, order.symbol))))
            return
        except Lost as lost:
            raise Timeout(f"Alpaca did not answer the change ({lost.detail}); the order's state is checked on the next "
                          "poll.") from None
        self._book.bind(tracked, str(raw["id"]))
        self._sink(OrderModified(order.client_order_id, quantity, limit_price, stop_price))

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        """Stream (or poll) these symbols' prices, their snapshots asked at once; raise InvalidInstrument naming any
        Alpaca does not list."""
        unknown = []
        for instrument in instruments:
            if instrument.symbol not in self._catalog and self._trading is not None:
                try:
                    await self._load_asset(instrument.symbol)
                except InvalidInstrument:
                    unknown.append(instrument.symbol)
                    continue
            self._subscribed[instrument.symbol] = instrument
            self._snapshots.add([instrument.symbol])
        self._wake.set()
        if self._quote_stream is not None:
            await self._quote_stream.add(self._subscribed)
        if unknown:
            raise InvalidInstrument(f"Alpaca lists no {', '.join(unknown)}: check the symbol.")

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        """Return Alpaca's cash, positions, today's orders (a replaced order under its replacement) and fills."""
        client = self._require_connected("reconcile")
        for _ in range(3):  # fills before and after positions agree: no trade fell between the reads
            before = await self._fills(None)
            positions = await self._rest(client.get_all_positions)
            orders = await self._orders(client)
            account = await self._rest(client.get_account)
            fills = await self._fills(None)
            if len(fills) == len(before):
                break
        for raw in orders:
            self._book.adopt(raw)
        states = []
        for raw in orders:
            if raw.get("status") == "replaced" and raw.get("replaced_by"):
                continue
            tracked = self._book.by_broker_id.get(str(raw["id"]))
            states.append(parse_order_state(raw, tracked.client_order_id if tracked else
                                            ClientOrderId(str(raw["client_order_id"]))))
        parsed = [parse_fill(a, self.account_id, self._book.coid_of(str(a["order_id"]))) for a in fills]
        return BrokerSnapshot(self.account_id, parse_cash(account), parse_positions(positions), tuple(states),
                              tuple(f for f in parsed if fills_since is None or f.ts >= fills_since))

    # --- BarHistory ----------------------------------------------------------------------------------

    def history_intervals(self) -> frozenset[timedelta]:
        """The chart timeframes Alpaca serves as bars (1m, 5m, 15m, 1h, 1D)."""
        return frozenset(TIMEFRAMES)

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
        """Return Alpaca's bars of symbol from the account's feed; HistoryUnavailable saying why there are none."""
        self._require_connected("load the chart")
        if interval not in TIMEFRAMES:
            raise HistoryUnavailable(f"Alpaca has no {interval} bars; choose 1m, 5m, 15m, 1h or 1D.")
        try:
            raw = await self._rest(self._data.get_stock_bars, bars_request(symbol, interval, start, end,
                                                                            self.config.feed))
        except BrokerError as exc:
            raise HistoryUnavailable(f"Alpaca refused the {symbol} bars: {exc}") from None
        bars = to_bars(raw, symbol, self.account_id, interval, start, end)
        if not bars and symbol not in self._catalog:
            raise HistoryUnavailable(f"Alpaca has no bars of {symbol}: check the symbol.")
        return bars

    # --- OrderLookup, AccountFundsSource -----------------------------------------------------------

    async def lookup_order(self, order: Order) -> FoundOrder | None:
        """Find order by our client_order_id (following replacements) with its fills; None if Alpaca has none."""
        self._require_connected("look the order up")
        found = await self._get_by_client_id(str(order.client_order_id))
        if found is None:  # a bracket's leg is Alpaca's under its own id: found through its entry
            found = await find_leg(self, str(order.client_order_id))
        if found is not None:
            tracked = self._book.adopt(found)
        else:  # a close (DELETE /v2/positions) carries Alpaca's client_order_id: it is ours by its Alpaca id
            found = await find_foreign(self, order)
            if found is None:
                return None
            tracked = self._book.by_broker_id.get(str(found["id"])) or self._book.tracked.setdefault(
                order.client_order_id, Tracked(order.client_order_id))
            if str(found["id"]) not in tracked.ids:
                self._book.bind(tracked, str(found["id"]))
        raw: Mapping[str, Any] = found
        client = self._trading
        while raw.get("status") == "replaced" and raw.get("replaced_by"):
            raw = await self._rest(client.get_order_by_id, str(raw["replaced_by"]))
            self._book.bind(tracked, str(raw["id"]))
        # The caller books what Alpaca says of it; its later fills are then ours (an order the poll's list of the
        # last day lacks, such as an old GTC order, is not accepted there).
        tracked.accepted = raw.get("status") != "rejected"
        tracked.ended = raw.get("status") in ENDED
        fills = [parse_fill(a, self.account_id, order.client_order_id) for a in await self._fills(None)
                 if str(a["order_id"]) in tracked.ids]
        return FoundOrder(parse_order_state(raw, order.client_order_id), tuple(fills))

    async def account_funds(self) -> AccountFunds:
        client = self._require_connected("read its funds")
        self.account = await self._rest(client.get_account)
        return parse_funds(self.account, self.account_id, datetime.now(UTC))

    # --- connection --------------------------------------------------------------------------------

    async def _open(self) -> None:
        config = self.config
        if not config.paper and not config.live_confirmed:
            raise AuthenticationFailed(LIVE_NOT_CONFIRMED)
        key, secret = self._credentials() if self._credentials is not None else (None, None)
        if not key or not secret:
            raise AuthenticationFailed("Enter the Alpaca API key id and secret in the Alpaca panel first "
                                       "(Alpaca dashboard → API keys).")
        trading: Any = TradingClient(key, secret, paper=config.paper, raw_data=True,
                                url_override=config.trading_root or None)
        data: Any = StockHistoricalDataClient(key, secret, raw_data=True, url_override=config.data_root or None)
        for client in (trading, data):
            client._session = TimedSession(config.request_timeout_s)
            # alpaca-py retries a 429 or 504 three times, 3 s apart, POST /v2/orders included, blocking a worker.
            # A 429 is reported to the trader instead; a 504 on an order is settled by its client_order_id.
            client._retry_codes = []
        self._trading, self._data = trading, data
        self.account = await self._rest(trading.get_account)
        if self.account.get("trading_blocked") or self.account.get("account_blocked"):
            raise AuthenticationFailed(f"Alpaca has blocked trading on account {self.account.get('account_number')}; "
                                       "see the Alpaca dashboard.")
        self.market_open = bool((await self._rest(trading.get_clock)).get("is_open"))
        for symbol in config.symbols:
            try:
                await self._load_asset(symbol)
            except InvalidInstrument as exc:
                log.warning("Alpaca %s: %s", self.account_id, exc)
        self._book.seen_fills.update(str(a["id"]) for a in await self._fills(None))
        for raw in sorted(await self._orders(trading), key=lambda o: str(o.get("submitted_at"))):
            tracked = self._book.adopt(raw)
            tracked.accepted = True
            tracked.ended = raw.get("status") in ENDED and not raw.get("replaced_by")
        self._sink(AccountUpdated(self.account_id, parse_cash(self.account)))
        self._state = ConnectionState.CONNECTED  # polling checks it
        loop = asyncio.get_running_loop()
        self._polling = True
        self._poller = loop.create_task(self._poll_loop(), name=f"alpaca-{self.account_id}")
        if config.stream:
            # A trade update only wakes the poll, which reads orders and fills in order and drops repeats; nothing is
            # lost if the stream drops (trade_stream.py, and why not alpaca-py's TradingStream).
            self._stream = TradeStream(key, secret, stream_url(config) or ALPACA_TRADE_STREAM[config.paper],
                                       self._wake.set, self._on_stream_note, timeout_s=config.request_timeout_s)
            self._stream.start(f"alpaca-stream-{self.account_id}")
        if config.quote_stream and config.feed in STREAMED_FEEDS:
            self._quote_stream = QuoteStream(key, secret, config.feed, data_stream_url(config), self.account_id,
                                             self._quotes, self._on_stream_note, timeout_s=config.request_timeout_s)
            await self._quote_stream.add(self._subscribed)
            why = await self._quote_stream.start(f"alpaca-quotes-{self.account_id}",
                                                 min(config.request_timeout_s, STREAM_PATIENCE_S))
            self._prices = f"prices stream from Alpaca ({config.feed})" if why is None else why
        else:
            self._prices = f"prices are polled every {config.poll_interval_s:g} s"

    async def _load_asset(self, symbol: str) -> Instrument:
        try:
            asset = await self._call(self._trading.get_asset, symbol)
        except Refused as refused:
            raise translate_error(refused.failure, symbol) if refused.failure.status != 404 else \
                InvalidInstrument(f"Alpaca lists no {symbol}: check the symbol.") from None
        instrument = parse_instrument(asset)
        self._catalog[instrument.symbol] = instrument
        return instrument

    def _publish(self, state: ConnectionState, message: str) -> None:
        self._state = state
        self._sink(ConnectionChanged(self.account_id, state, message))

    def _require_connected(self, action: str) -> Any:
        if not self.is_connected or self._trading is None:
            raise ConnectionLost(f"Alpaca account {self.account_id} is not connected; connect, then {action} again.")
        return self._trading

    # --- REST ----------------------------------------------------------------------------------------

    async def _call(self, function: Callable[..., T], *args: Any, timeout_s: float | None = None) -> T:
        """Run a blocking alpaca-py call in a worker thread; Refused for Alpaca's answer, Lost for none."""
        wait = timeout_s if timeout_s is not None else self.config.request_timeout_s + 1
        try:
            async with asyncio.timeout(wait):  # not wait_for: on 3.11 it can swallow a cancel that meets the answer
                return await asyncio.to_thread(function, *args)
        except TimeoutError:
            raise Lost(f"no answer within {wait:g} s") from None
        except APIError as exc:
            failure = ApiFailure.of(str(exc), exc.status_code)
            if failure.fate_unknown:
                raise Lost(f"HTTP {failure.status}: {failure.message}") from None
            raise Refused(failure) from None
        except requests.RequestException as exc:
            raise Lost(f"{type(exc).__name__}; check the network") from None

    async def _rest(self, function: Callable[..., T], *args: Any) -> T:
        """Like _call, with Alpaca's refusals and lost answers as BrokerErrors."""
        try:
            return await self._call(function, *args)
        except Refused as refused:
            raise translate_error(refused.failure) from None
        except Lost as lost:
            raise ConnectionLost(f"Could not reach Alpaca ({lost.detail}).") from None

    async def _get_by_client_id(self, client_order_id: str) -> Mapping[str, Any] | None:
        try:
            return await self._rest(self._trading.get_order_by_client_id, client_order_id)
        except OrderNotFound:
            return None

    async def _orders(self, client: Any) -> list[Mapping[str, Any]]:
        """Return the last day's orders, oldest first: the newest ORDER_PAGE of them (Alpaca's largest page)."""
        since = datetime.now(UTC) - timedelta(days=1)
        request = GetOrdersRequest(status=QueryOrderStatus.ALL, limit=ORDER_PAGE, after=since, direction=Sort.DESC,
                                   nested=True)  # a bracket's legs under their entry, where they are known as ours
        return list(flattened(list(reversed(await self._rest(client.get_orders, request)))))

    async def _fills(self, after: datetime | None) -> list[Mapping[str, Any]]:
        """Return the FILL activities after `after` (default: the last day), oldest first, every page of them."""
        since = (after or datetime.now(UTC) - timedelta(days=1)).isoformat()
        out: list[Mapping[str, Any]] = []
        while True:
            params: dict[str, Any] = {"direction": "asc", "page_size": FILL_PAGE, "after": since}
            if out:
                params["page_token"] = str(out[-1]["id"])
            page = list(await self._rest(self._trading.get, "/account/activities/FILL", params) or [])
            out.extend(page)
            if len(page) < FILL_PAGE:
                return out

    async def _catch_up(self, tracked: Tracked) -> None:
        if tracked.broker_order_id is None:
            return
        async with self._updates:
            raw = await self._rest(self._trading.get_order_by_id, tracked.broker_order_id)
            self._book.apply([raw], await self._fills(None))

    def _on_stream_note(self, level: str, text: str) -> None:
        self._sink(LogMessage(level, f"Alpaca {self.account_id}: {text}"))

    async def _poll_loop(self) -> None:
        while self._polling:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.poll_interval_s):  # a cancel meeting a wake is not lost
                    await self._wake.wait()
            self._wake.clear()
            await self._poll_snapshots()
            try:
                async with self._updates:
                    orders = await self._orders(self._trading)
                    orders += await beyond_the_day(self, orders)
                    fills = await self._fills(self._book.fills_after)
                    new = self._book.apply(orders, fills)
                if new:
                    self.account = await self._rest(self._trading.get_account)
                    self._sink(AccountUpdated(self.account_id, parse_cash(self.account)))
            except BrokerError as exc:
                log.warning("Alpaca %s: polling failed: %s", self.account_id, exc)

    async def _poll_snapshots(self) -> None:
        """Ask Alpaca's snapshots of the symbols due (SnapshotPoll); a refusal (a 429) or no answer leaves every
        field as it was and asks again at the next poll."""
        symbols, stream = list(self._subscribed), self._quote_stream
        now = asyncio.get_running_loop().time()
        streaming = stream is not None and now - stream.last_quote_at < 3 * self.config.poll_interval_s
        due = self._snapshots.due(now, symbols, streaming)
        if not due:
            return
        try:
            raw = await self._rest(self._data.get_stock_snapshot, snapshot_request(due, self.config.feed))
        except BrokerError as exc:
            self._snapshots.retry(due)
            log.warning("Alpaca %s: could not read the snapshots of %s: %s", self.account_id, ", ".join(due), exc)
            return
        quotes = parse_snapshots(raw, due, self.account_id, stream.newest if stream is not None else None)
        if quotes:
            self._quotes(quotes)

def create(account_id: AccountId, settings: dict[str, object], sink: EventSink, *,
           quotes: QuoteSink | None = None) -> AlpacaBroker:
    """Build an Alpaca account; settings hold AlpacaConfig fields plus "credentials" (the keyring's, not persisted)."""
    values = dict(settings)
    credentials = values.pop("credentials", None)
    if credentials is not None and not callable(credentials):
        raise ValueError("Alpaca settings: credentials must be a callable returning (api_key, api_secret)")
    return AlpacaBroker(account_id, AlpacaConfig.from_mapping(values), sink, credentials, quotes=quotes)
