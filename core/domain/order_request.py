"""OrderRequest: what a trader or strategy asks for, validated field by field before an Order exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import TypeVar

from core.domain.enums import AssetClass, OrderOrigin, OrderType, Side, TimeInForce
from core.domain.identifiers import AccountId, StrategyId
from core.domain.instrument import Instrument
from core.domain.numbers import NumberError, parse_number
from core.domain.product import Product, products_for
from core.domain.trailing import Trail, TrailUnit


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
    product: object = None
    """CNC, MIS or NRML where the account's broker has products (Kite); None: the account's default."""
    trail_amount: object = None
    """A TRAIL order's distance from the market in price (give this or trail_percent, not both)."""
    trail_percent: object = None
    """A TRAIL order's distance from the market in percent of the price."""
    trail_limit_offset: object = None
    """A TRAIL_LIMIT order's limit distance beyond its stop, in price (zero or more); none for any other type."""
    expire_at: object = None
    """A GTD order's end (a timezone-aware datetime); None for every other time in force."""


@dataclass(frozen=True, slots=True)
class ValidatedRequest:
    request: OrderRequest
    instrument: Instrument
    side: Side
    order_type: OrderType
    tif: TimeInForce
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    product: Product | None = None
    trail: Trail | None = None
    expire_at: datetime | None = None


E = TypeVar("E", Side, OrderType, TimeInForce, Product)


def _choice(raw: object, kind: type[E], field: str, errors: list[FieldError]) -> E | None:
    if isinstance(raw, kind):
        return raw
    allowed = ", ".join(member.value for member in kind)
    if isinstance(raw, str):
        text = raw.strip().upper().replace(" ", "_")
        for member in kind:
            if text in (member.value, member.name):
                return member
    errors.append(FieldError(field, f"{raw!r} is not one of {allowed}."))
    return None


def plain(value: Decimal) -> str:
    """Format without exponent or trailing zeros: 100, 0.05, 189.5."""
    text = format(value.normalize(), "f")
    return text


