"""The strategy API's endpoints over the session and the approval queue (guards live in server.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from core.domain import (
    AccountId,
    ClientOrderId,
    FieldError,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    Price,
    Quantity,
    StrategyId,
    validate_request,
)
from core.domain.signal import SignalInfo
from core.ports.errors import BrokerError
from core.ports.journal import DuplicateIntakeKey, IntakeKey, IntakeRecord
from core.ports.order_terms import terms_problem
from core.ports.trailing_stop_limits import trail_limit_refusal
from core.ports.trailing_stops import trail_refusal
from core.services.approvals import ApprovalQueue
from core.services.order_expiry import expiry_problem
from core.services.order_preview import reference_price, what_if
from core.services.order_product import resolve_product
from core.services.session import OrderRefused
from core.services.strategy_api.errors import ApiError, bad_field, refused
from core.services.strategy_api.funds_shape import funds_json
from core.services.strategy_api.identity import strategy_of
from core.services.strategy_api.link_shape import link_json
from core.services.strategy_api.payload import MAX_BODY, OrderBody, parse_json_object, parse_order
from core.services.strategy_api.shapes import account_json, dec, instrument_json, order_json, quote_json
from core.services.strategy_api.sizing_route import size_body, sized_json, take_sizing

Audit = Callable[[str, str, str], None]


def json_response(body: object, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


class ApiHandlers:
    """Endpoint bodies. Each raises ApiError for a refusal; the server turns it into a JSON 4xx."""

    def __init__(self, queue: ApprovalQueue, audit: Audit, version: str) -> None:
        self.queue = queue
        self.session = queue.session
        self.audit = audit
        self.version = version
        self._calls: dict[str, deque[float]] = {}
        self._inflight: set[tuple[str, str]] = set()

    # --- helpers --------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json" or (request.charset or "utf-8").lower() != "utf-8":
            raise ApiError(415, "unsupported_media_type", "Send the body as Content-Type: application/json (UTF-8).")
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise ApiError(413, "body_too_large", f"The body is over {MAX_BODY // 1024} KiB.")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "body_too_large", f"The body is over {MAX_BODY // 1024} KiB.") from None
        return parse_json_object(raw)

    def _throttle(self, strategy: str) -> None:
        limit = self.queue.strategies.get(StrategyId(strategy)).rate_per_minute
        now = time.monotonic()
        calls = self._calls.setdefault(strategy, deque())
        while calls and now - calls[0] > 60:
            calls.popleft()
        if len(calls) >= limit:
            raise ApiError(429, "rate_limited", f"Strategy {strategy} sent more than {limit} requests a minute: "
                                                "slow down and retry.")
        calls.append(now)

    def _own_body(self, request: web.Request, body: OrderBody) -> tuple[StrategyId, OrderBody]:
        """Return the token's strategy and the body as that strategy's (403 if the body names another)."""
        strategy = strategy_of(request, body.strategy)
        return strategy, dataclasses.replace(body, strategy=strategy)

    def _request_of(self, body: OrderBody, strategy: StrategyId) -> tuple[OrderRequest, Order]:
        """Check account and symbol against the session and every field against the instrument (400s)."""
        account = AccountId(body.account)
        if account not in self.session.account_ids():
            known = ", ".join(self.session.account_ids())
            raise bad_field("account", f"Unknown account {body.account!r}; known: {known}.")
        request = OrderRequest(account, body.symbol, body.side, body.quantity, body.order_type, body.limit_price,
                               body.stop_price, body.tif, OrderOrigin.STRATEGY, strategy, body.product,
                               body.trail_amount, body.trail_percent, body.trail_limit_offset,
                               expire_at=body.expire_at)
        valid, problems = validate_request(request, self.session.instruments.find(body.symbol, account))
        if valid is None:
            raise bad_field(problems[0].field if problems else "symbol",
                            problems[0].message if problems else "Invalid order.")
        unknown_terms = terms_problem(self.session.account(account).adapter, str(account), valid.order_type, valid.tif,
                                      valid.quantity)
        if unknown_terms is not None:
            raise bad_field(*unknown_terms)
        ended = expiry_problem(valid.expire_at, self.session.clock.now())
        if ended is not None:
            raise bad_field(ended.field, ended.message)
        order = Order(
            client_order_id=ClientOrderId("PREVIEW"), account_id=account, instrument=valid.instrument,
            side=valid.side, quantity=Quantity(valid.quantity), order_type=valid.order_type,
            limit_price=None if valid.limit_price is None else Price(valid.limit_price),
            stop_price=None if valid.stop_price is None else Price(valid.stop_price), tif=valid.tif,
            origin=OrderOrigin.STRATEGY, strategy_id=strategy, created_at=self.session.clock.now(),
            product=valid.product, trail=valid.trail, expire_at=valid.expire_at,
        )
        return request, order

    def _broker_refusal(self, request: OrderRequest) -> FieldError | None:
        """Return why the account's broker cannot take this product or trailing stop (the session's own checks)."""
        valid, _ = validate_request(request, self.session.instruments.find(request.symbol, request.account_id))
        assert valid is not None  # _request_of validated it
        adapter = self.session.account(request.account_id).adapter
        _, problems = resolve_product(adapter, valid, request.account_id)
        if problems:
            return problems[0]
        why = None if valid.trail is None else trail_refusal(adapter, str(request.account_id), valid.trail.unit)
        if why is None and valid.order_type is OrderType.TRAIL_LIMIT:
            why = trail_limit_refusal(adapter, str(request.account_id))
        return None if why is None else FieldError("order_type", why)

    def _strategy_order(self, request: web.Request) -> Order:
        """Return the token's strategy's order; another strategy's is 404 like a missing one (ids do not leak)."""
        order = self.session.oms.get(ClientOrderId(request.match_info["id"]))
        own = strategy_of(request)
        if order is None or order.origin is not OrderOrigin.STRATEGY or order.strategy_id != own:
            raise ApiError(404, "not_found", f"No strategy order {request.match_info['id'][:40]!r}.")
        return order

    def _order_json(self, order: Order) -> dict[str, Any]:
        return {**order_json(order, self.queue.get(order.client_order_id),
                             self.queue.store.replaced_by(order.client_order_id)),
                "link": link_json(self.session, order)}

    def _query(self, request: web.Request, name: str) -> str:
        value = request.query.get(name)
        if value is None or not value.strip() or len(value) > 64:
            raise bad_field(name, f"Add ?{name}=… to the URL.")
        return value

    # --- endpoints ------------------------------------------------------------------------------

    async def health(self, request: web.Request) -> web.Response:
        return json_response({"status": "ok", "version": self.version})

    async def instruments(self, request: web.Request) -> web.Response:
        """List each account's own instruments with its account (?account=: that account's only)."""
        catalog, account = self.session.instruments, request.query.get("account")
        accounts = [str(a) for a in self.session.account_ids()]
        if account is not None and account not in accounts:
            raise bad_field("account", f"There is no account {account[:64]!r}: see GET /v1/accounts.")
        rows = [{**instrument_json(i), "account": a} for a in ([account] if account else accounts)
                for i in catalog.listed(a).values()]
        listed = {row["symbol"] for row in rows}
        rows += [] if account else [{**instrument_json(i), "account": None} for s, i in catalog.items()
                                    if s not in listed]  # one only a feed added: no account lists it
        return json_response({"instruments": rows})

    async def quotes(self, request: web.Request) -> web.Response:
        symbol, account = self._query(request, "symbol"), request.query.get("account")
        catalog = self.session.instruments
        if account is not None and account not in {str(a) for a in self.session.account_ids()}:
            raise bad_field("account", f"There is no account {account[:64]!r}: see GET /v1/accounts.")
        instrument = catalog.find(symbol, account)
        if instrument is None:
            raise bad_field("symbol", f"Unknown symbol {symbol!r}: see GET /v1/instruments.")
        if account is not None and catalog.listed(account) and catalog.listed_by(symbol, account) is None:
            others = ", ".join(catalog.accounts_listing(symbol))
            raise bad_field("symbol", f"{account} does not list {symbol!r} (listed by {others}): see "
                                      f"GET /v1/instruments?account={account}, or search for it on {account}.")
        symbol = instrument.symbol
        return json_response(quote_json(symbol, self.session.quotes.latest(symbol, account)))

    async def preview(self, request: web.Request) -> web.Response:
        raw = await self._body(request)
        sizing = take_sizing(raw, self.session)
        strategy, body = self._own_body(request, parse_order(raw, for_queue=False))
        self._throttle(strategy)
        sized = None if sizing is None else await size_body(self.session, body, strategy, sizing, self._request_of)
        if sized is not None:
            body = sized[0]
        order_request, order = self._request_of(body, strategy)
        broker = self._broker_refusal(order_request)
        risk = what_if(self.session.risk, order) if broker is None else None
        refusal = broker or (None if risk is None else FieldError(risk.field, risk.reason))
        quote = self.session.quotes.latest(order.symbol, order.account_id)
        price = reference_price(order, lambda _: quote)
        notional = None if price is None else order.instrument.notional(order.quantity.value, price)
        return json_response({
            "verdict": "ok" if refusal is None else "refused",
            "reason": None if refusal is None else refusal.message,
            "field": None if refusal is None else refusal.field,
            "notional": dec(notional), "currency": order.instrument.currency, "price": dec(price),
            "quote": quote_json(order.symbol, quote),
            **({} if sized is None else {"quantity": dec(order.quantity.value),
                                         "sizing": sized_json(sized[1], self.session.risk.limits_for(
                                             order.account_id, strategy).currency)}),
        })

    async def submit(self, request: web.Request) -> web.Response:
        strategy, body = self._own_body(request, parse_order(await self._body(request), for_queue=True))
        assert body.idempotency_key is not None and body.signal_time is not None
        actor = f"strategy:{strategy}"
        intake_key = IntakeKey(strategy, body.idempotency_key, body.fingerprint())
        key = (strategy, body.idempotency_key)
        known = self.session.journal.find_intake(*key)  # the key's truth: committed with its order
        if known is not None:
            return self._replay(known, intake_key, actor)
        if key in self._inflight:
            raise ApiError(409, "in_progress", "An order with this idempotency key is being queued; ask again.",
                           "idempotency_key")
        self._throttle(strategy)
        order_request, _ = self._request_of(body, strategy)
        signal = SignalInfo(strategy, body.signal_time, body.signal_price, body.stop_loss,
                            body.take_profit, body.remark)
        self._inflight.add(key)
        try:
            order = await self.queue.intake(order_request, signal, intake_key=intake_key)
        except DuplicateIntakeKey:  # another request with this key was committed first: that is the order
            known = self.session.journal.find_intake(*key)
            if known is None:
                raise
            return self._replay(known, intake_key, actor)
        except OrderRefused as exc:
            self.audit(actor, "api_refused", f"{body.symbol} {body.side.value} {body.quantity}: {exc}")
            raise refused(exc) from None
        finally:
            self._inflight.discard(key)
        self.audit(actor, "api_queued", f"{order.client_order_id} key={body.idempotency_key}")
        return json_response({"client_order_id": str(order.client_order_id), "status": order.status.value}, 202)

    def _replay(self, known: IntakeRecord, asked: IntakeKey, actor: str) -> web.Response:
        """Answer a request whose key is journaled: its order as it is now, or 409 if the body differs."""
        if known.key.body_hash != asked.body_hash:
            self.audit(actor, "api_key_conflict", f"key={asked.key} reused for another order")
            raise ApiError(409, "idempotency_conflict", "This idempotency key was used for a different order: "
                                                        "use a new key for a new order.", "idempotency_key")
        order = self.session.oms.get(known.client_order_id)
        status = order.status.value if order is not None else "UNKNOWN"
        return json_response({"client_order_id": str(known.client_order_id), "status": status, "replayed": True},
                             202)

    async def list_orders(self, request: web.Request) -> web.Response:
        strategy = strategy_of(request, request.query.get("strategy") or None)
        orders = [o for o in self.session.oms.orders() if o.strategy_id == strategy]
        return json_response({"orders": [self._order_json(o) for o in orders]})

    async def get_order(self, request: web.Request) -> web.Response:
        return json_response(self._order_json(self._strategy_order(request)))

    async def delete_order(self, request: web.Request) -> web.Response:
        order = self._strategy_order(request)
        actor = f"strategy:{order.strategy_id}"
        if order.status is OrderStatus.PENDING_APPROVAL:
            if not await self.queue.withdraw(order.client_order_id, actor):
                raise ApiError(409, "not_withdrawable", "The order is being decided right now; ask again.")
        elif order.is_working:
            try:
                await asyncio.wait_for(self.session.cancel(order.client_order_id), timeout=10)
            except TimeoutError:
                raise ApiError(409, "cancel_pending", "The broker has not answered the cancel yet.") from None
            self.audit(actor, "api_cancel", str(order.client_order_id))
        else:
            raise ApiError(409, "not_cancelable", f"The order is {order.status.value}; nothing to withdraw.")
        return json_response(self._order_json(order))

    async def account(self, request: web.Request) -> web.Response:
        account = AccountId(self._query(request, "account"))
        if account not in self.session.account_ids():
            raise bad_field("account", f"Unknown account {str(account)!r}.")
        currency = request.query.get("currency")
        own = strategy_of(request)
        stops: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        for order in self.session.oms.orders(account):
            if order.strategy_id != own:
                continue  # another strategy's stops are its own business
            signal = self.queue.store.load_signal(order.client_order_id)
            if signal is not None and "strategy" in signal:
                info = SignalInfo.from_record(signal)
                stops[order.symbol] = (info.stop_loss, info.take_profit)
        body = account_json(self.session.clock.now(), self.session.portfolio.cash(account),
                            self.session.portfolio.positions(account), currency, stops)
        funds = self.session.funds.latest(account)
        if funds is None:
            with contextlib.suppress(BrokerError):
                funds = await self.session.funds.refresh(account)
        body.update(funds_json(funds, body["currency"]))
        return json_response(body)

