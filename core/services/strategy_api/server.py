"""StrategyApiServer: the local HTTP intake for strategy orders (aiohttp on the app's own loop, 127.0.0.1 only).

Every request passes the guard first: a Host header (400 when missing or malformed) that is 127.0.0.1:PORT or
localhost:PORT (403), no browser Origin header (403), a strategy's bearer token (401; not for /v1/health). The
token fixes the strategy the request acts for (kept on the request under REQUEST_STRATEGY). Every error,
aiohttp's own included (unparseable request, unknown route or method, body too large), is a JSON body
`{"error": {"code", "message", "field"}}`; bad input never yields a 5xx.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from importlib import metadata

from aiohttp import web

from core.domain import StrategyId
from core.services.approvals import ApprovalQueue
from core.services.strategy_api.errors import ApiError, error_response
from core.services.strategy_api.events import EventStreams
from core.services.strategy_api.handlers import ApiHandlers, Audit
from core.services.strategy_api.identity import REQUEST_STRATEGY
from core.services.strategy_api.instrument_routes import InstrumentRoutes
from core.services.strategy_api.link_routes import LinkRoutes
from core.services.strategy_api.openapi import OPENAPI
from core.services.strategy_api.payload import MAX_BODY
from core.services.strategy_api.runner import ApiRunner
from core.services.strategy_api.token import StrategyTokens

log = logging.getLogger(__name__)
request_log = logging.getLogger("tradeterm.audit.api")
LOOPBACK = "127.0.0.1"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
"""What a Host header looks like: a name, IPv4 or [IPv6] address, and an optional port."""


def _version() -> str:
    try:
        return metadata.version("tradeterm")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class StrategyApiServer:
    """Serve the strategy API on 127.0.0.1:port (0: the OS picks; read `port` after start)."""

    def __init__(self, queue: ApprovalQueue, tokens: StrategyTokens, *, host: str = LOOPBACK,
                 port: int = 0, audit: Audit | None = None) -> None:
        if host != LOOPBACK:
            raise ValueError(f"The strategy API listens on {LOOPBACK} only, not {host!r}: strategies on other "
                             "machines must tunnel (e.g. ssh -L) to it.")
        if not 0 <= port <= 65535:
            raise ValueError(f"API port {port} is not a TCP port (0–65535).")
        self._tokens = tokens
        self._requested_port = port
        self.port = port
        self._audit = audit or queue.session.journal.record_audit
        self.handlers = ApiHandlers(queue, self._audit, _version())
        self.streams = EventStreams(queue, authorized=lambda request: self._strategy_of(request) is not None)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def build_app(self) -> web.Application:
        """Return the aiohttp application (also used in-process by tests)."""
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_BODY)
        h = self.handlers
        app.router.add_get("/v1/health", h.health)
        app.router.add_get("/v1/openapi.json", self._openapi)
        app.router.add_get("/v1/instruments", h.instruments)
        app.router.add_get("/v1/quotes", h.quotes)
        app.router.add_post("/v1/orders/preview", h.preview)
        app.router.add_post("/v1/orders", h.submit)
        app.router.add_get("/v1/orders", h.list_orders)
        app.router.add_get("/v1/orders/{id}", h.get_order)
        app.router.add_delete("/v1/orders/{id}", h.delete_order)
        app.router.add_get("/v1/account", h.account)
        app.router.add_get("/v1/events", self.streams.handle)
        InstrumentRoutes(self.handlers.session).add_to(app)
        LinkRoutes(self.handlers).add_to(app)
        return app

    async def start(self) -> int:
        """Listen and return the port; raise OSError (port in use) with a message saying what to do."""
        runner = ApiRunner(self.build_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, self._requested_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise OSError(exc.errno, f"The strategy API cannot listen on {LOOPBACK}:{self._requested_port} "
                                     f"({exc.strerror}); choose another port with --api-port.") from None
        self._runner = runner
        address = runner.addresses[0]
        self.port = int(address[1])
        log.info("strategy API listening on %s", self.url)
        return self.port

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        self.streams.close_all()
        if runner is not None:
            await runner.cleanup()

    # --- guard ----------------------------------------------------------------------------------

    def check(self, request: web.Request) -> None:
        """Refuse a request from anywhere but a local program holding a strategy's token (raises ApiError).

        Mark the request with the token's strategy (request[REQUEST_STRATEGY]).
        """
        allowed = (f"{LOOPBACK}:{self.port}", f"localhost:{self.port}")
        hosts = request.headers.getall("Host", [])
        if not hosts:
            raise ApiError(400, "missing_host", f"Send a Host header: {allowed[0]} or {allowed[1]}.")
        host = hosts[0]
        if len(hosts) > 1 or _HOST.fullmatch(host) is None:
            raise ApiError(400, "bad_host", f"The Host header is malformed; send {allowed[0]} or {allowed[1]}.")
        if host.lower() not in allowed:
            raise ApiError(403, "forbidden_host", f"Host must be {allowed[0]} or {allowed[1]}.")
        if "Origin" in request.headers:
            raise ApiError(403, "forbidden_origin", "Browsers may not call the strategy API (an Origin header "
                                                    "was sent): call it from a program.")
        if request.path == "/v1/health":
            return
        strategy = self._strategy_of(request)
        if strategy is None:
            presented = request.headers.get("Authorization", "").partition(" ")[2].strip()
            if presented and self._tokens.is_retired(presented):
                raise ApiError(401, "token_retired", "This is TradeTerm's old shared token, which no longer works: "
                                                     "each strategy now has its own token. In TradeTerm's Strategy "
                                                     "API panel type the strategy's name, press Create token, and "
                                                     "give that token to the strategy.")
            raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token> with the strategy's own token "
                                                "from TradeTerm's Strategy API panel (this one is missing, wrong "
                                                "or revoked).")
        request[REQUEST_STRATEGY] = strategy

    def _strategy_of(self, request: web.Request) -> StrategyId | None:
        """Return the strategy whose token the request's Authorization header presents, or None."""
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        presented = presented.strip()
        return self._tokens.strategy_for(presented) if scheme.lower() == "bearer" and presented else None

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            self.check(request)
            response = await handler(request)
        except ApiError as exc:
            response = exc.response()
        except web.HTTPException as exc:  # aiohttp's own: 404, 405, 413...
            response = _http_error(request, exc)
        except Exception:
            log.exception("strategy API: %s %s failed", request.method, request.path)
            response = error_response(500, "internal_error", "TradeTerm failed to handle this request; "
                                                             "the error is in its log.")
        request_log.info("%s %s -> %s", request.method, request.path, response.status)
        return response

    async def _openapi(self, request: web.Request) -> web.Response:
        return web.json_response(OPENAPI)


def _http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    """Return aiohttp's own refusal (unknown route or method, body too large...) in the API's JSON error shape."""
    if exc.status == 404:
        return error_response(404, "not_found", f"No endpoint {request.method} {request.path[:80]!r}: the endpoints "
                                                "are listed at /v1/openapi.json.")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exc.allowed_methods))
        return error_response(405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}.",
                              headers={"Allow": allowed})
    if exc.status == 413:
        return error_response(413, "body_too_large", f"The body is over {MAX_BODY // 1024} KiB.")
    if exc.status == 415:
        return error_response(415, "unsupported_media_type", "Send the body as Content-Type: application/json (UTF-8).")
    code = "internal_error" if exc.status >= 500 else "bad_request"
    return error_response(exc.status, code, exc.reason)
