"""KiteBroker: a Zerodha account through kiteconnect — REST off the loop, ticks and postbacks from KiteTicker."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from core.adapters.kite.config import KiteConfig
from core.adapters.kite.credentials import AccessToken, KiteCredentials
from core.adapters.kite.funds import parse_funds
from core.adapters.kite.gtt import gtt_args, parse_gtt
from core.adapters.kite.hours import kite_hours
from core.adapters.kite.market_data import KiteMarketData
from core.adapters.kite.order_updates import KiteOrderUpdates
from core.adapters.kite.parsing import (
    IST,
    KiteProduct,
    kite_time,
    order_params,
    parse_cash,
    parse_fill,
    parse_order_state,
    parse_positions,
    parse_request_token,
    token_expiry,
    translate_rejection,
)
from core.adapters.kite.ticker import TickerBridge, TickerEvent, TickerStatus
from core.adapters.kite.tracker import trade_key
from core.domain import (
    AccountId,
    AccountUpdated,
    BrokerTokenExpiring,
    ConnectionState,
    Instrument,
    LogMessage,
    Order,
    OrderCancelRejected,
    OrderType,
    TimeInForce,
)
from core.domain.funds import AccountFunds
from core.domain.market_data_error import FeedChanged
from core.domain.product import Product, products_for
from core.domain.trading_hours import TradingHours
from core.ports.broker import BrokerSnapshot, EventSink, QuoteSink
from core.ports.errors import (
    AuthenticationFailed,
    BrokerError,
    ConnectionLost,
    InvalidInstrument,
    OrderRejected,
    Timeout,
)
from core.ports.order_products import ProductOffer
from core.ports.position_protection import BrokerProtection

SNAPSHOT_TRIES = 3
"""Reads of trades, positions and orders for one snapshot: a fill between the reads of trades and of positions
would show as a position difference that is not one, so the reads are repeated until no trade came between."""
EXPIRY_WARNING = timedelta(minutes=30)
"""How long before Kite ends the session the trader is told to log in again."""


class KiteBroker(KiteMarketData, KiteOrderUpdates):
    """One Zerodha Kite account. Implements core.ports.broker.BrokerAdapter.

    Built from KiteRestBase (state, REST), KiteMarketData (quotes, history, depth, tape, search) and
    KiteOrderUpdates (modify, order verdicts, polling, postbacks); this module holds login, connection and orders.

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
    times_in_force: frozenset[TimeInForce] = frozenset({TimeInForce.DAY, TimeInForce.IOC})
    """core.ports.order_terms.OrderTerms: Kite's validity is DAY or IOC (a long-standing order is a GTT), so GTC
    and the rest are refused before they are journaled, and the ticket does not offer them."""
    extra_order_types: frozenset[OrderType] = frozenset()

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
        offer = self.products_for(order.instrument)
        product = order.product or (offer.default if offer is not None else None)
        if offer is None or product not in offer.choices:
            raise OrderRejected(f"Kite does not take {product or 'an order'} for {order.symbol}: choose one of "
                                f"{', '.join(p.value for p in offer.choices) if offer else 'a tradeable contract'}.")
        params = order_params(order, KiteProduct(product.value), self.config.variety)
        tracked = self._tracker.expect(order.client_order_id, params["variety"])
        await self._throttle.acquire()
        try:
            order_id = str(await self._rest(self._kite.place_order, **params))
        except (ConnectionLost, Timeout):
            # The answer is lost, not necessarily the order: a request that left here can still be taken by Kite
            # after the client gave up (a stalled gateway acts late). It stays tracked by our tag, so polling
            # and postbacks publish Kite's acceptance, refusal and fills whenever Kite shows the order.
            self._tracker.lost_answer(tracked)
            raise
        except BrokerError:  # Kite refused it (or the session ended): it has no such order
            self._tracker.forget(order.client_order_id)
            raise
        self._tracker.bind(tracked, order_id)
        state = await self._await_decision(tracked, order_id, order.symbol)
        if state.get("status") == "REJECTED":
            raise translate_rejection(state.get("status_message"))
        self._tracker.accept(tracked)
        await self._catch_up(order_id)

    async def trading_hours(self, instrument: Instrument, now: datetime) -> TradingHours | None:
        """Return the exchange's fixed normal hours (TradingHoursSource; Kite Connect has no hours call)."""
        return kite_hours(instrument, now)

    def products_for(self, instrument: Instrument) -> ProductOffer | None:
        """Shares CNC or MIS, F&O NRML or MIS; the default is the account's `product` where it applies (OrderProducts).

        An account set to CNC sends F&O as NRML (Kite takes no CNC for F&O), one set to NRML sends shares as CNC.
        """
        choices = products_for(instrument.asset_class)
        if not choices:
            return None
        configured = Product(self.config.product.value)
        return ProductOffer(choices, configured if configured in choices else choices[0])

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

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        """Return Kite's funds, net positions, today's orders and trades (since fills_since)."""
        self._require_connected("reconcile")
        await self._calls_ended()  # a place given up on here may still be on its way: read the books after it
        for _ in range(SNAPSHOT_TRIES):  # positions between two reads of the trades that agree: one moment
            trades_before = await self._rest(self._kite.trades)
            positions = await self._rest(self._kite.positions)
            orders = await self._rest(self._kite.orders)
            trades = await self._rest(self._kite.trades)
            if len(trades) == len(trades_before):
                break
        margins = await self._rest(self._kite.margins)
        symbol_of = self._symbols.symbol_of
        tags = {str(o["order_id"]): parse_order_state(o).client_order_id for o in orders}
        fills = [parse_fill(t, self.account_id, tags.get(str(t["order_id"])), symbol_of) for t in trades]
        return BrokerSnapshot(
            account_id=self.account_id,
            cash=parse_cash(margins),
            positions=parse_positions(positions, symbol_of),
            orders=tuple(parse_order_state(o, symbol_of) for o in orders),
            fills=tuple(f for f in fills if fills_since is None or f.ts >= fills_since),
        )

    async def protect_position(self, symbol: str, quantity: Decimal, stop_loss: Decimal | None,
                               take_profit: Decimal | None, last_price: Decimal) -> str:
        """Place a GTT (gtt.py) for a delivery holding; return its trigger id (PositionProtection)."""
        args = self._gtt_args(symbol, quantity, stop_loss, take_profit, last_price)
        answer = await self._rest(self._kite.place_gtt, **args)
        return str(answer["trigger_id"])

    async def change_protection(self, protection_id: str, symbol: str, quantity: Decimal, stop_loss: Decimal | None,
                                take_profit: Decimal | None, last_price: Decimal) -> None:
        """Replace a GTT's triggers and orders (modify_gtt wants every field again)."""
        args = self._gtt_args(symbol, quantity, stop_loss, take_profit, last_price)
        await self._rest(self._kite.modify_gtt, int(protection_id), **args)

    async def remove_protection(self, protection_id: str) -> None:
        """Delete a GTT."""
        self._require_connected("delete the GTT")
        await self._rest(self._kite.delete_gtt, int(protection_id))

    async def protections(self) -> list[BrokerProtection]:
        """Return Kite's GTTs (active, and the others of the last 7 days)."""
        self._require_connected("read GTTs")
        return [parse_gtt(record) for record in await self._rest(self._kite.get_gtts)]

    def _gtt_args(self, symbol: str, quantity: Decimal, stop_loss: Decimal | None, take_profit: Decimal | None,
                  last_price: Decimal) -> dict[str, Any]:
        self._require_connected("place the GTT")
        if self.config.product is not KiteProduct.CNC:
            raise OrderRejected(f"GTT protects delivery (CNC) holdings; {self.account_id} trades "
                                f"{self.config.product.value}: protect the position with a bracket held by TradeTerm.")
        instrument = self.find_instrument(symbol)
        if instrument is None:
            raise InvalidInstrument(f"Kite lists no {symbol} on {self.config.exchange}: check the symbol.")
        return gtt_args(symbol, self.config.exchange, self.config.product.value, quantity, stop_loss, take_profit,
                        last_price, instrument.tick_size)

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
            if self.credentials is None or not self.credentials.api_key() or not self.credentials.api_secret():
                raise AuthenticationFailed("No Kite API key yet: in Connect account… > Zerodha Kite enter your API "
                                           "key and secret, press Save keys, then Log in.")
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
            self._tracker.seen_trades.update(trade_key(t) for t in await self._rest(self._kite.trades, halting=False))
        self._sink(AccountUpdated(self.account_id, parse_cash(await self._rest(self._kite.margins, halting=False))))
        loop = asyncio.get_running_loop()
        if self.config.ticker:
            self._ticker = TickerBridge(loop, self._api_key(), token.value, self.config.ws_root,
                                        self.config.ticker_mode.value, self._on_ticks, self._on_postback,
                                        self._on_ticker_status, self.config.reconnect_initial_s)
            self._ticker.start()
            self._ticker.subscribe(self._catalog[s][1] for s in self._subscribed if s in self._catalog)
        self._poller = loop.create_task(self._poll_loop(), name=f"kite-poll-{self.account_id}")

    # --- ticker callbacks (on the loop) ------------------------------------------------------------

    def _on_ticker_status(self, event: TickerEvent) -> None:
        if event.status is TickerStatus.FORBIDDEN:
            if self.is_connected:
                self._halt_for_login("ticker refused the access token")
        elif event.status is TickerStatus.RECONNECTING and self.is_connected:
            self._sink(LogMessage("WARNING", f"Kite {self.account_id}: live prices dropped; reconnecting "
                                             f"(attempt {event.detail})."))
            self._sink(FeedChanged(self.account_id, False, "live prices dropped; reconnecting"))
        elif event.status is TickerStatus.CLOSED and self.is_connected and self._ticker is not None:
            self._sink(LogMessage("WARNING", f"Kite {self.account_id}: live prices dropped ({event.detail}); "
                                             "reconnecting."))
            self._sink(FeedChanged(self.account_id, False, f"live prices dropped ({event.detail})"))
        elif event.status is TickerStatus.OPEN and self.is_connected:
            self._sink(LogMessage("INFO", f"Kite {self.account_id}: live prices streaming."))
            self._sink(FeedChanged(self.account_id, True, "live prices streaming"))
        elif event.status is TickerStatus.GAVE_UP and self.is_connected:
            self._sink(LogMessage("ERROR", f"Kite {self.account_id}: live prices stopped after many reconnect "
                                           "attempts; disconnect and connect again."))
            self._sink(FeedChanged(self.account_id, False, "live prices stopped"))

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
