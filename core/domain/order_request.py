"""OrderRequest: what a trader or strategy asks for, validated field by field before an Order exists."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain.enums import AssetClass, OrderOrigin, OrderType, Side, TimeInForce
from core.domain.identifiers import AccountId, StrategyId
from core.domain.instrument import Instrument
from core.domain.values import to_decimal


@dataclass(frozen=True, slots=True)
class FieldError:
    """A problem with one field, said so a trader knows what to change."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """Raw request; quantity and prices may still be text from a form or an API."""

    account_id: AccountId
    symbol: str
    side: Side
    quantity: object
    order_type: OrderType = OrderType.LIMIT
    limit_price: object = None
    stop_price: object = None
    tif: TimeInForce = TimeInForce.DAY
    origin: OrderOrigin = OrderOrigin.MANUAL
    strategy_id: StrategyId | None = None


@dataclass(frozen=True, slots=True)
class ValidatedRequest:
    request: OrderRequest
    instrument: Instrument
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None


def _number(raw: object, field: str, errors: list[FieldError]) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        errors.append(FieldError(field, "Enter a value."))
        return None
    try:
        return to_decimal(raw, field)
    except (TypeError, ValueError):
        errors.append(FieldError(field, f"{raw!r} is not a number."))
        return None


def _check_quantity(raw: object, instrument: Instrument, errors: list[FieldError]) -> Decimal | None:
    qty = _number(raw, "quantity", errors)
    if qty is None:
        return None
    if qty <= 0:
        errors.append(FieldError("quantity", "Quantity must be greater than zero."))
    elif not instrument.is_on_lot(qty):
        errors.append(
            FieldError("quantity", f"{instrument.symbol} trades in lots of {instrument.lot_size.normalize()}; "
                       f"try {instrument.make_qty(qty).value.normalize() or instrument.lot_size.normalize()}.")
        )
    return qty


def _check_price(raw: object, field: str, instrument: Instrument, errors: list[FieldError]) -> Decimal | None:
    price = _number(raw, field, errors)
    if price is None:
        return None
    if price <= 0 and instrument.asset_class is not AssetClass.FUTURE:
        errors.append(FieldError(field, "Price must be greater than zero."))
    elif not instrument.is_on_tick(price):
        nearest = instrument.make_price(price).value
        errors.append(
            FieldError(field, f"{instrument.symbol} ticks in {instrument.tick_size.normalize()}; try {nearest}.")
        )
    return price


def validate_request(
    request: OrderRequest, instrument: Instrument | None
) -> tuple[ValidatedRequest | None, list[FieldError]]:
    """Check every field; return the validated request, or None with one error per bad field."""
    errors: list[FieldError] = []
    if instrument is None:
        errors.append(FieldError("symbol", f"Unknown symbol {request.symbol!r}: pick one from the list."))
        return None, errors
    qty = _check_quantity(request.quantity, instrument, errors)
    limit = stop = None
    if request.order_type.needs_limit:
        limit = _check_price(request.limit_price, "limit_price", instrument, errors)
    if request.order_type.needs_stop:
        stop = _check_price(request.stop_price, "stop_price", instrument, errors)
    if errors or qty is None:
        return None, errors
    return ValidatedRequest(request, instrument, qty, limit, stop), errors
