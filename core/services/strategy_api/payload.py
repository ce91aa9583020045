"""Parse a strategy's JSON order body, field by field; any problem is a 400 naming the field."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import MAX_EMAX, MIN_EMIN, Decimal, InvalidOperation
from typing import Any

from core.domain import NumberError, OrderType, Side, TimeInForce, parse_number
from core.domain.product import Product, parse_product
from core.services.strategy_api.errors import ApiError, bad_field

MAX_BODY = 64 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_KEY = re.compile(r"[\x21-\x7e]{1,128}")
_SYMBOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/ -]{0,31}")

ORDER_FIELDS = frozenset({
    "strategy", "account", "symbol", "side", "quantity", "order_type", "limit_price", "stop_price", "tif",
    "signal_time", "idempotency_key", "stop_loss", "take_profit", "remark", "signal_price", "product",
    "trail_amount", "trail_percent", "trail_limit_offset", "expire_at",
})

_LATER_FIELDS = frozenset({"product", "trail_amount", "trail_percent", "trail_limit_offset", "expire_at"})
"""Fields added after keys were first journaled: left out of the fingerprint when absent, so a retry of an order
queued before them still matches its key."""


@dataclass(frozen=True, slots=True)
class OrderBody:
    """A well-formed order body (its account and symbol are not yet checked against the session)."""

    strategy: str | None
    """The strategy the body names, if it does; the API acts for its token's strategy and refuses another."""
    account: str
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None
    stop_price: Decimal | None
    tif: TimeInForce
    signal_time: datetime | None
    idempotency_key: str | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    remark: str
    signal_price: Decimal | None
    product: Product | None = None
    """CNC, MIS or NRML (Kite); None: the account's default. Part of the fingerprint, as every field is."""
    trail_amount: Decimal | None = None
    """A TRAIL order's distance from the market in price (or trail_percent, not both)."""
    trail_percent: Decimal | None = None
    """A TRAIL order's distance from the market in percent of the price (2 for 2%)."""
    trail_limit_offset: Decimal | None = None
    """A TRAIL_LMT order's limit distance beyond its stop, in price (zero or more); None for any other type."""
    expire_at: datetime | None = None
    """A GTD order's end (ISO 8601 with a zone); None for every other time in force."""

    def fingerprint(self) -> str:
        """Return a hash of what the order is (not how its JSON was spelled), without the idempotency key."""
        def norm(value: object) -> object:
            if isinstance(value, Decimal):
                return format(value.normalize(), "f")
            if isinstance(value, datetime):
                return value.isoformat()
            return None if value is None else str(value)

        fields = {name: norm(getattr(self, name)) for name in self.__slots__
                  if name != "idempotency_key" and not (name in _LATER_FIELDS and getattr(self, name) is None)}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


