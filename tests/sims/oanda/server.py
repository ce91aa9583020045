"""OandaSimulator: the v20 REST endpoints and the two newline-delimited JSON streams over aiohttp on 127.0.0.1.

Auth: `Authorization: Bearer <token>`; anything else is 401 with OANDA's body. Streams are chunked,
one JSON object per line, never a blank line; HEARTBEAT every `heartbeat_s` (5 s as OANDA's).
Faults: `late_order_answer_s` places the order at once but answers the POST that much later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.sims.oanda.candles import candles
from tests.sims.oanda.exchange import OandaExchange, Refusal, stamp

DEMO_TOKEN = "sim-token-0123456789abcdef"
UNAUTHORIZED = {"errorMessage": "Insufficient authorization to perform request."}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SINCE_MAX = 1000
"""transactions/sinceid answers at most this many (the 1,000 after the id: yhilpisch/tpqoa#25)."""


class OandaSimulator:
    def __init__(self, token: str = DEMO_TOKEN, exchange: OandaExchange | None = None,
                 tick_interval_s: float = 0.05, heartbeat_s: float = 5.0) -> None:
        self.token = token
        self.exchange = exchange or OandaExchange()
        self.tick_interval_s = tick_interval_s
        self.heartbeat_s = heartbeat_s
        self.late_order_answer_s = 0.0
        self.order_posts = 0
        self.cuts: dict[str, bool] = {}
        """Fault: the next "place", "cancel" or "modify" loses its connection before OANDA acts (False) or after
        it has acted, so its answer is lost (True)."""
        self.cut_done: dict[str, int] = {"place": 0, "cancel": 0, "modify": 0}
        self.before_replace: Callable[[], None] | None = None
        """Fault, once: what happens at OANDA just before it handles the next PUT /orders/{spec} (an entry fills)."""
        self.after_positions: Callable[[], None] | None = None
        """Fault, once: what happens at OANDA just after it has read the open positions for an answer (a fill)."""
        self.transactions_flow = asyncio.Event()
        """Fault, when cleared: the transaction stream lags, holding its lines (REST answers still come); a stream
        dropped meanwhile loses what it held."""
        self.transactions_flow.set()
        self.stream_connects = {"pricing": 0, "transactions": 0}
        self.candle_requests: list[dict[str, str]] = []
        """Every GET /v3/instruments/{instrument}/candles: its query with the instrument."""
        self.candles_down = False
        """Fault: candles are answered 503 (OANDA's history service down); prices and orders go on."""
        self._open_streams: dict[int, web.Request] = {}
        self._refuse_streams_until = 0.0
        self._price_queues: list[tuple[set[str], asyncio.Queue[dict[str, Any]]]] = []
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        app = web.Application(middlewares=[self._auth])
        a = "/v3/accounts/{account}"
        app.router.add_get("/v3/accounts", self._accounts)
        app.router.add_get("/v3/instruments/{instrument}/candles", self._candles)
        app.router.add_get(f"{a}/summary", self._summary)
        app.router.add_get(f"{a}/instruments", self._instruments)
        app.router.add_post(f"{a}/orders", self._place)
        app.router.add_get(f"{a}/orders", self._orders)
        app.router.add_get(f"{a}/pendingOrders", self._pending_orders)
        app.router.add_get(f"{a}/orders/{{spec}}", self._order)
        app.router.add_put(f"{a}/orders/{{spec}}/cancel", self._cancel)
        app.router.add_put(f"{a}/orders/{{spec}}", self._replace)
        app.router.add_get(f"{a}/openPositions", self._positions)
        app.router.add_put(f"{a}/positions/{{instrument}}/close", self._close_position)
        app.router.add_get(f"{a}/transactions/sinceid", self._since)
        app.router.add_get(f"{a}/transactions", self._transaction_pages)
        app.router.add_get(f"{a}/transactions/idrange", self._id_range)
        app.router.add_get(f"{a}/pricing/stream", self._pricing_stream)
        app.router.add_get(f"{a}/transactions/stream", self._transaction_stream)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
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
        if self._runner is not None:
            await self._runner.cleanup()

    async def drop_streams(self, refuse_s: float = 0.0) -> None:
        """Fault: break every open stream, and answer new stream requests 503 for refuse_s seconds; what a stream
        had not yet written is lost with it."""
        self._refuse_streams_until = asyncio.get_running_loop().time() + refuse_s
        for request in list(self._open_streams.values()):
            if request.transport is not None:
                request.transport.close()

    async def _cut(self, kind: str, request: web.Request, act: Callable[[], web.Response]) -> web.Response:
        after = self.cuts.pop(kind, None)
        if after is None:
            return act()
        if after:
            act()
        self.cut_done[kind] += 1
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)

    # --- plumbing ----------------------------------------------------------------------------------

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(UNAUTHORIZED, status=401)
        account = request.match_info.get("account")
        if account is not None and account != self.exchange.account_id:
            return web.json_response({"errorMessage": "Invalid value specified for 'accountID'"}, status=400)
        try:
            return await handler(request)
        except Refusal as refusal:
            return web.json_response(refusal.body, status=refusal.status)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval_s)
            for line in self.exchange.step():
                for wanted, queue in self._price_queues:
                    if line["instrument"] in wanted:
                        queue.put_nowait(line)

    async def _stream(self, request: web.Request, queue: asyncio.Queue[dict[str, Any]],
                      heartbeat: Callable[[], dict[str, Any]]) -> web.StreamResponse:
        if asyncio.get_running_loop().time() < self._refuse_streams_until:
            return web.json_response({"errorMessage": "Service unavailable"}, status=503)
        self.stream_connects["transactions" if request.path.endswith("transactions/stream") else "pricing"] += 1
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        self._open_streams[id(request)] = request
        try:
            while True:
                try:
                    line = await asyncio.wait_for(queue.get(), self.heartbeat_s)
                except TimeoutError:
                    line = heartbeat()
                if request.path.endswith("transactions/stream"):
                    await self.transactions_flow.wait()
                try:
                    await response.write(json.dumps(line).encode() + b"\n")
                except (ConnectionResetError, RuntimeError):
                    return response
        finally:
            self._open_streams.pop(id(request), None)

    # --- REST --------------------------------------------------------------------------------------

    async def _candles(self, request: web.Request) -> web.Response:
        self.candle_requests.append({"instrument": request.match_info["instrument"], **request.query})
        if self.candles_down:
            return web.json_response({"errorMessage": "Service unavailable"}, status=503)
        return candles(self.exchange, request)

    async def _accounts(self, request: web.Request) -> web.Response:
        return web.json_response({"accounts": [{"id": self.exchange.account_id, "tags": []}]})

    async def _summary(self, request: web.Request) -> web.Response:
        return web.json_response({"account": self.exchange.summary(), "lastTransactionID": self.exchange.last_id})

    async def _instruments(self, request: web.Request) -> web.Response:
        wanted = set(filter(None, request.query.get("instruments", "").split(",")))
        listings = [item.wire() for item in self.exchange.listings.values() if not wanted or item.name in wanted]
        return web.json_response({"instruments": listings, "lastTransactionID": self.exchange.last_id})

    async def _place(self, request: web.Request) -> web.Response:
        self.order_posts += 1
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"errorMessage": "Invalid JSON in request body"}, status=400)
        order = body.get("order") if isinstance(body, dict) else None
        if not isinstance(order, dict):
            return web.json_response({"errorMessage": "Missing 'order' in request body"}, status=400)
        if "place" in self.cuts:
            return await self._cut("place", request, lambda: web.json_response(self.exchange.place(order), status=201))
        answer = self.exchange.place(order)
        if self.late_order_answer_s:
            await asyncio.sleep(self.late_order_answer_s)
        return web.json_response(answer, status=201)

    async def _orders(self, request: web.Request) -> web.Response:
        """GET /orders?state=&count=: the newest `count` orders (default 50, at most 500), newest first."""
        state = request.query.get("state", "PENDING")
        count = min(500, int(request.query.get("count", "50")))
        orders = [o.wire for o in self.exchange.orders.values() if state == "ALL" or o.state == state]
        return web.json_response({"orders": orders[::-1][:count], "lastTransactionID": self.exchange.last_id})

    async def _pending_orders(self, request: web.Request) -> web.Response:
        """GET /pendingOrders: every pending order, newest first."""
        orders = [o.wire for o in self.exchange.orders.values() if o.state == "PENDING"]
        return web.json_response({"orders": orders[::-1], "lastTransactionID": self.exchange.last_id})

    async def _order(self, request: web.Request) -> web.Response:
        sim = self.exchange.find(request.match_info["spec"])
        return web.json_response({"order": sim.wire, "lastTransactionID": self.exchange.last_id})

    async def _replace(self, request: web.Request) -> web.Response:
        body = await request.json()
        order = body.get("order") if isinstance(body, dict) else None
        if not isinstance(order, dict):
            return web.json_response({"errorMessage": "Missing 'order' in request body"}, status=400)
        spec = request.match_info["spec"]
        before, self.before_replace = self.before_replace, None
        if before is not None:
            before()
        return await self._cut("modify", request,
                               lambda: web.json_response(self.exchange.replace(spec, order), status=201))

    async def _cancel(self, request: web.Request) -> web.Response:
        spec = request.match_info["spec"]
        return await self._cut("cancel", request, lambda: web.json_response(self.exchange.cancel(spec)))

    async def _positions(self, request: web.Request) -> web.Response:
        answer = web.json_response({"positions": self.exchange.open_positions(),
                                    "lastTransactionID": self.exchange.last_id})
        after, self.after_positions = self.after_positions, None
        if after is not None:
            after()
        return answer

    async def _close_position(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        return web.json_response(self.exchange.close_position(
            request.match_info["instrument"], str(body.get("longUnits", "ALL")), str(body.get("shortUnits", "ALL"))))

    async def _since(self, request: web.Request) -> web.Response:
        try:
            last = int(request.query.get("id", ""))
        except ValueError:
            return web.json_response({"errorMessage": "Invalid value specified for 'id'"}, status=400)
        return web.json_response({"transactions": self.exchange.since(last)[:SINCE_MAX],
                                  "lastTransactionID": self.exchange.last_id})

    async def _transaction_pages(self, request: web.Request) -> web.Response:
        """GET /transactions?from=&to=&type=&pageSize=: no transactions, the idrange page URLs that hold them."""
        query = request.query
        types = set(filter(None, query.get("type", "").split(",")))
        start, end = query.get("from", ""), query.get("to", "9999")
        size = int(query.get("pageSize", "100"))
        ids = [int(t["id"]) for t in self.exchange.transactions
               if start <= t["time"] <= end and (not types or t["type"] in types)]
        base = f"{self.root}/v3/accounts/{self.exchange.account_id}/transactions/idrange"
        pages = [f"{base}?from={chunk[0]}&to={chunk[-1]}&type={','.join(sorted(types))}"
                 for chunk in (ids[i:i + size] for i in range(0, len(ids), size))]
        return web.json_response({"from": start, "to": end, "pageSize": size, "type": sorted(types),
                                  "count": len(ids), "pages": pages, "lastTransactionID": self.exchange.last_id})

    async def _id_range(self, request: web.Request) -> web.Response:
        try:
            low, high = int(request.query["from"]), int(request.query["to"])
        except (KeyError, ValueError):
            return web.json_response({"errorMessage": "Invalid value specified for 'from' or 'to'"}, status=400)
        types = set(filter(None, request.query.get("type", "").split(",")))
        found = [t for t in self.exchange.transactions[low - 1:high] if not types or t["type"] in types]
        return web.json_response({"transactions": found, "lastTransactionID": self.exchange.last_id})

    # --- streams -----------------------------------------------------------------------------------

    async def _pricing_stream(self, request: web.Request) -> web.StreamResponse:
        wanted = set(filter(None, request.query.get("instruments", "").split(",")))
        unknown = wanted - set(self.exchange.listings)
        if not wanted or unknown:
            return web.json_response({"errorMessage": f"Invalid Instrument {','.join(sorted(unknown)) or '(none)'}"},
                                     status=400)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        if request.query.get("snapshot", "True") != "False":
            for name in sorted(wanted):
                queue.put_nowait(self.exchange.price(name))
        entry = (wanted, queue)
        self._price_queues.append(entry)
        try:
            return await self._stream(request, queue, lambda: {"type": "HEARTBEAT", "time": stamp()})
        finally:
            self._price_queues.remove(entry)

    async def _transaction_stream(self, request: web.Request) -> web.StreamResponse:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.exchange.listeners.append(queue.put_nowait)
        try:
            return await self._stream(request, queue, lambda: {"type": "HEARTBEAT", "time": stamp(),
                                                               "lastTransactionID": self.exchange.last_id})
        finally:
            self.exchange.listeners.remove(queue.put_nowait)
