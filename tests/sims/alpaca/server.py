"""AlpacaSimulator: Alpaca's trading REST API and its data API's latest quotes, latest trades, snapshots and bars on one
127.0.0.1 port (aiohttp).

Point alpaca-py at it with `TradingClient(key, secret, url_override=sim.root)` and
`StockHistoricalDataClient(key, secret, url_override=sim.root)`. Every request must carry the key pair in
APCA-API-KEY-ID / APCA-API-SECRET-KEY; errors answer Alpaca's body {"code": 8 digits, "message": …}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from tests.sims.alpaca.bars import bars_answer
from tests.sims.alpaca.calendar import calendar_answer
from tests.sims.alpaca.exchange import AlpacaError, AlpacaExchange
from tests.sims.alpaca.market_stream import MarketStream
from tests.sims.alpaca.stream import TradeUpdates
from tests.sims.alpaca.tape import Tape

DEMO_API_KEY = "PKSIMDEMOKEY"
DEMO_API_SECRET = "simdemosecret"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AlpacaSimulator:
    """One Alpaca account behind one key pair; `exchange` holds its books, `exchange.faults` its faults."""

    def __init__(self, api_key: str = DEMO_API_KEY, api_secret: str = DEMO_API_SECRET,
                 tick_interval_s: float = 0.05, exchange: AlpacaExchange | None = None) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.tick_interval_s = tick_interval_s
        self.exchange = exchange or AlpacaExchange()
        self.trade_updates = TradeUpdates(lambda key, secret: key == api_key and secret == api_secret)
        self.market_stream = MarketStream(lambda key, secret: key == api_key and secret == api_secret)
        self.tape = Tape(self.exchange)
        """The market's prints: the stream's trades, the snapshots and latest trades (tape.faults: their faults)."""
        self.requests: list[tuple[str, str]] = []
        """(method, path) of every request, for tests that count what the client sent."""
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def stream_url(self) -> str:
        """The url_override for alpaca-py's TradingStream (the full URL)."""
        return f"ws://127.0.0.1:{self.port}/stream"

    @property
    def root(self) -> str:
        """The url_override for alpaca-py's REST clients (no /v2, no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        app = web.Application(middlewares=[self._guard])
        r = app.router
        r.add_get("/stream", self.trade_updates.handle)
        r.add_get("/v2/iex", self.market_stream.handle)
        r.add_get("/v2/sip", self.market_stream.handle)
        r.add_post("/v2/orders", self._submit)
        r.add_get("/v2/orders", self._orders)
        r.add_delete("/v2/orders", self._cancel_all)
        r.add_get("/v2/orders:by_client_order_id", self._by_client)
        r.add_get("/v2/orders/{id}", self._order)
        r.add_patch("/v2/orders/{id}", self._replace)
        r.add_delete("/v2/orders/{id}", self._cancel)
        r.add_get("/v2/account", _answer(lambda _: self.exchange.account()))
        r.add_get("/v2/account/activities/FILL", self._fills)
        r.add_get("/v2/positions", _answer(lambda _: self.exchange.positions()))
        r.add_get("/v2/positions/{symbol}", _answer(lambda q: self.exchange.position(q.match_info["symbol"])))
        r.add_delete("/v2/positions/{symbol}", self._close_position)
        r.add_get("/v2/assets/{symbol}", _answer(lambda q: self.exchange.asset(q.match_info["symbol"])))
        r.add_get("/v2/clock", _answer(lambda _: self.exchange.clock()))
        r.add_get("/v2/calendar", _answer(lambda q: calendar_answer(q.query)))
        r.add_get("/v2/stocks/quotes/latest", self._latest_quotes)
        r.add_get("/v2/stocks/trades/latest", _answer(lambda q: self.tape.latest_trades(dict(q.query))))
        r.add_get("/v2/stocks/snapshots", _answer(lambda q: self.tape.snapshots(dict(q.query))))
        r.add_get("/v2/stocks/bars", _answer(lambda q: bars_answer(self.exchange.by_symbol, dict(q.query))))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.trade_updates.drop()
        await self.market_stream.drop()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _tick(self) -> None:
        while True:
            self.exchange.step()
            prints = self.tape.record()
            updates, self.exchange.updates = self.exchange.updates, []
            await self.trade_updates.publish(updates)
            await self.market_stream.publish([self.exchange.market.quote(s) for s in self.exchange.by_symbol], prints)
            await asyncio.sleep(self.tick_interval_s)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if request.path in ("/stream", "/v2/iex", "/v2/sip"):  # the streams authenticate in their first message
            return await handler(request)
        headers = request.headers
        if headers.get("APCA-API-KEY-ID") != self.api_key or headers.get("APCA-API-SECRET-KEY") != self.api_secret:
            return self._error(AlpacaError(401, 40110000, "request is not authorized"))
        faults = self.exchange.faults
        if faults.rate_limited > 0 and request.method in ("POST", "PATCH", "DELETE"):
            faults.rate_limited -= 1
            return self._error(AlpacaError(429, 42910000, "rate limit exceeded"))
        try:
            return await handler(request)
        except AlpacaError as exc:
            return self._error(exc)

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise AlpacaError(400, 40010000, "request body format is invalid") from None
        if not isinstance(body, dict):
            raise AlpacaError(400, 40010000, "request body format is invalid")
        return body

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        faults = self.exchange.faults
        body = await self._body(request)
        if faults.cut_before > 0:
            faults.cut_before -= 1
            return _cut(request)
        if faults.arrive_late_s > 0:
            await asyncio.sleep(faults.arrive_late_s)
        order = self.exchange.submit(body)
        if faults.cut_after > 0:
            faults.cut_after -= 1
            return _cut(request)
        if self.exchange.faults.gateway_timeouts > 0:
            self.exchange.faults.gateway_timeouts -= 1
            return web.Response(status=504, text="<html><body><h1>504 Gateway Time-out</h1></body></html>",
                                content_type="text/html")
        if self.exchange.faults.answer_delay_s > 0:
            await asyncio.sleep(self.exchange.faults.answer_delay_s)
        return self._json(order)

    async def _close_position(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        qty = _number(q.get("qty"), "qty")
        percentage = _number(q.get("percentage"), "percentage")
        if self.exchange.faults.cut_after > 0:
            self.exchange.close_position(request.match_info["symbol"], qty, percentage)  # booked, answer lost
            self.exchange.faults.cut_after -= 1
            return _cut(request)
        return self._json(self.exchange.close_position(request.match_info["symbol"], qty, percentage))

    async def _orders(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        limit = int(q.get("limit", "50"))
        if not 1 <= limit <= 500:
            raise AlpacaError(422, 40010001, "limit must be between 1 and 500")
        return self._json(self.exchange.list_orders(q.get("status", "open"), limit, q.get("after"),
                                                    q.get("direction", "desc"), _flag(q.get("nested"))))

    async def _order(self, request: web.Request) -> web.StreamResponse:
        order = self.exchange.order(request.match_info["id"])
        return self._json(self.exchange.multi_leg.with_legs(order) if _flag(request.query.get("nested")) else order)

    async def _by_client(self, request: web.Request) -> web.StreamResponse:
        return self._json(self.exchange.by_client_order_id(request.query.get("client_order_id", "")))

    async def _replace(self, request: web.Request) -> web.StreamResponse:
        return self._json(self.exchange.replace(request.match_info["id"], await self._body(request)))

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        self.exchange.cancel(request.match_info["id"])
        return web.Response(status=204)

    async def _cancel_all(self, request: web.Request) -> web.StreamResponse:
        answers = []
        for order in self.exchange.list_orders("open", 500):
            try:
                self.exchange.cancel(order["id"])
                answers.append({"id": order["id"], "status": 200})
            except AlpacaError as exc:
                answers.append({"id": order["id"], "status": exc.status, "body": exc.body})
        return self._json(answers, status=207)

    async def _fills(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        after = _moment(q.get("after"))
        items = [a for a in self.exchange.activities if after is None or _moment(a["transaction_time"]) > after]
        if q.get("direction", "desc") == "desc":
            items.reverse()
        if q.get("page_token"):
            ids = [a["id"] for a in items]
            items = items[ids.index(q["page_token"]) + 1:] if q["page_token"] in ids else []
        size = int(q.get("page_size", "100"))
        if not 1 <= size <= 100:
            raise AlpacaError(422, 40010001, "page_size must be between 1 and 100")
        return self._json(items[:size])

    async def _latest_quotes(self, request: web.Request) -> web.StreamResponse:
        symbols = [s for s in request.query.get("symbols", "").split(",") if s]
        return self._json(self.exchange.latest_quotes(symbols))

    @staticmethod
    def _json(data: object, status: int = 200) -> web.Response:
        return web.json_response(data, status=status)

    @staticmethod
    def _error(exc: AlpacaError) -> web.Response:
        return web.json_response(exc.body, status=exc.status)


def _cut(request: web.Request) -> web.Response:
    """Abort the request's connection: the client sees it dropped, with no answer."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=503)


def _flag(text: str | None) -> bool:
    """A boolean query parameter as alpaca-py sends it (True/False) or as the docs write it (true/false)."""
    return (text or "").lower() == "true"


def _number(text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise AlpacaError(422, 40010001, f"invalid {name} {text!r}") from None


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AlpacaError(422, 40010001, f"invalid time {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _answer(read: Callable[[web.Request], object]) -> Handler:
    """Wrap a plain read of the books as an aiohttp handler answering its JSON."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(read(request))

    return handler
