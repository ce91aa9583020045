"""The storage codec: every domain value comes back from JSON exactly as it went in."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import core.domain as domain
from core.domain import (
    AccountId,
    AssetClass,
    ClientOrderId,
    Fill,
    Money,
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    Price,
    Quantity,
    Side,
    TradeId,
)
from core.ports.journal import JournalError
from core.storage import codec
from tests.factories import make_fill, make_instrument, make_order

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
aware_datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1),
    timezones=st.builds(timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))),
)
identifier_text = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,19}", fullmatch=True)
money = st.builds(Money, finite_decimals, st.from_regex(r"[A-Z]{3}", fullmatch=True))
fills = st.builds(
    Fill,
    trade_id=identifier_text.map(TradeId),
    client_order_id=st.none() | identifier_text.map(ClientOrderId),
    account_id=identifier_text.map(AccountId),
    symbol=st.text(min_size=1, max_size=12),
    side=st.sampled_from(Side),
    quantity=st.decimals(min_value=0, allow_nan=False, allow_infinity=False).map(Quantity),
    price=finite_decimals.map(Price),
    commission=money,
    broker_order_id=st.none() | identifier_text.map(domain.BrokerOrderId),
    ts=aware_datetimes,
)


def through_json(value: codec.JSONValue) -> codec.JSONValue:
    return codec.from_json(codec.to_json(value))


@given(finite_decimals)
def test_decimal_round_trips_with_its_exact_digits_sign_and_exponent(value: Decimal) -> None:
    back = codec.decode_decimal(through_json(codec.encode_decimal(value)))
    assert back.as_tuple() == value.as_tuple()


@given(money)
def test_money_round_trips_exactly(value: Money) -> None:
    back = codec.decode_money(through_json(codec.encode_money(value)))
    assert back == value
    assert back.amount.as_tuple() == value.amount.as_tuple()


@given(fills)
def test_fill_round_trips_exactly(fill: Fill) -> None:
    encoded = codec.encode_fill(fill)
    back = codec.decode_fill(through_json(encoded))
    assert back == fill
    assert back.ts.utcoffset() == fill.ts.utcoffset()
    assert type(back.trade_id) is TradeId
    assert codec.encode_fill(back) == encoded


def test_instrument_round_trips_exactly() -> None:
    instrument = make_instrument(
        symbol="NIFTY24JUNFUT", currency="INR", tick_size="0.05", lot_size="50", asset_class=AssetClass.FUTURE
    )
    back = codec.decode_instrument(through_json(codec.encode_instrument(instrument)))
    assert back == instrument
    assert back.tick_size.as_tuple() == Decimal("0.05").as_tuple()


def test_an_instrument_journaled_before_margin_rates_still_reads_and_a_new_one_reads_in_an_older_tradeterm() -> None:
    """Adding Instrument.margin_rate made an existing journal unreadable: "The journal ... has an entry this
    TradeTerm cannot read (order ...: instrument: missing field(s) margin_rate)", and the window would not start."""
    older = {"symbol": "AAPL", "venue": "NASDAQ", "currency": "USD", "tick_size": "0.01", "lot_size": "1",
             "multiplier": "1", "asset_class": "STK", "name": "", "max_order_qty": None}
    assert codec.decode_instrument(through_json(older)).margin_rate is None
    plain = make_instrument(symbol="AAPL")
    assert codec.encode_instrument(plain).keys() == older.keys(), "written as an older TradeTerm reads it"
    margined = make_instrument(symbol="EUR_USD", tick_size="0.00001", margin_rate=Decimal("0.05"))
    back = codec.decode_instrument(through_json(codec.encode_instrument(margined)))
    assert back == margined and back.margin_rate == Decimal("0.05")