def _number(raw: object, field: str, errors: list[FieldError], signed: bool = False) -> Decimal | None:
    """Read one number with core.domain.numbers (the one parser); a refusal becomes the field's error."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        errors.append(FieldError(field, "Enter a value."))
        return None
    try:
        return parse_number(raw, field, signed=signed)
    except NumberError as exc:
        errors.append(FieldError(field, exc.problem))
        return None


def _check_quantity(raw: object, instrument: Instrument, errors: list[FieldError]) -> Decimal | None:
    qty = _number(raw, "quantity", errors)
    if qty is None:
        return None
    if qty <= 0:
        errors.append(FieldError("quantity", "Quantity must be greater than zero."))
    elif not instrument.is_on_lot(qty):
        errors.append(
            FieldError("quantity", f"{instrument.symbol} trades in lots of {plain(instrument.lot_size)}; "
                       f"try {plain(instrument.make_qty(qty).value or instrument.lot_size)}.")
        )
    elif instrument.max_order_qty is not None and qty > instrument.max_order_qty:
        errors.append(FieldError("quantity", _over_freeze(qty, instrument, instrument.max_order_qty)))
    return qty


def _over_freeze(qty: Decimal, instrument: Instrument, limit: Decimal) -> str:
    """Say that qty is above the freeze quantity, and how to split it into orders the exchange takes."""
    most = instrument.make_qty(limit).value or limit
    lots = f" ({plain(most / instrument.lot_size)} lots)" if instrument.lot_size != 1 else ""
    orders = (qty / most).to_integral_value(rounding=ROUND_CEILING)
    return (f"{plain(qty)} is above {instrument.symbol}'s freeze quantity: the exchange takes at most "
            f"{plain(most)}{lots} in one order. Split it into {orders} orders of at most {plain(most)}.")


def _check_price(raw: object, field: str, instrument: Instrument, errors: list[FieldError]) -> Decimal | None:
    price = _number(raw, field, errors, signed=instrument.asset_class is AssetClass.FUTURE)  # spreads go negative
    if price is None:
        return None
    if price <= 0 and instrument.asset_class is not AssetClass.FUTURE:
        errors.append(FieldError(field, "Price must be greater than zero."))
    elif not instrument.is_on_tick(price):
        nearest = instrument.make_price(price).value
        errors.append(
            FieldError(field, f"{instrument.symbol} ticks in {plain(instrument.tick_size)}; try {nearest}.")
        )
    return price


def _check_expiry(raw: object, tif: TimeInForce | None, errors: list[FieldError]) -> datetime | None:
    if tif is not TimeInForce.GTD:
        if raw is not None:
            errors.append(FieldError("expire_at", "Only a GTD order takes an expiry: clear it, or choose GTD."))
        return None
    if not isinstance(raw, datetime) or raw.tzinfo is None:
        errors.append(FieldError("expire_at", "A GTD order needs the date and time it ends (with its time zone)."))
        return None
    return raw


def validate_request(
    request: OrderRequest, instrument: Instrument | None
) -> tuple[ValidatedRequest | None, list[FieldError]]:
    """Check every field; return the validated request, or None with one error per bad field."""
    errors: list[FieldError] = []
    if instrument is None:
        errors.append(FieldError("symbol", f"Unknown symbol {request.symbol!r}: pick one from the list."))
        return None, errors
    side = _choice(request.side, Side, "side", errors)
    order_type = _choice(request.order_type, OrderType, "order_type", errors)
    tif = _choice(request.tif, TimeInForce, "tif", errors)
    qty = _check_quantity(request.quantity, instrument, errors)
    product = None if request.product is None else _choice(request.product, Product, "product", errors)
    if product is not None and product not in products_for(instrument.asset_class):
        choices = " or ".join(p.label for p in products_for(instrument.asset_class))
        errors.append(FieldError("product", f"{product.label} does not apply to {instrument.symbol} "
                                            f"({instrument.asset_class.name.lower()}): choose {choices}."))
    limit = stop = None
    if order_type is not None and order_type.needs_limit:
        limit = _check_price(request.limit_price, "limit_price", instrument, errors)
    if order_type is not None and order_type.needs_stop:
        stop = _check_price(request.stop_price, "stop_price", instrument, errors)
    trail = _check_trail(request, order_type, instrument, errors)
    expire_at = _check_expiry(request.expire_at, tif, errors)
    if errors or qty is None or side is None or order_type is None or tif is None:
        return None, errors
    return ValidatedRequest(request, instrument, side, order_type, tif, qty, limit, stop, product, trail,
                            expire_at), errors


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _check_trail(request: OrderRequest, order_type: OrderType | None, instrument: Instrument,
                 errors: list[FieldError]) -> Trail | None:
    """Return a TRAIL or TRAIL_LIMIT order's Trail (exactly one of amount and percent; a TRAIL_LIMIT's limit offset
    too); refuse a trail on any other type, and a limit offset on anything but a trailing stop-limit."""
    amount, percent = request.trail_amount, request.trail_percent
    if order_type is not None and order_type is not OrderType.TRAIL_LIMIT and not _blank(request.trail_limit_offset):
        errors.append(FieldError("trail_limit_offset", f"Only a trailing stop-limit (TRAIL_LMT) has a limit offset; "
                                                       f"a {order_type.value} order does not. Clear it."))
    if order_type is None or not order_type.is_trailing:
        if order_type is not None and not (_blank(amount) and _blank(percent)):
            errors.append(FieldError("trail_amount", f"Only a trailing stop (TRAIL) has a trail; a {order_type.value} "
                                                     "order does not. Choose Trail, or clear the trail."))
        return None
    limit_offset = _check_limit_offset(request.trail_limit_offset, instrument, errors) \
        if order_type is OrderType.TRAIL_LIMIT else None
    if _blank(amount) == _blank(percent):
        field = "trail_amount" if _blank(amount) else "trail_percent"
        errors.append(FieldError(field, "Give the trail either as an amount of price or as a percent, one of them."))
        return None
    field, raw, unit = (("trail_amount", amount, TrailUnit.AMOUNT) if not _blank(amount)
                        else ("trail_percent", percent, TrailUnit.PERCENT))
    offset = _number(raw, field, errors)
    if offset is None:
        return None
    if offset <= 0:
        errors.append(FieldError(field, "The trail must be greater than zero."))
        return None
    if unit is TrailUnit.PERCENT and offset >= 100:
        errors.append(FieldError(field, "A trailing percent must be below 100 (a 2% trail is 2)."))
        return None
    if unit is TrailUnit.AMOUNT and not instrument.is_on_tick(offset):
        nearest = max(instrument.make_price(offset).value, instrument.tick_size)
        errors.append(FieldError(field, f"{instrument.symbol} ticks in {plain(instrument.tick_size)}; "
                                        f"try a trail of {nearest}."))
        return None
    if order_type is OrderType.TRAIL_LIMIT and limit_offset is None:
        return None
    return Trail(offset, unit, limit_offset)


def _check_limit_offset(raw: object, instrument: Instrument, errors: list[FieldError]) -> Decimal | None:
    """Return a trailing stop-limit's limit offset: a price distance of zero or more, on the tick."""
    field = "trail_limit_offset"
    if _blank(raw):
        errors.append(FieldError(field, "A trailing stop-limit needs its limit offset: how far beyond the stop its "
                                        "limit sits, in price (0 for a limit at the stop)."))
        return None
    offset = _number(raw, field, errors)
    if offset is None:
        return None
    if offset < 0:
        errors.append(FieldError(field, "The limit offset must be zero or more (a sell's limit sits below its stop, "
                                        "a buy's above)."))
        return None
    if offset and not instrument.is_on_tick(offset):
        errors.append(FieldError(field, f"{instrument.symbol} ticks in {plain(instrument.tick_size)}; "
                                        f"try a limit offset of {instrument.make_price(offset).value}."))
        return None
    return offset
