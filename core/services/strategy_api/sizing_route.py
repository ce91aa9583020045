"""POST /v1/orders/preview with `sizing`: the quantity chosen by risk per trade and stop, and the money at risk."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from core.domain import Order, OrderRequest, StrategyId, validate_request
from core.services.session import TradingSession
from core.services.sizing import Sized, SizingError
from core.services.sizing_order import SizingSpec
from core.services.strategy_api.errors import ApiError
from core.services.strategy_api.payload import OrderBody
from core.services.strategy_api.shapes import dec

RequestOf = Callable[[OrderBody, StrategyId], tuple[OrderRequest, Order]]


def take_sizing(raw: dict[str, Any], session: TradingSession) -> SizingSpec | None:
    """Remove `sizing` from the body and read it (400 naming the field if bad); without quantity, one lot stands in."""
    if "sizing" not in raw:
        return None
    try:
        spec = SizingSpec.from_json(raw.pop("sizing"))
    except SizingError as exc:
        raise ApiError(400, "bad_request", exc.message, exc.field) from None
    if "quantity" not in raw:
        symbol = raw.get("symbol")
        account = raw.get("account")
        found = (session.instruments.find(symbol, account if isinstance(account, str) else None)
                 if isinstance(symbol, str) else None)
        raw["quantity"] = format(found.lot_size if found is not None else Decimal(1), "f")
    return spec


async def size_body(session: TradingSession, body: OrderBody, strategy: StrategyId, spec: SizingSpec,
                    request_of: RequestOf) -> tuple[OrderBody, Sized]:
    """Return the body with the quantity sizing chose, and the sizing (422 sizing_refused with the reason if none).

    A volatility stop (atr_k) is measured on the account's own broker's daily bars (session.sizing_bars).
    """
    request, _ = request_of(body, strategy)
    valid, _problems = validate_request(request, session.instruments.find(body.symbol, request.account_id))
    assert valid is not None  # request_of has validated it
    try:
        sized, _currency = await session.view.size_by_risk_now(valid, spec)
    except SizingError as exc:
        raise ApiError(422, "sizing_refused", exc.message, exc.field) from None
    return dataclasses.replace(body, quantity=sized.quantity), sized


def sized_json(sized: Sized, currency: str) -> dict[str, Any]:
    """Return the sizing as the preview shows it (decimal strings)."""
    return {"quantity": dec(sized.quantity), "at_risk": dec(sized.at_risk), "stop": dec(sized.stop),
            "risk_per_unit": dec(sized.per_unit), "currency": currency, "capped_by": sized.capped_by}
