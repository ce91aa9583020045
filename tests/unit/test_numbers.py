"""parse_number, the one reader of numbers a trader types or a strategy sends: what it takes, what it refuses."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.domain import (
    AccountId,
    Instrument,
    NumberError,
    OrderRequest,
    OrderType,
    Price,
    Quantity,
    Side,
    parse_number,
    to_decimal,
    validate_request,
)
from core.domain.enums import AssetClass
from core.domain.numbers import MAX_MAGNITUDE, decimal_or_none
from core.services.risk import LimitError, RiskConfig, RiskLimits
from tests.factories import make_instrument

HOW = "Use digits with one decimal point, e.g. 1500 or 1.5; no commas, spaces inside or exponents."


@pytest.mark.parametrize(
    ("text", "signed", "value"),
    [
        ("100", False, Decimal(100)),
        ("189.50", False, Decimal("189.50")),
        (" 12 ", False, Decimal(12)),  # spaces around a number are not part of it
        ("\t7\n", False, Decimal(7)),
        ("0.5", False, Decimal("0.5")),
        (".5", False, Decimal("0.5")),
        ("5.", False, Decimal(5)),
        ("007", False, Decimal(7)),
        ("0", False, Decimal(0)),
        ("-0", True, Decimal(0)),
        ("+5", True, Decimal(5)),
        ("-2.25", True, Decimal("-2.25")),
        ("999999999999", False, Decimal("999999999999")),  # 12 digits before the point
        ("0.0000000001", False, Decimal("0.0000000001")),  # 10 after it
        ("999999999999.9999999999", False, Decimal("999999999999.9999999999")),
        ("1.50000000000000", False, Decimal("1.5")),  # trailing zeros are not digits that matter
    ],
)
def test_plain_digits_with_one_point_are_read_as_they_look(text: str, signed: bool, value: Decimal) -> None:
    result = parse_number(text, "quantity", signed=signed)
    assert result == value
    assert not (result.is_zero() and result.is_signed()), "-0 is 0"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1,5", "has a comma"),  # 15 to one reader, 1.5 to another
        ("61,0000", "has a comma"),  # read as 610000 before
        ("1,000", "no thousands separators"),
        ("١٢٣", "digits other than 0-9 (type 123)"),  # Arabic-Indic
        ("１２３", "digits other than 0-9 (type 123)"),  # full-width
        ("１．５", "(type 1.5)"),
        ("1_000", "has an underscore"),
        ("1 000", "has a space inside"),
        ("\u00a012", "characters other than 0-9"),  # a no-break space is not an ASCII space
        ("1E-999999999", "not a number a trade can have"),  # underflowed to 0 and passed every check
        ("1e1000000", "not a number a trade can have"),  # raised decimal.Overflow
        ("1e99999999999999999999", "not a number a trade can have"),  # beyond what Decimal can hold at all
        ("1e3", "uses exponent notation: type 1000 instead"),
        ("2.5E-3", "type 0.0025 instead"),
        ("", "Enter a number"),
        ("   ", "Enter a number"),
        ("0.00000000001", "more than 10 digits after the decimal point"),
        ("1000000000000", "not a number a trade can have: at most 12 digits before the decimal point"),
        ("NaN", "'NaN' is not a number"),
        ("nan", "'nan' is not a number"),
        ("Infinity", "'Infinity' is not a number"),
        ("-inf", "is not a number"),
        ("sNaN", "is not a number"),
        ("+5", "has a sign this field does not take: type 5"),
        ("-0", "has a sign this field does not take: type 0"),
        ("-5", "is negative: enter a number greater than zero"),
        ("1..2", "more than one decimal point"),
        ("1.2.3", "more than one decimal point"),
        (".", "is not a number"),
        ("--5", "is not a number"),
        ("0x10", "is not a number"),
        ("12x", "'12x' is not a number"),
        ("1" * 65, "too long for a number"),
    ],
)
def test_what_a_careful_reader_would_not_take_is_refused_with_what_to_type(text: str, says: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_number(text, "quantity")
    error = caught.value
    assert error.field == "quantity" and str(error).startswith("quantity: ")
    assert says in error.problem
    assert isinstance(error, ValueError)


def test_every_refusal_of_a_malformed_text_says_what_to_type() -> None:
    for text in ("1,5", "１２３", "1_000", "abc", "1e999", "NaN", ""):
        with pytest.raises(NumberError) as caught:
            parse_number(text, "limit_price")
        assert HOW in caught.value.problem, text


def test_a_long_text_is_cut_short_in_the_message() -> None:
    with pytest.raises(NumberError) as caught:
        parse_number("9" * 40, "quantity")
    assert len(caught.value.problem) < 200 and "…" in caught.value.problem


@pytest.mark.parametrize(
    ("value", "signed", "expected"),
    [
        (100, False, Decimal(100)),
        (Decimal("189.5"), False, Decimal("189.5")),
        (Decimal("1.5E+2"), False, Decimal(150)),  # a JSON number 1.5e2 is 150, held without an exponent
        (Decimal("1E-7"), False, Decimal("0.0000001")),
        (Decimal("-0"), False, Decimal(0)),
        (-3, True, Decimal(-3)),
        (Decimal("0E-999999999"), False, Decimal(0)),
        pytest.param(Decimal("1.5" + "0" * 5000), False, Decimal("1.5"), id="1.5-and-5000-zeros"),
    ],
)
def test_a_value_from_code_or_a_json_number_is_taken_within_the_same_bounds(
    value: object, signed: bool, expected: Decimal
) -> None:
    result = parse_number(value, "quantity", signed=signed)
    assert result == expected and -10 <= result.as_tuple().exponent <= 0  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (Decimal("1E+1000000"), "not a number a trade can have"),
        (Decimal("1E-999999999"), "more than 10 digits after the decimal point"),
        (Decimal("NaN"), "is not a number"),
        (Decimal("-Infinity"), "is not a number"),
        (Decimal("sNaN"), "is not a number"),
        (10**12, "not a number a trade can have"),
        pytest.param(10**5000, "not a number a trade can have", id="int-of-5001-digits"),  # str() of it refuses
        (-1, "is negative"),
        (True, "true is not a number"),  # a bool is not a number
        (1.5, "binary float"),
        (None, "NoneType is not a number"),
        ([1], "list is not a number"),
    ],
)
def test_a_value_beyond_the_bounds_or_not_a_number_is_refused(value: object, says: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_number(value, "limit_price")
    assert caught.value.field == "limit_price" and says in caught.value.problem


def test_the_bounds_keep_the_meaning_of_max_magnitude() -> None:
    assert Decimal(10) ** 12 == MAX_MAGNITUDE
    assert parse_number("999999999999.9999999999", "x") < MAX_MAGNITUDE
    with pytest.raises(NumberError):
        parse_number(MAX_MAGNITUDE, "x")


def test_decimal_or_none_answers_quietly_for_hints() -> None:
    assert decimal_or_none("1.5") == Decimal("1.5") and decimal_or_none("1,5") is None
    assert decimal_or_none("-1", signed=True) == -1 and decimal_or_none("-1") is None


def test_domain_values_built_from_text_read_it_the_same_way() -> None:
    assert Price("189.50").value == Decimal("189.50") and Quantity(" 100 ").value == 100
    for text in ("1,5", "1e3", "١٢٣", "1_000", "1E-999999999"):
        with pytest.raises(ValueError, match="quantity"):
            Quantity(text)
        with pytest.raises(ValueError, match="tick_size"):
            Instrument(symbol="AAPL", venue="SMART", currency="USD", tick_size=text)
    assert to_decimal("-5", "price") == -5  # a price may be negative (spreads)


def _check(**fields: object) -> list[tuple[str, str]]:
    instrument = make_instrument("AAPL")
    if fields.pop("future", False):
        instrument = make_instrument("ESZ6", asset_class=AssetClass.FUTURE, tick_size="0.25")
    base: dict[str, object] = {"account_id": AccountId("PAPER-1"), "symbol": instrument.symbol, "side": Side.BUY,
                               "quantity": "100", "order_type": OrderType.LIMIT, "limit_price": "189.50"}
    valid, errors = validate_request(OrderRequest(**{**base, **fields}), instrument)  # type: ignore[arg-type]
    assert (valid is None) == bool(errors)
    return [(error.field, error.message) for error in errors]


@pytest.mark.parametrize("text", ["1,5", "61,0000", "١٢٣", "１２３", "1_000", "1E-999999999", "1e1000000", "+5"])
@pytest.mark.parametrize("field", ["quantity", "limit_price"])
def test_validate_request_refuses_each_such_number_naming_its_field(field: str, text: str) -> None:
    (error,) = _check(**{field: text})
    assert error[0] == field and error[1].startswith(repr(text)), error


def test_only_a_futures_price_may_carry_a_sign() -> None:
    assert _check(future=True, limit_price="-1.25") == []
    (error,) = _check(limit_price="-1.25")
    assert error[0] == "limit_price" and "greater than zero" in error[1]


def test_json_numbers_decoded_exactly_are_bounded_like_text() -> None:
    document = json.loads('{"a": 1e1000000, "b": 1E-999999999, "c": 100, "d": 189.5}',
                          parse_float=Decimal, parse_int=Decimal)
    for name in ("a", "b"):
        with pytest.raises(NumberError):
            parse_number(document[name], name)
    assert parse_number(document["c"], "c") == 100 and parse_number(document["d"], "d") == Decimal("189.5")


@pytest.mark.parametrize("text", ["1e999", "1E+999", "1,000", "١٠", "1e-7"])
def test_a_risk_limit_the_app_could_not_load_back_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(LimitError) as caught:
        RiskLimits.from_dict({"max_order_qty": text})
    assert caught.value.field == "max_order_qty" and "max_order_qty" in str(caught.value)


def test_every_saved_risk_limit_loads_back_the_same() -> None:
    config = RiskConfig(
        RiskLimits.from_dict({"max_order_qty": "999999999999", "collar_pct": "0.0000001",
                              "fx_rates": "JPY=0.0000067, INR=0.012", "max_order_notional": "1000000"}),
        accounts={"IB-1": {"max_position": "0.0000000001"}},
    )
    saved = json.loads(json.dumps(config.to_dict()))  # what settings.json holds
    assert "E" not in json.dumps(saved), "no exponent in the file"
    assert RiskConfig.from_dict(saved) == config


def test_a_settings_file_risk_number_is_read_by_its_value_and_infinity_is_refused() -> None:
    document = json.loads('{"max_order_qty": 0.00001, "max_position": 1e999}')
    assert RiskLimits.from_dict({"max_order_qty": document["max_order_qty"]}).max_order_qty == Decimal("0.00001")
    with pytest.raises(LimitError, match="max_position: inf is not a finite number"):
        RiskLimits.from_dict({"max_position": document["max_position"]})
