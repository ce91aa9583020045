"""KiteSimulator: Kite Connect's REST API and ticker websocket on 127.0.0.1 (aiohttp), with fault injection.

REST answers `{"status":"success","data":…}` or `{"status":"error","message":…,"error_type":…}` with Kite's
HTTP statuses (TokenException 403, InputException 400, NetworkException 429 on the order rate limit).
The ticker at /ws sends binary packets in ltp, quote or full mode and order postbacks as text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web

from tests.sims.kite.exchange import KiteError, KiteExchange, stamp
from tests.sims.kite.faults import KiteFaults
from tests.sims.kite.gtt import routes as gtt_routes
from tests.sims.kite.history import HistoricalCandles
from tests.sims.kite.listings import DEFAULT_LISTINGS, Listing, instruments_csv
from tests.sims.kite.packets import TickState, frame, full_packet, index_packet, ltp_packet, quote_packet

DEMO_API_KEY = "demokey123"
DEMO_API_SECRET = "demosecret456"
TOKEN_INVALID = "Incorrect `api_key` or `access_token`."
TOO_MANY = "Too many requests"
PER_MINUTE = 200
PER_DAY = 3000
"""Kite's other order rate limits: 200 order requests a minute and 3,000 a day (10 a second is orders_per_second)."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(eq=False)
class TickerClient:
    ws: web.WebSocketResponse
    request: web.Request
    access_token: str
    modes: dict[int, str] = field(default_factory=dict)


