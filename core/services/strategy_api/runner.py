"""ApiRunner: aiohttp's app runner, whose connections answer a request they cannot parse with the API's JSON error.

aiohttp refuses a request that is not valid HTTP (no Host header in HTTP/1.1, a malformed header line, a bad
method) before any middleware runs, with a plain-text body that quotes the offending line — an Authorization
header included — and logs that line with a traceback. Here the answer is the API's `{"error": {...}}` shape,
and the log says what was wrong without the request's bytes.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from core.services.strategy_api.errors import error_response

log = logging.getLogger(__name__)


def _problem(exc: BaseException | None) -> str:
    """Return what aiohttp found wrong, without the request bytes it quotes after the first line."""
    if isinstance(exc, HttpProcessingError):
        first = exc.message.strip().splitlines()[0] if exc.message.strip() else ""
        return first.rstrip(":") or HTTPStatus(exc.code).phrase
    return type(exc).__name__ if exc is not None else "no detail"


class ApiRequestHandler(web.RequestHandler):
    """One connection: aiohttp's handler, with refusals of unparseable requests in the JSON error shape."""

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        problem = _problem(exc)
        if status >= 500:
            log.error("strategy API: request from %s failed (%s)", request.remote, problem, exc_info=exc)
        else:
            log.warning("strategy API: refused a request from %s that is not valid HTTP: %s", request.remote, problem)
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        if "host" in problem.lower():
            code = "missing_host" if "missing" in problem.lower() else "bad_host"
            response = error_response(400, code, f"{problem}: send one Host header, 127.0.0.1:PORT or localhost:PORT.")
        elif status >= 500:
            response = error_response(status, "internal_error", "TradeTerm failed to handle this request; "
                                                                "the error is in its log.")
        else:
            response = error_response(status, "bad_request", f"The request is not valid HTTP ({problem}). "
                                                             "Send it with an HTTP client library.")
        response.force_close()
        return response


class ApiServer(web.Server):
    """aiohttp's low-level server, making ApiRequestHandler connections."""

    def __call__(self) -> web.RequestHandler:
        return ApiRequestHandler(self, loop=self._loop, **self._kwargs)


class ApiRunner(web.AppRunner):
    """Run an aiohttp application whose connections answer unparseable requests in the JSON error shape."""

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()
        return ApiServer(made.request_handler, request_factory=made.request_factory,
                         handler_cancellation=made.handler_cancellation, loop=made._loop, **made._kwargs)
