"""OANDA's wire shapes to domain types and back, and its settings, without a socket."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.adapters.oanda.config import OandaConfig
from core.adapters.oanda.parsing import order_body, parse_instrument, parse_time, pip_size, refusal_error
from core.domain import OrderType, Side, TimeInForce
from core.ports.errors import InsufficientFunds, InvalidInstrument, MarketClosed, OrderRejected
from tests.factories import make_instrument, make_order

YEN = {"name": "USD_JPY", "type": "CURRENCY", "displayName": "USD/JPY", "pipLocation": -2, "displayPrecision": 3,
       "tradeUnitsPrecision": 0, "minimumTradeSize": "1"}


def test_an_instrument_ticks_at_its_display_precision_and_trades_whole_units() -> None:
    yen = parse_instrument(YEN)
    assert (yen.symbol, yen.currency, yen.tick_size, yen.lot_size) == ("USD_JPY", "JPY", Decimal("0.001"), 1)
    assert pip_size(YEN) == Decimal("0.01")


def test_a_sell_goes_out_as_negative_units_with_our_id_and_a_day_limit_as_gfd() -> None:
    order = make_order(instrument=make_instrument(symbol="EUR_USD", currency="USD", tick_size="0.00001"),
                       side=Side.SELL, quantity="2500", order_type=OrderType.LIMIT, limit_price="1.08515",
                       tif=TimeInForce.DAY)
    body = order_body(order)
    assert body["units"] == "-2500" and body["price"] == "1.08515" and body["timeInForce"] == "GFD"
    assert body["clientExtensions"]["id"] == body["tradeClientExtensions"]["id"] == str(order.client_order_id)


def test_a_market_order_is_fill_or_kill_unless_ioc() -> None:
    instrument = make_instrument(symbol="EUR_USD", currency="USD", tick_size="0.00001")
    assert order_body(make_order(instrument=instrument, order_type=OrderType.MARKET))["timeInForce"] == "FOK"
    ioc = make_order(instrument=instrument, order_type=OrderType.MARKET, tif=TimeInForce.IOC)
    assert order_body(ioc)["timeInForce"] == "IOC" and "price" not in order_body(ioc)


@pytest.mark.parametrize(("code", "error", "words"), [
    ("FIFO_VIOLATION_SAFEGUARD_VIOLATION", OrderRejected, "FIFO rule of US (NFA) accounts"),
    ("INSUFFICIENT_MARGIN", InsufficientFunds, "lack of margin"),
    ("MARKET_HALTED", MarketClosed, "cannot trade EUR_USD now"),
    ("INSTRUMENT_UNKNOWN", InvalidInstrument, "does not know the instrument EUR_USD"),
    ("UNITS_MIMIMUM_NOT_MET", OrderRejected, "UNITS_MIMIMUM_NOT_MET"),
])
def test_refusals_become_typed_errors_a_trader_can_read(code: str, error: type[Exception], words: str) -> None:
    body = {"orderRejectTransaction": {"type": "MARKET_ORDER_REJECT", "rejectReason": code},
            "errorCode": code, "errorMessage": "OANDA's words"}
    refusal = refusal_error(body, "EUR_USD")
    assert type(refusal) is error and words in str(refusal)


def test_times_keep_microseconds_of_oandas_nanoseconds() -> None:
    assert parse_time("2026-12-06T12:00:01.123456789Z") == datetime(2026, 12, 6, 12, 0, 1, 123456, tzinfo=UTC)


def test_live_uses_the_fxtrade_hosts_and_must_be_confirmed() -> None:
    live = OandaConfig.from_mapping({"account": "001-001-1-001", "environment": "LIVE"})
    assert (live.rest, live.stream) == ("https://api-fxtrade.oanda.com", "https://stream-fxtrade.oanda.com")
    assert "real money" in (live.live_refusal() or "")
    confirmed = OandaConfig.from_mapping({"account": "1", "environment": "live", "confirm_live": "yes"})
    assert confirmed.live_refusal() is None
    practice = OandaConfig.from_mapping({"account": "101-1", "symbols": "eur_usd, usd_jpy"})
    assert practice.rest == "https://api-fxpractice.oanda.com" and practice.symbols == ("EUR_USD", "USD_JPY")


@pytest.mark.parametrize(("settings", "words"), [
    ({}, "account is empty"),
    ({"account": "1", "environment": "demo"}, "environment must be practice or live"),
    ({"account": "1", "confirm_live": "maybe"}, "confirm_live must be yes or no"),
    ({"account": "1", "symbols": "EURUSD"}, "OANDA instrument names such as EUR_USD"),
    ({"account": "1", "token": "x"}, "unknown field(s) token"),
])
def test_bad_settings_name_the_field(settings: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        OandaConfig.from_mapping(settings)