class KiteSimulator:
    """One Kite user (api key/secret pair) with its exchange, REST routes, ticker clients and faults.

    Faults: `expire_tokens()` (every access token answers TokenException; ticker sockets close and
    upgrades get 403), `drop_ticker()` (abort every ticker socket), `stall(seconds)` (REST answers late and
    ticks pause), `orders_per_second` (the order rate limit, 10 like Kite; 200 a minute and 3,000 a day too),
    and `faults` (the exchange's KiteFaults: modify refused after 200, long pending states, UPDATE, duplicate
    and out-of-order postbacks).
    """

    def __init__(self, api_key: str = DEMO_API_KEY, api_secret: str = DEMO_API_SECRET,
                 redirect_url: str = "http://127.0.0.1/kite-redirect", tick_interval_s: float = 0.05,
                 listings: tuple[Listing, ...] = DEFAULT_LISTINGS, orders_per_second: int = 10) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.redirect_url = redirect_url
        self.tick_interval_s = tick_interval_s
        self.exchange = KiteExchange(listings)
        self.history = HistoricalCandles(self.exchange)
        self.catalog_only: tuple[Listing, ...] = ()
        """Rows /instruments lists beyond the traded listings (tests/sims/kite/catalog.py)."""
        self.orders_per_second = orders_per_second
        self.access_tokens: set[str] = set()
        self.request_tokens: set[str] = set()
        self.clients: list[TickerClient] = []
        self.order_request_times: list[float] = []
        self.rate_limited = 0
        self.upgrades_refused = 0
        self.ticker_connects = 0
        self.stalled_until = 0.0
        self.requests: Counter[str] = Counter()
        self._window: deque[float] = deque()
        self._minute: deque[float] = deque()
        self.orders_today = 0
        self.orders_per_minute = PER_MINUTE
        self.orders_per_day = PER_DAY
        self._runner: web.AppRunner | None = None
        self._ticks: asyncio.Task[None] | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        app = web.Application(middlewares=[self._envelope])
        app.add_routes([
            web.get("/connect/login", self._login_page),
            web.post("/session/token", self._session_token),
            web.delete("/session/token", self._logout),
            web.get("/user/profile", self._profile),
            web.get("/user/margins", self._margins),
            web.get("/user/margins/{segment}", self._margins),
            web.get("/portfolio/positions", self._positions),
            web.get("/portfolio/holdings", self._holdings),
            web.get("/portfolio/holdings/auctions", self._auction_holdings),
            web.get("/orders", self._orders),
            web.get("/orders/{order_id}", self._order_history),
            web.get("/orders/{order_id}/trades", self._order_trades),
            web.get("/trades", self._trades),
            web.post("/orders/{variety}", self._place),
            web.put("/orders/{variety}/{order_id}", self._modify),
            web.delete("/orders/{variety}/{order_id}", self._cancel),
            web.get("/quote", self._quote),
            web.get("/quote/ohlc", self._quote),
            web.get("/quote/ltp", self._quote),
            web.get("/instruments/historical/{token}/{interval}", self.history.handle),
            web.get("/instruments", self._instruments),
            web.get("/instruments/{exchange}", self._instruments),
            web.get("/ws", self._ticker),
            *gtt_routes(lambda: self.exchange.gtts, self._ok),
        ])
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ticks = asyncio.get_running_loop().create_task(self._tick_loop(), name="kite-sim-ticks")

    async def stop(self) -> None:
        if self._ticks is not None:
            self._ticks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticks
        for client in list(self.clients):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.ws.close(), 1.0)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_root(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def login_root(self) -> str:
        return f"{self.root}/connect/login"

    # --- helpers for tests ---------------------------------------------------------------------------

    def issue_request_token(self) -> str:
        token = secrets.token_hex(16)
        self.request_tokens.add(token)
        return token

    def issue_access_token(self) -> str:
        """Return a valid access token without the login round trip."""
        token = secrets.token_hex(16)
        self.access_tokens.add(token)
        return token

    async def expire_tokens(self) -> None:
        """Invalidate every access token (Kite does at 06:00 IST) and close their ticker sockets."""
        self.access_tokens.clear()
        for client in list(self.clients):
            await client.ws.close(code=1000, message=b"token expired")

    def drop_ticker(self) -> int:
        """Abort every ticker socket without a close frame; return how many were dropped."""
        dropped = 0
        for client in list(self.clients):
            transport = client.request.transport
            if transport is not None:
                transport.abort()
                dropped += 1
        return dropped

    def stall(self, seconds: float) -> None:
        """Answer REST calls late and send no ticks for seconds."""
        self.stalled_until = time.monotonic() + seconds

    def subscriptions(self) -> list[dict[int, str]]:
        return [dict(client.modes) for client in self.clients]

    # --- REST plumbing ---------------------------------------------------------------------------------

    @web.middleware
    async def _envelope(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests[f"{request.method} {request.path}"] += 1
        delay = self.stalled_until - time.monotonic()
        if delay > 0 and request.path != "/ws":
            await asyncio.sleep(delay)
        try:
            if request.path not in ("/connect/login", "/session/token", "/ws"):
                self._authorize(request)
            return await handler(request)
        except KiteError as exc:
            body = {"status": "error", "message": exc.message, "data": None, "error_type": exc.error_type}
            return web.json_response(body, status=exc.status)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            message = "Route not found" if exc.status in (404, 405) else exc.reason
            body = {"status": "error", "message": message, "data": None, "error_type": "GeneralException"}
            return web.json_response(body, status=exc.status)

    @property
    def faults(self) -> KiteFaults:
        """The exchange's impolite answers, switched on by tests (see tests/sims/kite/faults.py)."""
        return self.exchange.faults

    @faults.setter
    def faults(self, value: KiteFaults) -> None:
        self.exchange.faults = value

    def _authorize(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        api_key, _, token = credentials.partition(":")
        if scheme != "token" or api_key != self.api_key or token not in self.access_tokens:
            raise KiteError(403, "TokenException", TOKEN_INVALID)

    @staticmethod
    def _ok(data: Any) -> web.Response:
        return web.json_response({"status": "success", "data": data})

    def _count_order_request(self) -> None:
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        while self._minute and now - self._minute[0] >= 60.0:
            self._minute.popleft()
        if len(self._window) >= self.orders_per_second:
            self.rate_limited += 1
            raise KiteError(429, "NetworkException", TOO_MANY)
        if len(self._minute) >= self.orders_per_minute:
            self.rate_limited += 1
            raise KiteError(429, "NetworkException",
                            f"Maximum allowed order requests exceeded ({self.orders_per_minute} per minute).")
        if self.orders_today >= self.orders_per_day:
            self.rate_limited += 1
            raise KiteError(429, "NetworkException",
                            f"Maximum allowed order requests exceeded ({self.orders_per_day} per day).")
        self._window.append(now)
        self._minute.append(now)
        self.orders_today += 1
        self.order_request_times.append(now)

    # --- login ---------------------------------------------------------------------------------------------

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("api_key") != self.api_key:
            raise KiteError(400, "InputException", "Invalid `api_key`.")
        query = urlencode({"request_token": self.issue_request_token(), "action": "login", "status": "success"})
        raise web.HTTPFound(f"{self.redirect_url}?{query}")

    async def _session_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        api_key, request_token = str(form.get("api_key", "")), str(form.get("request_token", ""))
        checksum = hashlib.sha256((api_key + request_token + self.api_secret).encode()).hexdigest()
        if api_key != self.api_key:
            raise KiteError(403, "TokenException", "Invalid `api_key`.")
        if form.get("checksum") != checksum:
            raise KiteError(403, "TokenException", "Invalid `checksum`.")
        if request_token not in self.request_tokens:
            raise KiteError(403, "TokenException", "Token is invalid or has expired.")
        self.request_tokens.discard(request_token)
        access = self.issue_access_token()
        return self._ok({
            "user_type": "individual", "email": "trader@example.com", "user_name": "Sim Trader",
            "user_shortname": "Sim", "broker": "ZERODHA", "exchanges": ["NSE", "BSE"],
            "products": ["CNC", "NRML", "MIS"], "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            "avatar_url": None, "user_id": self.exchange.user_id, "api_key": self.api_key, "access_token": access,
            "public_token": secrets.token_hex(8), "refresh_token": "", "enctoken": secrets.token_hex(8),
            "login_time": stamp(), "meta": {"demat_consent": "physical"},
        })

    async def _logout(self, request: web.Request) -> web.Response:
        self.access_tokens.discard(request.query.get("access_token", ""))
        return self._ok(True)

    async def _profile(self, request: web.Request) -> web.Response:
        return self._ok({"user_id": self.exchange.user_id, "user_type": "individual", "email": "trader@example.com",
                         "user_name": "Sim Trader", "user_shortname": "Sim", "broker": "ZERODHA",
                         "exchanges": ["NSE"], "products": ["CNC", "NRML", "MIS"],
                         "order_types": ["MARKET", "LIMIT", "SL", "SL-M"], "avatar_url": None,
                         "meta": {"demat_consent": "physical"}})

    async def _auction_holdings(self, request: web.Request) -> web.Response:
        return self._ok([])  # no auction session in the simulator

    # --- portfolio, orders ----------------------------------------------------------------------------------

    async def _margins(self, request: web.Request) -> web.Response:
        margins = self.exchange.margins()
        segment = request.match_info.get("segment")
        return self._ok(margins.get(segment, margins))

    async def _positions(self, request: web.Request) -> web.Response:
        return self._ok(self.exchange.position_lists())

    async def _holdings(self, request: web.Request) -> web.Response:
        return self._ok(self.exchange.holding_list())

    async def _orders(self, request: web.Request) -> web.Response:
        return self._ok(self.exchange.order_list())

    async def _order_history(self, request: web.Request) -> web.Response:
        return self._ok(self.exchange.history(request.match_info["order_id"]))

    async def _order_trades(self, request: web.Request) -> web.Response:
        return self._ok(self.exchange.order_trades(request.match_info["order_id"]))

    async def _trades(self, request: web.Request) -> web.Response:
        return self._ok([dict(t) for t in self.exchange.trades])

    async def _place(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self._count_order_request()
        order_id = self.exchange.place(request.match_info["variety"], form)
        await self._postbacks()
        return self._ok({"order_id": order_id})

    async def _modify(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self._count_order_request()
        order_id = self.exchange.modify(request.match_info["variety"], request.match_info["order_id"], form)
        await self._postbacks()
        return self._ok({"order_id": order_id})

    async def _cancel(self, request: web.Request) -> web.Response:
        self._count_order_request()
        order_id = self.exchange.cancel(request.match_info["variety"], request.match_info["order_id"])
        await self._postbacks()
        return self._ok({"order_id": order_id})

    async def _quote(self, request: web.Request) -> web.Response:
        data: dict[str, Any] = {}
        kind = request.path.rsplit("/", 1)[-1]
        for key in request.query.getall("i", []):
            exchange, _, symbol = key.partition(":")
            known = self.exchange.symbols.get((exchange, symbol))
            listing = self.exchange.listings.get(known) if known is not None else None
            if listing is None:
                continue
            tick = self._tick_state(listing)
            entry: dict[str, Any] = {"instrument_token": listing.token, "last_price": float(tick.last)}
            if kind in ("ohlc", "quote"):
                entry["ohlc"] = {"open": float(tick.open), "high": float(tick.high), "low": float(tick.low),
                                 "close": float(tick.close)}
            if kind == "quote":
                close = tick.close
                entry.update(volume=tick.volume, last_quantity=tick.last_qty, average_price=float(tick.avg),
                             buy_quantity=tick.buy_qty, sell_quantity=tick.sell_qty, timestamp=stamp(),
                             last_trade_time=stamp(), oi=0, oi_day_high=0, oi_day_low=0, net_change=0,
                             lower_circuit_limit=float(close * Decimal("0.8")),
                             upper_circuit_limit=float(close * Decimal("1.2")),
                             depth={"buy": [{"price": float(p), "quantity": q, "orders": o} for q, p, o in tick.bids],
                                    "sell": [{"price": float(p), "quantity": q, "orders": o} for q, p, o in tick.asks]})
            data[key] = entry
        return self._ok(data)

    async def _instruments(self, request: web.Request) -> web.Response:
        exchange = request.match_info.get("exchange")
        listings = tuple(i for i in (*self.exchange.listings.values(), *self.catalog_only)
                         if exchange is None or i.exchange == exchange)
        prices = {item.key: self.exchange.market.quote(symbol).last or Decimal(0)
                  for symbol, item in self.exchange.listings.items()}
        return web.Response(text=instruments_csv(listings, prices), content_type="text/csv")

    # --- ticker ------------------------------------------------------------------------------------------------

    async def _ticker(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("access_token", "")
        if request.query.get("api_key") != self.api_key or token not in self.access_tokens:
            self.upgrades_refused += 1
            return web.Response(status=403, text="Forbidden")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        client = TickerClient(ws, request, token)
        self.clients.append(client)
        self.ticker_connects += 1
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    self._on_ticker_text(client, message.data)
        finally:
            self.clients.remove(client)
        return ws

    def _on_ticker_text(self, client: TickerClient, text: str) -> None:
        try:
            message = json.loads(text)
            action, value = message["a"], message["v"]
        except (ValueError, KeyError, TypeError):
            return
        if action == "subscribe":
            for token in value:
                if int(token) in self.exchange.by_token:
                    client.modes[int(token)] = "quote"
        elif action == "unsubscribe":
            for token in value:
                client.modes.pop(int(token), None)
        elif action == "mode":
            mode, tokens = value
            for token in tokens:
                if int(token) in client.modes:
                    client.modes[int(token)] = mode

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval_s)
            if time.monotonic() < self.stalled_until:
                continue
            self.exchange.step()
            for client in list(self.clients):
                packets = [self.packet(token, mode) for token, mode in client.modes.items()]
                if packets and not client.ws.closed:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await client.ws.send_bytes(frame(packets))
            await self._postbacks()

    def packet(self, token: int, mode: str) -> bytes:
        """Return the current packet of token in mode (ltp, quote or full)."""
        listing = self.exchange.by_token[token]
        tick = self._tick_state(listing)
        if mode == "ltp":
            return ltp_packet(tick)
        if listing.index:
            return index_packet(tick, full=mode == "full")
        return full_packet(tick) if mode == "full" else quote_packet(tick)

    def _tick_state(self, listing: Listing) -> TickState:
        symbol = self.exchange.market_symbol(listing)
        quote = self.exchange.market.quote(symbol)
        last = quote.last or Decimal(0)
        close = quote.close or last
        high = self.exchange.day_high.get(symbol, last)
        low = self.exchange.day_low.get(symbol, last)
        bids = asks = ()
        if not listing.index and quote.bid is not None and quote.ask is not None:
            tick = listing.tick
            bid_size = int(quote.bid_size or 1)
            ask_size = int(quote.ask_size or 1)
            bids = tuple((bid_size * (i + 1), quote.bid - i * tick, i + 1) for i in range(5))
            asks = tuple((ask_size * (i + 1), quote.ask + i * tick, i + 1) for i in range(5))
        now = int(time.time())
        return TickState(
            token=listing.token, last=last, last_qty=1, avg=last, volume=int(quote.volume or 0),
            buy_qty=sum(q for q, _, _ in bids), sell_qty=sum(q for q, _, _ in asks), open=close, high=high,
            low=low, close=close, bids=bids, asks=asks, last_trade_time=now, exchange_time=now,
        )

    async def _postbacks(self) -> None:
        updates = self.exchange.drain_updates()
        if not updates or not self.clients:
            return
        faults = self.exchange.faults
        sent: list[dict[str, Any]] = []
        for order in updates:
            if faults.postback_update:
                sent.append(dict(order, status="UPDATE"))
            sent += [order, order] if faults.postback_duplicates else [order]
        if faults.postback_reversed:
            sent.reverse()
        for order in sent:
            data = dict(order, user_id=self.exchange.user_id, unfilled_quantity=order["pending_quantity"],
                        app_id=1, checksum="", account_id=self.exchange.user_id)
            text = json.dumps({"type": "order", "data": data})
            for client in list(self.clients):
                if not client.ws.closed:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await client.ws.send_str(text)