def _sample(hint: Any) -> Any:
    """Return a non-default example value for a field type of an order event."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return _sample(next(arg for arg in args if arg is not type(None)))
    if hint is datetime:
        return datetime(2024, 3, 4, 5, 6, 7, 890123, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    if hint is Fill:
        return make_fill(make_order(client_order_id="C1"), quantity="10", price="101.25", commission="1.10")
    if hint in (Price, Quantity):
        return hint("12.3400")
    if isinstance(hint, type) and issubclass(hint, str):
        return hint("X-1")
    raise AssertionError(f"add a sample for {hint}")


def _example(cls: type[OrderEvent]) -> OrderEvent:
    hints = typing.get_type_hints(cls, localns={"Fill": Fill, "Order": domain.Order, "Position": domain.Position})
    kwargs = {f.name: _sample(hints[f.name]) for f in dataclasses.fields(cls)}
    kwargs["client_order_id"] = ClientOrderId("C1")
    return cls(**kwargs)


def test_every_order_event_type_of_the_domain_can_be_journaled() -> None:
    exported = {
        name for name in domain.__all__
        if isinstance(getattr(domain, name), type) and issubclass(getattr(domain, name), OrderEvent)
    }
    assert set(codec.EVENT_TYPES) == exported - {"OrderEvent"}


@pytest.mark.parametrize("name", sorted(codec.EVENT_TYPES))
def test_each_order_event_round_trips_exactly(name: str) -> None:
    event = _example(codec.EVENT_TYPES[name])
    encoded = codec.encode_event(event)
    assert encoded["type"] == name
    back = codec.decode_event(through_json(encoded))
    assert type(back) is type(event)
    assert back == event
    assert codec.encode_event(back) == encoded


def test_an_unknown_event_type_is_a_journal_error_naming_the_type() -> None:
    with pytest.raises(JournalError, match="OrderTeleported"):
        codec.decode_event({"type": "OrderTeleported", "client_order_id": "C1", "ts": "2024-01-01T00:00:00+00:00"})


def test_a_missing_or_unexpected_field_is_refused_by_name() -> None:
    encoded = codec.encode_event(OrderAccepted(ClientOrderId("C1"), domain.BrokerOrderId("B1")))
    missing = {k: v for k, v in encoded.items() if k != "broker_order_id"}
    with pytest.raises(JournalError, match=r"missing field.*broker_order_id"):
        codec.decode_event(missing)
    with pytest.raises(JournalError, match=r"unexpected field.*colour"):
        codec.decode_event({**encoded, "colour": "red"})


def test_a_naive_datetime_is_refused_on_both_sides() -> None:
    with pytest.raises(ValueError, match="time zone"):
        codec.encode_datetime(datetime(2024, 1, 1))
    with pytest.raises(JournalError, match="time zone"):
        codec.decode_datetime("2024-01-01T00:00:00")


def test_numbers_are_never_floats() -> None:
    fill = codec.encode_fill(make_fill(price="100.10"))
    assert fill["price"] == "100.10"
    with pytest.raises(JournalError, match="float"):
        codec.from_json('{"price": 100.1}')
    with pytest.raises(JournalError, match="decimal string"):
        codec.decode_decimal(100)


def test_an_event_from_outside_the_domain_is_not_journaled() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class OrderWished(OrderEvent):
        pass

    with pytest.raises(TypeError, match="not a journaled order event"):
        codec.encode_event(OrderWished(ClientOrderId("C1")))


def test_a_fill_inside_an_order_filled_event_keeps_its_offset_and_digits() -> None:
    fill = make_fill(price="99.9900", ts=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC))
    back = codec.decode_event(through_json(codec.encode_event(OrderFilled(ClientOrderId("C1"), fill))))
    assert isinstance(back, OrderFilled)
    assert str(back.fill.price) == "99.9900"
    assert back.fill.ts == fill.ts


def test_a_pending_replace_from_an_older_journal_loads_without_the_change_asked() -> None:
    older = {"type": "OrderPendingReplace", "client_order_id": "C1", "ts": "2026-11-20T15:00:00+00:00"}
    back = codec.decode_event(older)
    assert isinstance(back, domain.OrderPendingReplace)
    assert (back.quantity, back.limit_price, back.stop_price) == (None, None, None)
