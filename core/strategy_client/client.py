"""TradeTermClient: post strategy orders to TradeTerm's local API. Standard library only; copy it anywhere.

    client = TradeTermClient("http://127.0.0.1:8765", token, account="PAPER-1")
    order = client.submit("AAPL", "BUY", "10", "LMT", limit_price="189.50")
    client.status(order["client_order_id"])["status"]   # PENDING_APPROVAL, then SUBMITTED, FILLED...

The token is the strategy's own (TradeTerm's Strategy API panel creates it) and fixes the strategy:
TradeTerm acts for the token's strategy. `strategy=` is optional; given, TradeTerm checks that it is
the token's (a 403 otherwise), so a token put in the wrong strategy's configuration fails loudly.

Every refusal raises ApiRefused (status, code, message, field) and every transport failure
ApiUnavailable; both are also kept in `failures`, which `status()` returns with the orders.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

ENV_TOKEN = "TRADETERM_API_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8765"


class ApiRefused(Exception):
    """TradeTerm refused the request; `field` names the field to change, if one is wrong."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" (field {field})" if field else ""))
        self.status, self.code, self.message, self.field = status, code, message, field


class ApiUnavailable(Exception):
    """TradeTerm could not be reached (not running, wrong port, timeout)."""


def decimal_text(value: object) -> str | None:
    """Return a number as decimal text for the API; floats go through str() so 0.1 stays '0.1'."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a price or quantity cannot be a bool")
    if isinstance(value, float):
        value = repr(value)
    return format(Decimal(str(value)).normalize(), "f")


class TradeTermClient:
    """One strategy's connection to TradeTerm: submit, preview, status, withdraw, account, events.

    token: the strategy's own token (default: TRADETERM_API_TOKEN in the strategy's environment).
    """

    def __init__(self, base_url: str = DEFAULT_URL, token: str | None = None, *, strategy: str | None = None,
                 account: str | None = None, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.base_url)
        if parsed.scheme != "http" or parsed.hostname is None:
            raise ValueError(f"base_url must look like http://127.0.0.1:PORT, not {base_url!r}")
        self._host, self._port = parsed.hostname, parsed.port or 80
        self._token = token if token is not None else os.environ.get(ENV_TOKEN, "")
        self.strategy = strategy
        self.account = account
        self.timeout = timeout
        self.failures: list[dict[str, Any]] = []
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy

    # --- transport ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              query: dict[str, str] | None = None) -> Any:
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps({k: v for k, v in body.items() if v is not None}).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise self._refusal(exc) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise ApiUnavailable(f"TradeTerm at {self.base_url} did not answer {method} {path}: {exc}") from None

    @staticmethod
    def _refusal(exc: urllib.error.HTTPError) -> ApiRefused:
        try:
            error = json.loads(exc.read().decode("utf-8"))["error"]
            return ApiRefused(exc.code, str(error.get("code")), str(error.get("message")), error.get("field"))
        except (ValueError, KeyError, TypeError, AttributeError):
            return ApiRefused(exc.code, "http_error", str(exc.reason))

    def _record(self, action: str, body: dict[str, Any] | None, exc: Exception) -> None:
        entry: dict[str, Any] = {"time": datetime.now(UTC).isoformat(), "action": action, "error": str(exc),
                                 "request": body}
        if isinstance(exc, ApiRefused):
            entry.update(status=exc.status, code=exc.code, field=exc.field)
        self.failures.append(entry)

    def _strategy_query(self) -> dict[str, str]:
        return {} if self.strategy is None else {"strategy": self.strategy}

    # --- orders ---------------------------------------------------------------------------------

    def _order(self, symbol: str, side: str, quantity: object, order_type: str, limit_price: object,
               stop_price: object, tif: str, account: str | None) -> dict[str, Any]:
        return {
            "strategy": self.strategy, "account": account or self.account, "symbol": symbol, "side": side.upper(),
            "quantity": decimal_text(quantity), "order_type": order_type.upper(),
            "limit_price": decimal_text(limit_price), "stop_price": decimal_text(stop_price), "tif": tif.upper(),
        }

    def submit(self, symbol: str, side: str, quantity: object, order_type: str = "LMT", limit_price: object = None,
               stop_price: object = None, *, tif: str = "DAY", signal_time: datetime | None = None,
               idempotency_key: str | None = None, account: str | None = None, stop_loss: object = None,
               take_profit: object = None, signal_price: object = None, remark: str = "",
               product: str | None = None, trail_amount: object = None,
               trail_percent: object = None, trail_limit_offset: object = None,
               expire_at: datetime | None = None) -> dict[str, Any]:
        """Queue an order for approval; return {"client_order_id", "status"}. Retries a lost answer safely.

        stop_loss / take_profit: protective children TradeTerm holds for the order once it fills (a bracket,
        one cancelling the other); 0 or None for none.
        product: "CNC", "MIS" or "NRML" on a Kite account (None: the account's default).
        trail_amount / trail_percent: with order_type "TRAIL" or "TRAIL_LMT", how far the trailing stop keeps from
        the market, in price or in percent (2 for 2%); give one of them.
        trail_limit_offset: with order_type "TRAIL_LMT" (a trailing stop-limit), how far beyond the stop its limit
        sits, in price (zero or more).
        expire_at: with tif "GTD", when the order ends (timezone-aware, in the future).
        """
        when = signal_time or datetime.now(UTC)
        if when.tzinfo is None:
            when = when.astimezone()  # a naive time is the strategy host's local time
        body = self._order(symbol, side, quantity, order_type, limit_price, stop_price, tif, account)
        body.update(_extras(product, trail_amount, trail_percent, trail_limit_offset),
                    expire_at=_expiry_text(expire_at))
        body.update(signal_time=when.isoformat(), idempotency_key=idempotency_key or uuid.uuid4().hex,
                    stop_loss=decimal_text(stop_loss), take_profit=decimal_text(take_profit),
                    signal_price=decimal_text(signal_price), remark=remark or None)
        try:
            try:
                result: dict[str, Any] = self._call("POST", "/v1/orders", body)
            except ApiUnavailable:
                result = self._call("POST", "/v1/orders", body)  # same key: never a second order
        except (ApiRefused, ApiUnavailable) as exc:
            self._record("submit", body, exc)
            raise
        return result

    def submit_oco(self, first: dict[str, Any], second: dict[str, Any], *, signal_time: datetime | None = None,
                   idempotency_key: str | None = None, remark: str = "") -> dict[str, Any]:
        """Queue two orders as an OCO pair (either filling cancels the other), approved or refused as one; return
        {"client_order_id" (the first's), "status", "link": {"kind": "OCO", "orders", "partner"}}.

        first / second: order fields as for `submit` ({"symbol", "side", "quantity", "order_type", "limit_price",
        "stop_price", "tif", "account"}; account defaults to the client's), on one account and one symbol.
        """
        body = self._link_head(signal_time, idempotency_key, remark)
        body["legs"] = [self._leg(first), self._leg(second)]
        return self._post_link("submit_oco", "/v1/orders/oco", body)

    def submit_oto(self, parent: dict[str, Any], child_type: str, child_price: object, *,
                   signal_time: datetime | None = None, idempotency_key: str | None = None,
                   remark: str = "") -> dict[str, Any]:
        """Queue an order that, once filled, sends a child: a limit ("LMT") or a stop ("STP") at child_price for
        what filled; return {"client_order_id" (the parent's), "status", "link": {"kind": "OTO", "children"}}."""
        body = self._link_head(signal_time, idempotency_key, remark)
        body.update(parent=self._leg(parent), child={"order_type": child_type.upper(),
                                                     "price": decimal_text(child_price)})
        return self._post_link("submit_oto", "/v1/orders/oto", body)

    def _link_head(self, signal_time: datetime | None, idempotency_key: str | None, remark: str) -> dict[str, Any]:
        when = signal_time or datetime.now(UTC)
        if when.tzinfo is None:
            when = when.astimezone()
        return {"strategy": self.strategy, "signal_time": when.isoformat(),
                "idempotency_key": idempotency_key or uuid.uuid4().hex, "remark": remark or None}

    def _leg(self, order: dict[str, Any]) -> dict[str, Any]:
        leg = {k: (decimal_text(v) if k in _DECIMAL_FIELDS else v) for k, v in order.items() if v is not None}
        leg.setdefault("account", self.account)
        leg.setdefault("tif", "DAY")
        return {k: v for k, v in leg.items() if v is not None}

    def _post_link(self, action: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            try:
                result: dict[str, Any] = self._call("POST", path, body)
            except ApiUnavailable:
                result = self._call("POST", path, body)  # same key: never a second pair
        except (ApiRefused, ApiUnavailable) as exc:
            self._record(action, body, exc)
            raise
        return result

    def preview(self, symbol: str, side: str, quantity: object, order_type: str = "LMT", limit_price: object = None,
                stop_price: object = None, *, tif: str = "DAY", account: str | None = None,
                sizing: dict[str, Any] | None = None, product: str | None = None, trail_amount: object = None,
                trail_percent: object = None, trail_limit_offset: object = None,
                expire_at: datetime | None = None) -> dict[str, Any]:
        """Ask what risk would say now (queues nothing): {"verdict": "ok"|"refused", "reason", "notional", ...}.

        sizing, e.g. {"risk_pct": "1", "stop": "98.50"} (or risk_amount; stop_ticks; atr_k with atr_n): the
        API chooses the quantity (quantity is then only a placeholder) and returns it with "sizing".
        """
        body = self._order(symbol, side, quantity, order_type, limit_price, stop_price, tif, account)
        body.update(_extras(product, trail_amount, trail_percent, trail_limit_offset),
                    expire_at=_expiry_text(expire_at))
        if sizing is not None:
            body["sizing"] = dict(sizing)
        result: dict[str, Any] = self._call("POST", "/v1/orders/preview", body)
        return result

    def status(self, client_order_id: str | None = None) -> dict[str, Any]:
        """Return one order; without an id, {"orders": this strategy's orders, "failures": refused or failed posts}."""
        if client_order_id is not None:
            order: dict[str, Any] = self._call("GET", f"/v1/orders/{urllib.parse.quote(client_order_id, safe='')}")
            return order
        listed = self._call("GET", "/v1/orders", query=self._strategy_query())
        return {"orders": listed["orders"], "failures": list(self.failures)}

    def withdraw(self, client_order_id: str) -> dict[str, Any]:
        """Withdraw a pending order (or cancel a working one); return the order."""
        order: dict[str, Any] = self._call("DELETE", f"/v1/orders/{urllib.parse.quote(client_order_id, safe='')}")
        return order

    def account_info(self, account: str | None = None) -> dict[str, Any]:
        """Return cash and positions in hikyuu's asset-info shape (numbers as decimal strings), with the funds:
        equity, buying_power, margin_used, margin_available, and every currency line under "funds"."""
        info: dict[str, Any] = self._call("GET", "/v1/account", query={"account": account or self.account or ""})
        return info

    def quote(self, symbol: str, account: str | None = None) -> dict[str, Any]:
        """Return symbol's bid, ask, last, time and feed on the account's own feed (nulls when it has none)."""
        chosen = account or self.account
        query = {"symbol": symbol, **({"account": chosen} if chosen else {})}
        result: dict[str, Any] = self._call("GET", "/v1/quotes", query=query)
        return result

    def instruments(self, account: str | None = None) -> list[dict[str, Any]]:
        """Return each account's own instruments, each with its account (account: that account's only)."""
        query = {"account": account} if account else None
        result: list[dict[str, Any]] = self._call("GET", "/v1/instruments", query=query)["instruments"]
        return result

    def accounts(self) -> list[dict[str, Any]]:
        """Return every account: id, broker kind, currency, connection and trading state."""
        result: list[dict[str, Any]] = self._call("GET", "/v1/accounts")["accounts"]
        return result

    def search_instruments(self, query: str, limit: int = 50) -> dict[str, Any]:
        """Search every connected account's broker: {"matches": [...best first], "notes": [...], "message"}."""
        result: dict[str, Any] = self._call("GET", "/v1/instruments/search", query={"q": query, "limit": str(limit)})
        return result

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/v1/health")
        return result

    def events(self, timeout: float | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield (kind, payload) for this strategy's order and fill events as they happen ("order" or "fill")."""
        connection = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        try:
            query = urllib.parse.urlencode(self._strategy_query())
            connection.request("GET", "/v1/events" + (f"?{query}" if query else ""),
                               headers={"Authorization": f"Bearer {self._token}", "Accept": "text/event-stream"})
            response = connection.getresponse()
            if response.status != 200:
                body = response.read().decode("utf-8", "replace")
                raise ApiRefused(response.status, "http_error", body)
            kind, data = "message", list[str]()
            for raw in response:
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line:
                    if data:
                        yield kind, json.loads("\n".join(data))
                    kind, data = "message", []
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
        finally:
            connection.close()


_DECIMAL_FIELDS = frozenset({"quantity", "limit_price", "stop_price", "trail_amount", "trail_percent",
                             "trail_limit_offset"})


def _extras(product: str | None, trail_amount: object, trail_percent: object,
            trail_limit_offset: object = None) -> dict[str, Any]:
    """Return the optional product and trail fields as the API reads them (None: left out of the body)."""
    return {"product": None if product is None else product.upper(), "trail_amount": decimal_text(trail_amount),
            "trail_percent": decimal_text(trail_percent), "trail_limit_offset": decimal_text(trail_limit_offset)}


def _expiry_text(expire_at: datetime | None) -> str | None:
    """Return a GTD order's end as the API reads it (ISO 8601 with its zone), or None: no expiry."""
    if expire_at is None:
        return None
    if expire_at.tzinfo is None:
        raise ValueError("expire_at needs a time zone (e.g. datetime(..., tzinfo=UTC)): a local time is ambiguous.")
    return expire_at.isoformat()
