"""POST /v1/orders/oco and POST /v1/orders/oto: a strategy's linked orders, queued for approval as one.

An OCO pair is journaled PENDING_APPROVAL together (both or neither) with the request's idempotency key, and
approved, edited, rejected or withdrawn as one; an OTO's parent waits for approval with its child held by
TradeTerm, which sends the child once the parent has filled. Nothing reaches a broker before approval, unless
the strategy's auto-approve is on (then the pair or parent goes out at once, through risk as any order).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from core.domain import Order, OrderRequest, StrategyId
from core.domain.signal import SignalInfo
from core.ports.journal import DuplicateIntakeKey, IntakeKey, IntakeRecord
from core.services.refusals import OrderRefused
from core.services.strategy_api.errors import ApiError, refused
from core.services.strategy_api.handlers import ApiHandlers, json_response
from core.services.strategy_api.identity import strategy_of
from core.services.strategy_api.link_payload import LinkHead, parse_oco, parse_oto, within
from core.services.strategy_api.payload import OrderBody

Queue = Callable[[SignalInfo, IntakeKey], Awaitable[list[Order]]]


class LinkRoutes:
    """The OCO and OTO endpoints, over the same guards, throttle and approval queue as POST /v1/orders."""

    def __init__(self, handlers: ApiHandlers) -> None:
        self.h = handlers

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/v1/orders/oco", self.oco)
        app.router.add_post("/v1/orders/oto", self.oto)

    async def oco(self, request: web.Request) -> web.Response:
        body = parse_oco(await self.h._body(request))
        strategy = strategy_of(request, body.head.strategy)
        first, second = (self._checked(leg, strategy, f"legs[{n}].") for n, leg in enumerate(body.legs))

        async def queue(signal: SignalInfo, key: IntakeKey) -> list[Order]:
            return list(await self.h.queue.intake_oco(first, second, signal, intake_key=key))

        return await self._intake(strategy, body.head, body.fingerprint(), f"OCO {first.symbol}", queue)

    async def oto(self, request: web.Request) -> web.Response:
        body = parse_oto(await self.h._body(request))
        strategy = strategy_of(request, body.head.strategy)
        parent = self._checked(body.parent, strategy, "parent.")

        async def queue(signal: SignalInfo, key: IntakeKey) -> list[Order]:
            return [await self.h.queue.intake_oto(parent, body.child, signal, intake_key=key)]

        return await self._intake(strategy, body.head, body.fingerprint(), f"OTO {parent.symbol}", queue)

    def _checked(self, leg: OrderBody, strategy: StrategyId, where: str) -> OrderRequest:
        """Check one order of the link against the session (account, symbol, instrument), its errors named by where."""
        try:
            return self.h._request_of(_named(leg, strategy), strategy)[0]
        except ApiError as exc:
            raise within(where, exc) from None

    async def _intake(self, strategy: StrategyId, head: LinkHead, fingerprint: str, what: str, queue: Queue
                      ) -> web.Response:
        """Queue a link once per idempotency key (a retry gets the first answer), as POST /v1/orders does."""
        actor = f"strategy:{strategy}"
        intake_key = IntakeKey(strategy, head.idempotency_key, fingerprint)
        key = (strategy, head.idempotency_key)
        known = self.h.session.journal.find_intake(*key)
        if known is not None:
            return self._replay(known, intake_key, actor)
        if key in self.h._inflight:
            raise ApiError(409, "in_progress", "A request with this idempotency key is being queued; ask again.",
                           "idempotency_key")
        self.h._throttle(strategy)
        signal = SignalInfo(strategy, head.signal_time, head.signal_price, None, None, head.remark)
        self.h._inflight.add(key)
        try:
            orders = await queue(signal, intake_key)
        except DuplicateIntakeKey:
            known = self.h.session.journal.find_intake(*key)
            if known is None:
                raise
            return self._replay(known, intake_key, actor)
        except OrderRefused as exc:
            self.h.audit(actor, "api_refused", f"{what}: {exc}")
            raise refused(exc) from None
        finally:
            self.h._inflight.discard(key)
        self.h.audit(actor, "api_queued", f"{' + '.join(str(o.client_order_id) for o in orders)} "
                                          f"key={head.idempotency_key}")
        return json_response(self._answer(orders[0]), 202)

    def _answer(self, first: Order) -> dict[str, Any]:
        """The link's ids and statuses: an OCO's two orders, or an OTO's parent and its child's id to be."""
        order = self.h.session.oms.get(first.client_order_id) or first
        answer: dict[str, Any] = {"client_order_id": str(order.client_order_id), "status": order.status.value}
        link = self.h._order_json(order).get("link")
        if link is not None:
            answer["link"] = link
        return answer

    def _replay(self, known: IntakeRecord, asked: IntakeKey, actor: str) -> web.Response:
        if known.key.body_hash != asked.body_hash:
            self.h.audit(actor, "api_key_conflict", f"key={asked.key} reused for another request")
            raise ApiError(409, "idempotency_conflict", "This idempotency key was used for a different request: "
                                                        "use a new key for a new request.", "idempotency_key")
        order = self.h.session.oms.get(known.client_order_id)
        if order is None:
            return json_response({"client_order_id": str(known.client_order_id), "status": "UNKNOWN",
                                  "replayed": True}, 202)
        return json_response({**self._answer(order), "replayed": True}, 202)


def _named(body: OrderBody, strategy: StrategyId) -> OrderBody:
    """Return an order of a link as the token's strategy's (the link's head named it, if at all)."""
    return dataclasses.replace(body, strategy=strategy)
