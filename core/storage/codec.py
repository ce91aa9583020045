"""JSON encoding of domain values for storage; every value round-trips exactly.

Decimals are strings (never floats), datetimes are ISO-8601 with their UTC offset (naive ones are
refused), identifiers and enums are their string values, Price/Quantity are decimal strings, Money
is {"amount", "currency"}, Instrument and Fill are objects of their fields, and an order event is
an object of its fields plus "type", its class name. Decoding is strict: a missing or unexpected
field, a wrong type or an unknown event type is a JournalError that says what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any, Final, TypeAlias, TypeVar, cast

from core.domain import Fill, Instrument, Money, Order, OrderEvent, Position, Price, Quantity
from core.ports.journal import JournalError

JSONValue: TypeAlias = str | int | bool | list["JSONValue"] | dict[str, "JSONValue"] | None
JSONObject: TypeAlias = dict[str, JSONValue]

_T = TypeVar("_T")
_EVENT_KEY = "type"


def _all_subclasses(cls: type[OrderEvent]) -> list[type[OrderEvent]]:
    found: list[type[OrderEvent]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


EVENT_TYPES: Mapping[str, type[OrderEvent]] = types.MappingProxyType(
    {cls.__name__: cls for cls in _all_subclasses(OrderEvent) if cls.__module__ == OrderEvent.__module__}
)
"""Every journaled order event class of core.domain.events, by class name."""

ADDED_FIELDS: Mapping[str, frozenset[str]] = types.MappingProxyType({
    "OrderPendingReplace": frozenset({"quantity", "limit_price", "stop_price"}),
})
"""Event fields added after journals were first written: an older journal's event without them decodes with
their defaults (None). Every other field is required."""


# --- scalars -------------------------------------------------------------------------------------


def encode_decimal(value: Decimal) -> str:
    """Return value as a string that Decimal() turns back into the identical value (sign, digits, exponent)."""
    if not isinstance(value, Decimal):
        raise TypeError(f"expected a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return str(value)


def decode_decimal(raw: object, what: str = "decimal") -> Decimal:
    """Return the Decimal written by encode_decimal."""
    if not isinstance(raw, str):
        raise JournalError(f"{what}: expected a decimal string, got {raw!r}")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise JournalError(f"{what}: {raw!r} is not a decimal number") from None
    if not value.is_finite():
        raise JournalError(f"{what}: {raw!r} is not a finite number")
    return value


def encode_datetime(value: datetime) -> str:
    """Return value as ISO-8601 with its UTC offset; refuse a naive datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no time zone; store aware datetimes only")
    return value.isoformat()


def decode_datetime(raw: object, what: str = "datetime") -> datetime:
    """Return the aware datetime written by encode_datetime."""
    if not isinstance(raw, str):
        raise JournalError(f"{what}: expected an ISO-8601 string, got {raw!r}")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise JournalError(f"{what}: {raw!r} is not an ISO-8601 datetime") from None
    if value.utcoffset() is None:
        raise JournalError(f"{what}: {raw!r} has no time zone")
    return value


# --- type-directed encoding of dataclasses -----------------------------------------------------


@cache
def _hints(cls: Any) -> dict[str, Any]:
    # core.domain.events imports Fill/Order/Position only for type checking; name them here.
    local = {"Fill": Fill, "Order": Order, "Position": Position}
    return typing.get_type_hints(cls, localns=local)


