"""OPENAPI: a compact OpenAPI 3.1 description of the strategy API (served at GET /v1/openapi.json)."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_DECIMAL = {
    "type": ["string", "number"], "pattern": r"^[ \t\r\n]*[0-9]*\.?[0-9]*[ \t\r\n]*$",
    "description": "decimal: a string of ASCII digits with one optional decimal point (no commas, spaces inside or "
                   "exponents), or a JSON number, read exactly; at most 12 digits before the point and 10 after",
}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "refused", "content": {"application/json": {"schema": _ERROR}}} for s in statuses}


_ORDER_BODY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["account", "symbol", "side", "quantity", "order_type", "signal_time", "idempotency_key"],
    "properties": {
        "strategy": {"type": "string", "maxLength": 64,
                     "description": "optional: the token fixes the strategy; naming another one is a 403"},
        "account": {"type": "string"},
        "symbol": {"type": "string"},
        "side": {"enum": ["BUY", "SELL"]},
        "quantity": _DECIMAL,
        "order_type": {"enum": ["MKT", "LMT", "STP", "STP_LMT", "TRAIL", "TRAIL_LMT", "MIT"],
                       "description": "TRAIL: a trailing stop, at market when touched; give trail_amount or "
                                      "trail_percent. Refused (422) on an account whose broker has no trailing stops. "
                                      "TRAIL_LMT: a trailing stop-limit, the same plus trail_limit_offset; refused "
                                      "(422) where the broker has no trailing stop-limits (IB and paper have them). "
                                      "MIT (market-if-touched, its trigger in stop_price) only where the account "
                                      "takes it (OANDA; elsewhere a 400 naming order_type)"},
        "limit_price": _DECIMAL,
        "stop_price": _DECIMAL,
        "tif": {"enum": ["DAY", "GTC", "IOC", "FOK", "OPG", "CLS", "GTD"], "default": "DAY",
                "description": "FOK, OPG, CLS and GTD only where the account takes them (Alpaca; OANDA takes FOK "
                               "and GTD); another account refuses them with a 400 naming tif and what it takes"},
        "expire_at": {"type": "string", "format": "date-time",
                      "description": "GTD only, and required for it: when the order ends, ISO 8601 with a zone, in "
                                     "the future (a 400 naming expire_at otherwise)"},
        "signal_time": {"type": "string", "format": "date-time", "description": "ISO 8601 with a zone"},
        "idempotency_key": {"type": "string", "maxLength": 128},
        "stop_loss": {**_DECIMAL, "description": "optional (0: none): a stop-loss child that TradeTerm holds and "
                      "sends when the account's feed touches it, once the order fills (sized to what filled); "
                      "kept as a note when it does not fit the order as an entry (above a buy's price)"},
        "take_profit": {**_DECIMAL, "description": "optional (0: none): a take-profit child, one cancelling the "
                        "other with stop_loss; works only while TradeTerm runs and has prices"},
        "signal_price": _DECIMAL,
        "product": {"enum": ["CNC", "MIS", "NRML"],
                    "description": "optional, Kite accounts only: CNC delivery, MIS intraday, NRML F&O overnight; "
                                   "left out: the account's default. Refused (422) on a broker without products"},
        "trail_amount": {**_DECIMAL, "description": "TRAIL only: how far the stop keeps from the market, in price "
                                                    "(on the instrument's tick); or trail_percent, not both"},
        "trail_percent": {**_DECIMAL, "description": "TRAIL only: how far the stop keeps from the market, in percent "
                                                     "of the price (2 for 2%, below 100); or trail_amount, not both"},
        "trail_limit_offset": {**_DECIMAL, "description": "TRAIL_LMT only (required there): how far beyond the stop "
                               "its limit sits, in price (zero or more): below the stop for a SELL, above for a BUY"},
        "remark": {"type": "string", "maxLength": 256},
    },
}

_LEG = {
    "type": "object", "additionalProperties": False,
    "required": ["account", "symbol", "side", "quantity", "order_type"],
    "description": "an order of a link: the order fields of OrderBody without signal_time, idempotency_key, "
                   "strategy, remark, signal_price (given once for the link) and without stop_loss/take_profit",
    "properties": {k: v for k, v in _ORDER_BODY["properties"].items()  # type: ignore[attr-defined]
                   if k not in ("signal_time", "idempotency_key", "strategy", "remark", "signal_price", "stop_loss",
                                "take_profit")},
}
_LINK_HEAD = {k: _ORDER_BODY["properties"][k]  # type: ignore[index]
              for k in ("strategy", "signal_time", "idempotency_key", "remark", "signal_price")}
_OCO_BODY = {
    "type": "object", "additionalProperties": False, "required": ["legs", "signal_time", "idempotency_key"],
    "description": "two working orders, one cancelling the other when it fills (even in part); both on one account "
                   "and one symbol (a 400 naming legs[1].account or legs[1].symbol otherwise). They wait for "
                   "approval as one: approved, edited, rejected, withdrawn (DELETE either id) and expired together",
    "properties": {**_LINK_HEAD, "legs": {"type": "array", "minItems": 2, "maxItems": 2,
                                          "items": {"$ref": "#/components/schemas/LinkLeg"}}},
}
_OTO_BODY = {
    "type": "object", "additionalProperties": False,
    "required": ["parent", "child", "signal_time", "idempotency_key"],
    "description": "a parent order and the child it sends once it has filled (sized to what filled): the parent "
                   "waits for approval, the child is held by TradeTerm with it and goes out only after the parent "
                   "fills (works only while TradeTerm runs). A 400 names parent or child when either is missing",
    "properties": {**_LINK_HEAD, "parent": {"$ref": "#/components/schemas/LinkLeg"}, "child": {
        "type": "object", "additionalProperties": False, "required": ["order_type", "price"],
        "properties": {
            "order_type": {"enum": ["LMT", "STP"], "description": "LMT: a limit (a target); STP: a stop"},
            "price": {**_DECIMAL, "description": "on the far side of the parent's price for LMT, the near side for "
                                                 "STP (a 422 naming oto otherwise)"},
            "account": {"type": "string", "description": "optional; must be the parent's (400 otherwise)"},
            "symbol": {"type": "string", "description": "optional; must be the parent's (400 otherwise)"},
            "side": {"enum": ["BUY", "SELL"], "description": "optional; must close the parent's side"},
            "quantity": {**_DECIMAL, "description": "optional; must be the parent's: the child is sized to what "
                                                    "the parent filled"}}}},
}
_LINK_ANSWER = ("queued: client_order_id (the OCO's first order, the OTO's parent), status, link (as GET "
                "/v1/orders/{id} shows it); a retry with the same idempotency_key and body: the same, replayed true")

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "TradeTerm strategy API", "version": "1",
             "description": "Strategy orders wait for a person's approval unless the trader turned on the "
                            "strategy's auto-approve. 127.0.0.1 only; one bearer token per strategy, which fixes "
                            "the strategy."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}}},
            "OrderBody": _ORDER_BODY,
            "LinkLeg": _LEG,
            "OcoBody": _OCO_BODY,
            "OtoBody": _OTO_BODY,
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/v1/health": {"get": {"security": [], "responses": {"200": {"description": "status and version"}}}},
        "/v1/instruments": {"get": {
            "parameters": [{"name": "account", "in": "query", "required": False,
                            "description": "only this account's own listing"}],
            "responses": {"200": {"description": "instruments: each account's own listing (one symbol may appear "
                                                 "once per account, e.g. INFY in INR on Kite and in USD on IB), "
                                                 "each with its account (null: no account lists it)"},
                          **_errors(400)}}},
        "/v1/accounts": {"get": {"responses": {"200": {"description": "accounts: account, broker, currency (the "
                                                                     "only cash currency, null when several), "
                                                                     "currencies, connection, trading, reason"}}}},
        "/v1/instruments/search": {"get": {
            "parameters": [{"name": "q", "in": "query", "required": True,
                            "description": "symbol or name prefix; further words narrow (e.g. 'ES 2027', "
                                           "'AAPL C 200', 'NIFTY FUT')"},
                           {"name": "limit", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}],
            "responses": {"200": {"description": "matches (account, symbol, name, venue, currency, asset_class, "
                                                 "type, root, expiry, right, strike, contract_id, tick_size, lot_size, "
                                                 "multiplier) best first, notes on accounts skipped, message"},
                          **_errors(400, 401)}}},
        "/v1/quotes": {"get": {"parameters": [
            {"name": "symbol", "in": "query", "required": True},
            {"name": "account", "in": "query", "required": False,
             "description": "the account's own feed (or the reference feed chosen for it); nulls when it has no "
                            "quote, never another account's; 400 when the account does not list the symbol"}],
                               "responses": {"200": {"description": "bid, ask, last, time, feed (the account whose "
                                                                   "market it is)"}, **_errors(400)}}},
        "/v1/orders/preview": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderBody"}}}},
            "responses": {"200": {"description": "verdict ok|refused, reason, notional; with a body field "
                                                 "sizing {risk_pct | risk_amount, stop | stop_ticks | atr_k (+ atr_n)} "
                                                 "(quantity may be left out; atr_k: k x ATR(atr_n, default 14) "
                                                 "of the account's broker's daily bars, 422 sizing_refused when "
                                                 "it has too few): the quantity chosen, and sizing "
                                                 "{quantity, at_risk, stop, risk_per_unit, currency, capped_by}"},
                          **_errors(400, 401, 403, 413, 415, 422, 429)}}},
        "/v1/orders": {
            "post": {
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/OrderBody"}}}},
                "responses": {"202": {"description": "queued: client_order_id, status PENDING_APPROVAL; a retry "
                                                     "with the same idempotency_key and body: that order's "
                                                     "client_order_id and current status, replayed true"},
                              **_errors(400, 401, 403, 409, 413, 415, 422, 429)}},
            "get": {"parameters": [{"name": "strategy", "in": "query", "required": False}],
                    "responses": {"200": {"description": "the token's strategy's orders"}, **_errors(403)}},
        },
        "/v1/orders/oco": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/OcoBody"}}}},
            "responses": {"202": {"description": _LINK_ANSWER}, **_errors(400, 401, 403, 409, 413, 415, 422, 429)}}},
        "/v1/orders/oto": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/OtoBody"}}}},
            "responses": {"202": {"description": _LINK_ANSWER}, **_errors(400, 401, 403, 409, 413, 415, 422, 429)}}},
        "/v1/orders/{id}": {
            "get": {"responses": {"200": {"description": "one of the token's strategy's orders, with link: null, or "
                                                         "{kind: OCO, orders, partner}, or {kind: OTO | BRACKET, "
                                                         "role: parent, children: [{client_order_id, leg, "
                                                         "order_type, side, price, quantity, state, reason}]}, or "
                                                         "{kind, role: child, parent}"}, **_errors(404)}},
            "delete": {"responses": {"200": {"description": "withdrawn or cancel asked"}, **_errors(404, 409)}},
        },
        "/v1/account": {"get": {"parameters": [{"name": "account", "in": "query", "required": True}],
                                "responses": {"200": {"description": "hikyuu asset-info shape, plus the account's "
                                                               "funds: equity, buying_power, margin_used, "
                                                               "margin_available (decimal strings, null when not "
                                                               "reported) and every currency line under funds"}}}},
        "/v1/events": {"get": {"parameters": [{"name": "strategy", "in": "query", "required": False}],
                               "responses": {"200": {"description": "text/event-stream: order and fill events"}}}},
    },
}
