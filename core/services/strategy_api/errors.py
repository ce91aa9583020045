"""ApiError: a refusal with its HTTP status and the JSON body `{"error": {"code", "message", "field"}}`."""

from __future__ import annotations

import json

from aiohttp import web

from core.services.refusals import OrderRefused


class ApiError(Exception):
    """Refuse a request: status (4xx), a stable code, a message saying what to change, the field if one is wrong."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def response(self) -> web.Response:
        headers = {"WWW-Authenticate": 'Bearer realm="tradeterm"'} if self.status == 401 else None
        return error_response(self.status, self.code, self.message, self.field, headers)


def refused(exc: OrderRefused) -> ApiError:
    """The 422 for an order the session refused: its reason and the field it names (a stale signal has its code)."""
    error = exc.errors[0] if exc.errors else None
    field = error.field if error is not None else None
    return ApiError(422, "stale_signal" if field == "signal_time" else "refused", str(exc), field)


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, "field": field}}
    return web.Response(status=status, text=json.dumps(body), content_type="application/json", headers=headers)


def bad_field(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_field", message, field)