def _optional_inner(hint: Any) -> Any | None:
    """Return X for `X | None`, else None."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
        raise TypeError(f"unsupported union {hint}")
    return None


def _encode(value: object, hint: Any) -> JSONValue:
    return _encoder(hint)(value)


@cache
def _encoder(hint: Any) -> Callable[[object], JSONValue]:
    """Return the function that encodes a value of type hint (built once per hint: encoding is per order)."""
    inner = _optional_inner(hint)
    if inner is not None:
        encode_inner = _encoder(inner)
        return lambda value: None if value is None else encode_inner(value)
    if hint is Decimal:
        return cast(Callable[[object], JSONValue], encode_decimal)
    if hint is datetime:
        return cast(Callable[[object], JSONValue], encode_datetime)
    if hint in (Price, Quantity):
        return lambda value: encode_decimal(_expect(value, hint).value)
    if hint is Money:
        return _encode_money
    if isinstance(hint, type) and issubclass(hint, Enum):
        return lambda value: cast(JSONValue, _expect(value, hint, repr).value)
    if hint is bool:
        return lambda value: bool(_expect(value, bool))
    if hint is str or (isinstance(hint, type) and issubclass(hint, str)):
        return lambda value: str(_expect(value, hint))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda value: _encode_fields(value, hint)
    raise TypeError(f"no storage encoding for {hint}")


def _encode_money(value: object) -> JSONValue:
    money = _expect(value, Money)
    return {"amount": encode_decimal(money.amount), "currency": money.currency}


def _expect(value: Any, cls: type[_T], show: Callable[[object], str] = lambda v: type(v).__name__) -> Any:
    if not isinstance(value, cls):
        raise TypeError(f"expected {cls.__name__}, got {show(value)}")
    return value


@cache
def _field_encoders(cls: Any) -> tuple[tuple[str, Callable[[object], JSONValue]], ...]:
    hints = _hints(cls)
    return tuple((f.name, _encoder(hints[f.name])) for f in dataclasses.fields(cls) if f.init)


def _encode_fields(value: object, cls: Any) -> JSONObject:
    encoders = _field_encoders(cls)
    if type(value) is not cls:
        raise TypeError(f"expected {cls.__name__}, got {type(value).__name__}")
    return {name: encode(getattr(value, name)) for name, encode in encoders}


def _decode(raw: object, hint: Any, what: str) -> object:
    inner = _optional_inner(hint)
    if inner is not None:
        return None if raw is None else _decode(raw, inner, what)
    if hint is Decimal:
        return decode_decimal(raw, what)
    if hint is datetime:
        return decode_datetime(raw, what)
    if hint is bool:
        if not isinstance(raw, bool):
            raise JournalError(f"{what}: expected true or false, got {raw!r}")
        return raw
    if not isinstance(hint, type):
        raise TypeError(f"no storage decoding for {hint}")
    try:
        if hint in (Price, Quantity):
            return hint(decode_decimal(raw, what))
        if hint is Money:
            fields = _expect_keys(raw, {"amount", "currency"}, what)
            return Money(decode_decimal(fields["amount"], f"{what}.amount"), _expect_str(fields["currency"], what))
        if issubclass(hint, Enum) or issubclass(hint, str):
            return hint(_expect_str(raw, what))
    except (TypeError, ValueError) as exc:
        raise JournalError(f"{what}: {exc}") from None
    if dataclasses.is_dataclass(hint):
        return _decode_fields(raw, hint, what)
    raise TypeError(f"no storage decoding for {hint}")


def _decode_fields(raw: object, cls: type[_T], what: str) -> _T:
    hints = _hints(cast(Any, cls))
    names = {f.name for f in dataclasses.fields(cast(Any, cls)) if f.init}
    fields = _expect_keys(raw, names, what)
    kwargs = {name: _decode(fields[name], hints[name], f"{what}.{name}") for name in names}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise JournalError(f"{what}: {exc}") from None


def _expect_keys(raw: object, names: set[str], what: str) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise JournalError(f"{what}: expected an object, got {raw!r}")
    missing = names - raw.keys()
    extra = raw.keys() - names
    if missing:
        raise JournalError(f"{what}: missing field(s) {', '.join(sorted(missing))}")
    if extra:
        raise JournalError(f"{what}: unexpected field(s) {', '.join(sorted(extra))}")
    return cast(dict[str, object], raw)


def _expect_str(raw: object, what: str) -> str:
    if not isinstance(raw, str):
        raise JournalError(f"{what}: expected a string, got {raw!r}")
    return raw


# --- domain objects ------------------------------------------------------------------------------


def encode_money(value: Money) -> JSONObject:
    """Return Money as {"amount": "<decimal>", "currency": "XXX"}."""
    return cast(JSONObject, _encode(value, Money))


def decode_money(raw: object) -> Money:
    """Return the Money written by encode_money."""
    return cast(Money, _decode(raw, Money, "money"))


_INSTRUMENT_LATER: Final = ("max_order_qty", "margin_rate")
"""Instrument fields added after journals were first written: missing in older rows (None), and left out of new
rows when None, so a TradeTerm from before them still reads a journal written after."""


def encode_instrument(instrument: Instrument) -> JSONObject:
    """Return the instrument's fields as a JSON object (without margin_rate when it has none: as older TradeTerms
    wrote it)."""
    fields = _encode_fields(instrument, Instrument)
    if instrument.margin_rate is None:
        del fields["margin_rate"]
    return fields


def decode_instrument(raw: object) -> Instrument:
    """Return the Instrument written by encode_instrument (one journaled before freeze quantities or margin rates
    has none)."""
    if isinstance(raw, dict) and any(name not in raw for name in _INSTRUMENT_LATER):
        raw = {name: None for name in _INSTRUMENT_LATER} | raw
    return _decode_fields(raw, Instrument, "instrument")


def encode_fill(fill: Fill) -> JSONObject:
    """Return the fill's fields as a JSON object (without product when it has none: as older TradeTerms wrote it)."""
    fields = _encode_fields(fill, Fill)
    if fill.product is None:
        del fields["product"]
    return fields


