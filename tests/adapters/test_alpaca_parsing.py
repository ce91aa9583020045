"""Alpaca's answers to TradeTerm's types, without a socket: order statuses and refusals a trader reads."""

from __future__ import annotations

import re

import pytest

from core.adapters.alpaca.config import AlpacaConfig
from core.adapters.alpaca.parsing import ApiFailure, parse_order_state, translate_error
from core.adapters.alpaca.rest import stream_url
from core.domain import ClientOrderId, OrderStatus
from core.ports.errors import (
    AuthenticationFailed,
    BrokerApiError,
    InsufficientFunds,
    InvalidInstrument,
    OrderNotFound,
    OrderRejected,
    RateLimited,
)


@pytest.mark.parametrize(("alpaca", "ours"), [
    ("pending_new", OrderStatus.ACCEPTED), ("accepted", OrderStatus.ACCEPTED), ("new", OrderStatus.ACCEPTED),
    ("partially_filled", OrderStatus.PARTIALLY_FILLED), ("filled", OrderStatus.FILLED),
    ("canceled", OrderStatus.CANCELED), ("expired", OrderStatus.EXPIRED), ("done_for_day", OrderStatus.EXPIRED),
    ("replaced", OrderStatus.CANCELED), ("rejected", OrderStatus.REJECTED),
    ("pending_cancel", OrderStatus.PENDING_CANCEL), ("pending_replace", OrderStatus.PENDING_REPLACE),
])
def test_every_alpaca_status_has_its_meaning(alpaca: str, ours: OrderStatus) -> None:
    raw = {"id": "b7f1", "client_order_id": "ours", "symbol": "AAPL", "side": "sell", "qty": "3",
           "filled_qty": "1", "status": alpaca, "limit_price": "190.5", "stop_price": None}
    state = parse_order_state(raw, ClientOrderId("ours"))
    assert state.status is ours
    assert (state.quantity, state.filled_qty, str(state.limit_price), state.stop_price) == (3, 1, "190.5", None)


@pytest.mark.parametrize(("status", "body", "error", "words"), [
    (403, '{"code": 40310000, "message": "insufficient buying power", "buying_power": "10"}', InsufficientFunds,
     "insufficient buying power"),
    (403, '{"code": 40310100, "message": "trade denied due to pattern day trading protection"}', OrderRejected,
     "\\$25,000"),
    (422, '{"code": 42210000, "message": "potential wash trade detected. use complex orders"}', OrderRejected,
     "cancel it first"),
    (422, '{"code": 42210000, "message": "invalid limit_price 290.123. sub-penny increment does not fulfill '
          'minimum pricing criteria"}', OrderRejected, "at most 2 decimals"),
    (422, '{"code": 40010001, "message": "asset \\"ZZZZ\\" not found"}', InvalidInstrument, "ZZZZ"),
    (429, '{"code": 42910000, "message": "rate limit exceeded"}', RateLimited, "200 requests a minute"),
    (429, "Too Many Requests", RateLimited, "Too Many Requests"),
    (401, '{"code": 40110000, "message": "request is not authorized"}', AuthenticationFailed, "API key"),
    (404, '{"code": 40410000, "message": "order not found for T261207021208M81MREF"}', OrderNotFound,
     "order not found"),
    (422, '{"code": 42210000, "message": "order is not replaceable in \\"held\\" state"}', OrderRejected,
     "once its entry has filled"),
    (409, '{"code": 40910000, "message": "something new"}', BrokerApiError, "something new"),
])
def test_refusals_become_typed_errors_in_alpacas_words(status: int, body: str, error: type[Exception],
                                                        words: str) -> None:
    translated = translate_error(ApiFailure.of(body, status), "ZZZZ")
    assert type(translated) is error
    assert re.search(words, str(translated))


def test_settings_name_the_bad_field() -> None:
    assert AlpacaConfig.from_mapping({"paper": "false", "symbols": "aapl, spy", "poll_interval_s": "1.5"}) == \
        AlpacaConfig(paper=False, symbols=("AAPL", "SPY"), poll_interval_s=1.5)
    with pytest.raises(ValueError, match="feed must be one of iex"):
        AlpacaConfig.from_mapping({"feed": "nasdaq"})
    with pytest.raises(ValueError, match="trading_root must not end in /v2"):
        AlpacaConfig.from_mapping({"trading_root": "https://paper-api.alpaca.markets/v2"})
    with pytest.raises(ValueError, match="unknown field"):
        AlpacaConfig.from_mapping({"api_secret": "x"})


def test_the_stream_follows_a_trading_root_that_is_not_alpacas() -> None:
    assert stream_url(AlpacaConfig()) is None, "Alpaca's own, paper or live as the SDK chooses"
    assert stream_url(AlpacaConfig(trading_root="http://127.0.0.1:8123")) == "ws://127.0.0.1:8123/stream"
    assert stream_url(AlpacaConfig(trading_root="https://proxy.example")) == "wss://proxy.example/stream"
    assert stream_url(AlpacaConfig(trading_root="https://a.example", stream_root="wss://b.example/stream")) == \
        "wss://b.example/stream"