class _NotJsonNumber(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON has no such numbers."""


def _reject_constant(name: str) -> None:
    raise _NotJsonNumber(name)


def _json_decimal(text: str) -> Decimal:
    """Return a JSON number's exact value (not a binary float's); parse_number bounds it per field later."""
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal holds (1e99999999999999999999): keep it out of bounds
        mantissa, _e, exponent = text.lower().partition("e")
        if Decimal(mantissa).is_zero():
            return Decimal(0)
        return Decimal((int(text.startswith("-")), (1,), MIN_EMIN if exponent.startswith("-") else MAX_EMAX))


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Decode a UTF-8 JSON object, numbers as exact Decimals; raise a 400 if it is anything else."""
    try:
        document = json.loads(raw.decode("utf-8"), parse_float=_json_decimal, parse_int=_json_decimal,
                              parse_constant=_reject_constant)
    except _NotJsonNumber as exc:
        raise ApiError(400, "invalid_json", f"{exc} is not a JSON number: send numbers as digits, "
                                            "e.g. \"quantity\": \"100\".") from None
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError
        raise ApiError(400, "invalid_json", "The body is not valid UTF-8 JSON: send one JSON object.") from None
    if not isinstance(document, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object of order fields.")
    return document


def _text(body: dict[str, Any], name: str, pattern: re.Pattern[str], what: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_field(name, f"{name} is required ({what}).")
        return None
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise bad_field(name, f"{name} must be {what}.")
    return value


def _decimal(body: dict[str, Any], name: str, required: bool = False, allow_zero: bool = False) -> Decimal | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_field(name, f"{name} is required: a positive number, as a string or a JSON number.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise bad_field(name, f"{name} must be a number, as a string (\"100.5\") or a JSON number.")
    try:
        number = parse_number(value, name)  # text: plain digits; a JSON number: its exact value; both bounded
    except NumberError as exc:
        raise bad_field(name, str(exc)) from None
    if number == 0 and not allow_zero:
        raise bad_field(name, f"{name} must be greater than zero.")
    return number


def _choice(body: dict[str, Any], name: str, kind: type[Any], default: Any = None) -> Any:
    value = body.get(name)
    if value is None and default is not None:
        return default
    allowed = [member.value for member in kind]
    if not isinstance(value, str) or value not in allowed:
        raise bad_field(name, f"{name} must be one of {', '.join(allowed)}.")
    return kind(value)


def _time(body: dict[str, Any], name: str, required: bool) -> datetime | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_field(name, f"{name} is required: ISO 8601 with a zone, e.g. 2026-03-02T15:00:00+08:00.")
        return None
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise bad_field(name, f"{name} must be ISO 8601 text with a zone, e.g. 2026-03-02T15:00:00+08:00.") from None
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise bad_field(name, f"{name} needs a time zone (Z or +hh:mm); a local time is ambiguous.")
    return stamp


def parse_order(body: dict[str, Any], *, for_queue: bool) -> OrderBody:
    """Return the order body; `for_queue` (POST /v1/orders) also requires signal_time and idempotency_key."""
    for name in body:
        if name not in ORDER_FIELDS:
            shown = name[:40] if name.isprintable() else repr(name[:40])
            raise bad_field(shown, f"Unknown field {shown!r}; allowed: {', '.join(sorted(ORDER_FIELDS))}.")
    strategy = _text(body, "strategy", _NAME, "a strategy name: letters, digits, _ . : - (at most 64)", required=False)
    account = _text(body, "account", _NAME, "an account id such as PAPER-1")
    symbol = _text(body, "symbol", _SYMBOL, "a symbol such as AAPL or 600519")
    side = _choice(body, "side", Side)
    quantity = _decimal(body, "quantity", required=True)
    order_type = _choice(body, "order_type", OrderType)
    limit = _decimal(body, "limit_price", required=order_type.needs_limit)
    stop = _decimal(body, "stop_price", required=order_type.needs_stop)
    if limit is not None and not order_type.needs_limit:
        raise bad_field("limit_price", f"A {order_type.value} order has no limit price: leave limit_price out.")
    if stop is not None and not order_type.needs_stop:
        raise bad_field("stop_price", f"A {order_type.value} order has no stop price: leave stop_price out.")
    trail_amount, trail_percent = _trail(body, order_type)
    limit_offset = _limit_offset(body, order_type)
    tif = _choice(body, "tif", TimeInForce, default=TimeInForce.DAY)
    expire_at = _expiry(body, tif)
    signal_time = _time(body, "signal_time", required=for_queue)
    key = _text(body, "idempotency_key", _KEY, "1 to 128 printable ASCII characters without spaces",
                required=for_queue)
    remark = body.get("remark", "")
    if not isinstance(remark, str) or len(remark) > 256 or not remark.isprintable():
        raise bad_field("remark", "remark must be printable text of at most 256 characters.")
    assert account is not None and symbol is not None and quantity is not None
    return OrderBody(
        strategy=strategy, account=account, symbol=symbol, side=side, quantity=quantity, order_type=order_type,
        limit_price=limit, stop_price=stop, tif=tif, signal_time=signal_time, idempotency_key=key,
        stop_loss=_decimal(body, "stop_loss", allow_zero=True),
        take_profit=_decimal(body, "take_profit", allow_zero=True),
        remark=remark, signal_price=_decimal(body, "signal_price"), product=_product(body),
        trail_amount=trail_amount, trail_percent=trail_percent, trail_limit_offset=limit_offset,
        expire_at=expire_at,
    )


def _expiry(body: dict[str, Any], tif: TimeInForce) -> datetime | None:
    """Return a GTD order's end (required for GTD, refused for any other time in force)."""
    if tif is not TimeInForce.GTD:
        if body.get("expire_at") is not None:
            raise bad_field("expire_at", f"Only a GTD order takes expire_at: leave it out, or send tif GTD "
                                         f"(this order is {tif.value}).")
        return None
    expire_at = _time(body, "expire_at", required=False)
    if expire_at is None:
        raise bad_field("expire_at", "A GTD order needs expire_at: when it ends, ISO 8601 with a zone, "
                                     "e.g. 2026-12-31T15:30:00+05:30.")
    return expire_at


def _product(body: dict[str, Any]) -> Product | None:
    """Return the body's product (the domain's reading: 'mis' is MIS), or None for the account's default."""
    raw = body.get("product")
    if raw is None:
        return None
    try:
        return parse_product(raw)
    except ValueError as exc:
        raise bad_field("product", str(exc)) from None


def _trail(body: dict[str, Any], order_type: OrderType) -> tuple[Decimal | None, Decimal | None]:
    """Return a TRAIL order's (trail_amount, trail_percent), exactly one given; no trail on any other type.

    Whether the amount is on the instrument's tick and the percent below 100 is the domain's check (it knows the
    instrument); whether the account's broker works trailing stops is the session's, before anything is journaled.
    """
    amount, percent = _decimal(body, "trail_amount"), _decimal(body, "trail_percent")
    if not order_type.is_trailing:
        if amount is not None or percent is not None:
            field = "trail_amount" if amount is not None else "trail_percent"
            raise bad_field(field, f"A {order_type.value} order has no trail: leave {field} out, or send "
                                   "order_type TRAIL for a trailing stop.")
        return None, None
    if (amount is None) == (percent is None):
        raise bad_field("trail_amount" if amount is None else "trail_percent",
                        f"A {order_type.value} order needs one of trail_amount (in price, e.g. \"1.5\") or "
                        "trail_percent (2 for 2%), not both and not neither.")
    return amount, percent


def _limit_offset(body: dict[str, Any], order_type: OrderType) -> Decimal | None:
    """Return a TRAIL_LMT order's trail_limit_offset (required, zero or more); no offset on any other type."""
    offset = _decimal(body, "trail_limit_offset", required=order_type is OrderType.TRAIL_LIMIT, allow_zero=True)
    if offset is not None and order_type is not OrderType.TRAIL_LIMIT:
        raise bad_field("trail_limit_offset", f"A {order_type.value} order has no limit offset: leave "
                                              "trail_limit_offset out, or send order_type TRAIL_LMT.")
    return offset