def decode_fill(raw: object) -> Fill:
    """Return the Fill written by encode_fill (one without a product field has none)."""
    if isinstance(raw, dict) and "product" not in raw:
        raw = {**raw, "product": None}
    return _decode_fields(raw, Fill, "fill")


def encode_event(event: OrderEvent) -> JSONObject:
    """Return an order event as its fields plus "type" (the class name)."""
    name = type(event).__name__
    if EVENT_TYPES.get(name) is not type(event):
        raise TypeError(f"{type(event).__module__}.{name} is not a journaled order event type")
    return {_EVENT_KEY: name, **_encode_fields(event, type(event))}


def decode_event(raw: object) -> OrderEvent:
    """Return the order event written by encode_event; an unknown type is a JournalError naming it."""
    if not isinstance(raw, dict) or not isinstance(raw.get(_EVENT_KEY), str):
        raise JournalError(f"order event: expected an object with a string 'type', got {raw!r}")
    name = raw[_EVENT_KEY]
    cls = EVENT_TYPES.get(name)
    if cls is None:
        raise JournalError(f"unknown order event type {name!r}; was this journal written by a newer TradeTerm?")
    fields = {key: value for key, value in raw.items() if key != _EVENT_KEY}
    for added in ADDED_FIELDS.get(name, ()):
        fields.setdefault(added, None)
    return _decode_fields(fields, cls, name)


# --- text ----------------------------------------------------------------------------------------


def _refuse_constant(name: str) -> object:
    raise JournalError(f"{name} is not allowed in stored JSON")


def _refuse_float(text: str) -> object:
    raise JournalError(f"float {text} in stored JSON; numbers are stored as decimal strings")


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
"""Made once: json.dumps with options builds an encoder at every call, and every order writes several texts."""


def to_json(value: JSONValue) -> str:
    """Return compact JSON text with sorted keys (stable, so equal values give equal text)."""
    return _ENCODER.encode(value)


def from_json(text: str) -> JSONValue:
    """Parse JSON text written by to_json; floats, NaN and Infinity are refused."""
    try:
        return cast(JSONValue, json.loads(text, parse_float=_refuse_float, parse_constant=_refuse_constant))
    except json.JSONDecodeError as exc:
        raise JournalError(f"not valid JSON: {exc}") from None
