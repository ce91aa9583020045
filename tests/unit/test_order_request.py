"""validate_request: one message per bad field, in words a trader acts on; nothing gets through unchecked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import AccountId, OrderRequest, OrderType, Side, TimeInForce, validate_request
from tests.factories import make_instrument

AAPL = make_instrument()
A_SHARE = make_instrument("600519", currency="CNY", lot_size="100")


def check(instrument=AAPL, **fields):  # type: ignore[no-untyped-def]
    base = {"account_id": AccountId("PAPER-1"), "symbol": instrument.symbol, "side": Side.BUY, "quantity": "100",
            "order_type": OrderType.LIMIT, "limit_price": "189.50"}
    return validate_request(OrderRequest(**{**base, **fields}), instrument)


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"quantity": "0"}, "quantity", "greater than zero"),
        ({"quantity": "-5"}, "quantity", "greater than zero"),
        ({"quantity": "abc"}, "quantity", "not a number"),
        ({"quantity": "nan"}, "quantity", "not a number"),
        ({"quantity": "inf"}, "quantity", "not a number"),
        ({"quantity": "1e999"}, "quantity", "not a number a trade can have"),
        ({"quantity": "1000000000000"}, "quantity", "not a number a trade can have"),
        ({"limit_price": "1e15"}, "limit_price", "not a number a trade can have"),
        ({"quantity": ""}, "quantity", "Enter a value"),
        ({"limit_price": "189.503"}, "limit_price", "try 189.50"),
        ({"limit_price": "0"}, "limit_price", "greater than zero"),
        ({"order_type": OrderType.STOP, "stop_price": None}, "stop_price", "Enter a value"),
        ({"tif": "GFD"}, "tif", "not one of DAY, GTC, IOC, FOK, OPG, CLS, GTD"),
        ({"side": "HOLD"}, "side", "not one of BUY, SELL"),
        ({"order_type": "ICEBERG"}, "order_type", "not one of"),
    ],
)
def test_each_bad_field_is_named_with_what_to_do(fields: dict[str, object], field: str, says: str) -> None:
    valid, errors = check(**fields)
    assert valid is None
    assert [e.field for e in errors] == [field]
    assert says in errors[0].message


def test_off_lot_quantity_suggests_a_whole_lot() -> None:
    valid, errors = check(A_SHARE, quantity="150", limit_price="1700.00")
    assert valid is None and "lots of 100; try 100" in errors[0].message


def test_a_float_from_an_api_is_refused_not_rounded() -> None:
    valid, errors = check(quantity=100.5)
    assert valid is None and errors[0].field == "quantity"


def test_unknown_symbol_says_so() -> None:
    valid, errors = validate_request(
        OrderRequest(AccountId("PAPER-1"), "ZZZZ", Side.BUY, "1", OrderType.MARKET), None
    )
    assert valid is None and errors[0].field == "symbol" and "ZZZZ" in errors[0].message


def test_text_from_a_form_or_an_api_becomes_typed_values() -> None:
    valid, errors = check(side="sell", order_type="stp lmt", tif="gtc", limit_price="189.50", stop_price="189.00",
                          quantity="1000")
    assert errors == [] and valid is not None
    assert (valid.side, valid.order_type, valid.tif) == (Side.SELL, OrderType.STOP_LIMIT, TimeInForce.GTC)
    assert valid.quantity == Decimal(1000) and valid.stop_price == Decimal("189.00")
