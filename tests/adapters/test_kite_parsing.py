"""Kite translation without a socket: every packet size through kiteconnect's own parser, tables, login text."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from kiteconnect import KiteTicker

from core.adapters.kite.credentials import AccessToken
from core.adapters.kite.parsing import (
    MAP_ORDER_STATUS,
    RATE_LIMITED,
    KiteProduct,
    KiteVariety,
    is_our_tag,
    order_params,
    parse_cash,
    parse_order_state,
    parse_positions,
    parse_request_token,
    parse_tick,
    token_expiry,
    translate_error,
    translate_rejection,
)
from core.adapters.kite.redaction import RedactSecretsFilter, redact
from core.domain import ClientOrderId, OrderStatus, OrderSubmitted, OrderType, Quote, Side, TimeInForce
from core.domain.product import Product
from core.ports.errors import (
    AuthenticationFailed,
    ConnectionLost,
    InsufficientFunds,
    InvalidInstrument,
    MarketClosed,
    OrderRejected,
    RateLimited,
)
from tests.factories import make_instrument, make_order
from tests.sims.kite.exchange import KiteExchange
from tests.sims.kite.packets import TickState, frame, full_packet, index_packet, ltp_packet, quote_packet

INFY, NIFTY, CDS = 408065, 256265, 412675  # NSE (segment 1), indices (9), CDS (3)


def tick_state(token: int = INFY) -> TickState:
    return TickState(
        token=token, last=Decimal("1520.35"), last_qty=5, avg=Decimal("1519.80"), volume=123456, buy_qty=900,
        sell_qty=800, open=Decimal("1510.00"), high=Decimal("1525.50"), low=Decimal("1505.05"),
        close=Decimal("1512.40"),
        bids=tuple((10 * (i + 1), Decimal("1520.30") - Decimal("0.05") * i, i + 1) for i in range(5)),
        asks=tuple((20 * (i + 1), Decimal("1520.35") + Decimal("0.05") * i, i + 2) for i in range(5)),
        last_trade_time=1_700_000_000, exchange_time=1_700_000_001,
    )


def parse(*packets: bytes) -> list[dict]:
    return KiteTicker("key", "token")._parse_binary(frame(list(packets)))


@pytest.mark.parametrize(("builder", "size", "mode"), [
    (ltp_packet, 8, "ltp"), (quote_packet, 44, "quote"), (full_packet, 184, "full"),
])
def test_stock_packets_of_every_size_parse_to_rupees(builder, size, mode) -> None:
    packet = builder(tick_state())
    assert len(packet) == size
    [tick] = parse(packet)
    assert tick["mode"] == mode and tick["tradable"] is True and tick["instrument_token"] == INFY
    quote = parse_tick(tick, "INFY")
    assert quote.last == Decimal("1520.35")
    if mode != "ltp":
        assert quote.close == Decimal("1512.4")
        assert tick["ohlc"]["high"] == 1525.5 and tick["volume_traded"] == 123456
    if mode == "full":
        assert (quote.bid, quote.ask) == (Decimal("1520.3"), Decimal("1520.35"))
        assert (quote.bid_size, quote.ask_size) == (Decimal(10), Decimal(20))
        assert [level["orders"] for level in tick["depth"]["sell"]] == [2, 3, 4, 5, 6]
    else:
        assert quote.bid is None and quote.ask is None


@pytest.mark.parametrize(("full", "size"), [(False, 28), (True, 32)])
def test_index_packets_are_not_tradable_and_keep_high_low_order(full: bool, size: int) -> None:
    packet = index_packet(tick_state(NIFTY), full=full)
    assert len(packet) == size
    [tick] = parse(packet)
    assert tick["tradable"] is False and tick["mode"] == ("full" if full else "quote")
    assert tick["ohlc"] == {"high": 1525.5, "low": 1505.05, "open": 1510.0, "close": 1512.4}
    quote = parse_tick(tick, "NIFTY 50")
    assert quote.last == Decimal("1520.35") and quote.bid is None


def test_one_frame_carries_several_packets_and_segment_three_uses_its_divisor() -> None:
    ticks = parse(ltp_packet(tick_state()), full_packet(tick_state()), index_packet(tick_state(NIFTY), True))
    assert [t["mode"] for t in ticks] == ["ltp", "full", "full"]
    [cds] = parse(ltp_packet(tick_state(CDS)))
    assert cds["last_price"] == pytest.approx(152035 / 1e7)


def test_simulator_packets_parse_for_every_default_instrument() -> None:
    from tests.sims.kite.server import KiteSimulator

    sim = KiteSimulator()
    for listing in sim.exchange.listings.values():
        for mode in ("ltp", "quote", "full"):
            [tick] = parse(sim.packet(listing.token, mode))
            quote = parse_tick(tick, listing.tradingsymbol)
            assert quote.last is not None and listing.instrument().is_on_tick(quote.last)
            if mode == "full" and not listing.index:
                assert quote.bid is not None and quote.ask is not None and quote.bid < quote.ask


def test_status_table_covers_every_status_the_simulator_produces() -> None:
    exchange = KiteExchange()
    exchange.place("regular", {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
                               "quantity": "1", "product": "CNC", "order_type": "MARKET", "market_protection": "-1"})
    exchange.place("amo", {"exchange": "NSE", "tradingsymbol": "TCS", "transaction_type": "BUY", "quantity": "1",
                           "product": "CNC", "order_type": "LIMIT", "price": "3000"})
    statuses = {state["status"] for sim in exchange.orders.values() for state in sim.history}
    assert statuses <= set(MAP_ORDER_STATUS)
    assert MAP_ORDER_STATUS["TRIGGER PENDING"] is OrderStatus.ACCEPTED
    state = parse_order_state({"order_id": "1", "tag": "T2601011200001234567", "status": "OPEN",
                               "filled_quantity": 2, "quantity": 5, "tradingsymbol": "INFY",
                               "transaction_type": "SELL"})
    assert state.status is OrderStatus.PARTIALLY_FILLED and state.client_order_id == "T2601011200001234567"
    assert state.side is Side.SELL


def test_order_params_carry_our_id_in_tag_and_map_stop_types() -> None:
    instrument = make_instrument(symbol="INFY", venue="NSE", currency="INR", tick_size="0.05")
    order = make_order(instrument=instrument, order_type=OrderType.STOP_LIMIT, limit_price="1500",
                       stop_price="1499.5", tif=TimeInForce.IOC)
    params = order_params(order, KiteProduct.MIS, KiteVariety.AMO)
    assert params["tag"] == str(order.client_order_id) and len(params["tag"]) <= 20 and is_our_tag(params["tag"])
    assert (params["order_type"], params["price"], params["trigger_price"]) == ("SL", "1500", "1499.5")
    assert (params["variety"], params["product"], params["validity"]) == ("amo", "MIS", "IOC")
    stop = make_order(instrument=instrument, order_type=OrderType.STOP, stop_price="1499.5")
    assert order_params(stop, KiteProduct.CNC, KiteVariety.REGULAR)["order_type"] == "SL-M"
    assert order_params(stop, KiteProduct.CNC, KiteVariety.REGULAR)["market_protection"] == -1
    assert "market_protection" not in params, "only MARKET and SL-M orders carry it"
    gtc = make_order(instrument=instrument, tif=TimeInForce.GTC)
    gtc.apply(OrderSubmitted(gtc.client_order_id))
    with pytest.raises(OrderRejected, match="DAY or IOC"):
        order_params(gtc, KiteProduct.CNC, KiteVariety.REGULAR)


@pytest.mark.parametrize(("error_type", "message", "code", "kind", "words"), [
    ("TokenException", "Incorrect `api_key` or `access_token`.", 403, AuthenticationFailed, "Log in again"),
    ("NetworkException", "Too many requests", 429, RateLimited, "10 a second"),
    ("InputException", "Markets are closed right now.", 400, MarketClosed, "closed"),
    ("InputException", "The instrument NSE:X has either expired or does not exist.", 400, InvalidInstrument, "X"),
    ("GeneralException", "Insufficient funds. Required margin is 10.", 400, InsufficientFunds, "Required margin"),
    ("NetworkException", "OMS unreachable", 503, ConnectionLost, "Check the order book"),
])
def test_kite_errors_become_broker_errors_a_trader_can_act_on(error_type, message, code, kind, words) -> None:
    error = translate_error(error_type, message, code)
    assert type(error) is kind and words in str(error)
    limited = translate_error("NetworkException", "Too many requests", 429)
    assert isinstance(limited, RateLimited) and RATE_LIMITED in str(limited) and limited.retry_after_s == 1.0
    per_day = translate_error("NetworkException", "Maximum allowed order requests exceeded (3000 per day).", 429)
    assert isinstance(per_day, RateLimited) and per_day.retry_after_s is None


def test_rejections_keep_kites_reason() -> None:
    assert isinstance(translate_rejection("Insufficient funds. Required margin is 5"), InsufficientFunds)
    assert "RMS" in str(translate_rejection("RMS: blocked for trading"))


def test_redirect_url_or_bare_token_gives_the_request_token() -> None:
    url = "http://127.0.0.1/kite-redirect?request_token=abc123XYZ&action=login&status=success"
    assert parse_request_token(url) == "abc123XYZ"
    assert parse_request_token("  abc123XYZ ") == "abc123XYZ"
    with pytest.raises(ValueError, match="request_token"):
        parse_request_token("http://127.0.0.1/kite-redirect?action=login&status=success")
    with pytest.raises(ValueError, match="log in again"):
        parse_request_token("http://x/?request_token=a&status=cancelled")


def test_session_ends_at_six_ist_the_next_morning() -> None:
    assert token_expiry(datetime(2026, 1, 5, 9, 15)) == datetime(2026, 1, 6, 0, 30, tzinfo=UTC)  # naive = IST
    assert token_expiry(datetime(2026, 1, 5, 0, 10, tzinfo=UTC)) == datetime(2026, 1, 5, 0, 30, tzinfo=UTC)  # 05:40 IST
    assert token_expiry(datetime(2026, 1, 5, 1, 0, tzinfo=UTC)) == datetime(2026, 1, 6, 0, 30, tzinfo=UTC)  # 06:30 IST
    assert token_expiry(datetime(2026, 1, 4, 23, 0, tzinfo=UTC)) == datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


def test_access_token_round_trips_through_one_keyring_value_and_never_prints() -> None:
    token = AccessToken("s3cr3tvalue", datetime(2026, 1, 6, 0, 30, tzinfo=UTC), "AB1234")
    assert AccessToken.from_secret(token.to_secret()) == token
    assert "s3cr3tvalue" not in repr(token)
    assert AccessToken.from_secret("garbage") is None


def test_cash_and_positions_from_margins_and_net_positions() -> None:
    assert [str(m.amount) for m in parse_cash({"equity": {"net": 99123.45}})] == ["99123.45"]
    positions = parse_positions({"net": [
        {"tradingsymbol": "INFY", "quantity": 3, "average_price": 1500.0},
        {"tradingsymbol": "INFY", "quantity": 1, "average_price": 1520.0},
        {"tradingsymbol": "TCS", "quantity": 0, "average_price": 0},
    ], "day": []})
    assert [(p.symbol, p.quantity, p.avg_cost) for p in positions] == [("INFY", 4, Decimal("1505"))]


def test_net_positions_stay_apart_per_product_as_kite_keeps_them() -> None:
    positions = parse_positions({"net": [
        {"tradingsymbol": "INFY", "product": "CNC", "quantity": 10, "average_price": 1500.0},
        {"tradingsymbol": "INFY", "product": "MIS", "quantity": -4, "average_price": 1520.0},
        {"tradingsymbol": "TCS", "product": "MIS", "quantity": 0, "average_price": 0},
    ], "day": []})
    assert [(p.symbol, p.product, p.quantity) for p in positions] == [
        ("INFY", Product.CNC, 10), ("INFY", Product.MIS, -4)]


def test_log_filter_redacts_authorization_tokens_and_checksums(caplog: pytest.LogCaptureFixture) -> None:
    assert "k3y" not in redact("Authorization: token k3y:t0ken") and "t0ken" not in redact("token k3y:t0ken")
    text = redact("GET ws://h/ws?api_key=k3y&access_token=t0ken checksum=abcd request_token=rt1")
    for secret in ("k3y", "t0ken", "abcd", "rt1"):
        assert secret not in text
    logger = logging.getLogger("kiteconnect.connect")
    logger.addFilter(RedactSecretsFilter())
    with caplog.at_level(logging.DEBUG, logger="kiteconnect.connect"):
        logger.debug("Request: %s", {"Authorization": "token k3y:t0ken"})
    assert "t0ken" not in caplog.text and "<redacted>" in caplog.text


def test_our_tag_is_a_generated_client_order_id() -> None:
    assert is_our_tag(str(ClientOrderId.generate()))
    assert not is_our_tag("manual-order") and not is_our_tag(None)


def test_a_new_day_leaves_no_order_of_yesterday_to_fill() -> None:
    """The chaos world's day roll once cleared /orders but not the engine's per-symbol book: a resting
    limit of yesterday then filled, the tick loop died on the unknown order id and the market stopped."""
    exchange = KiteExchange()
    touch = exchange.market.quote("INFY")
    assert touch.bid is not None
    order_id = exchange.place("regular", {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
                                          "quantity": "1", "product": "CNC", "order_type": "LIMIT",
                                          "price": str(touch.bid - 10)})
    assert exchange.orders[order_id].order["status"] == "OPEN"
    exchange.new_day()
    through = Quote("INFY", bid=touch.bid - 21, ask=touch.bid - 20, bid_size=Decimal(100), ask_size=Decimal(100),
                    source="KITE")
    assert exchange.engine.match(through) == []
    exchange.step()  # the market goes on
    assert exchange.orders == {} and exchange.trades == []


def test_a_trade_carries_its_product_and_one_tradeterm_does_not_trade_has_none() -> None:
    from core.adapters.kite.parsing import parse_fill
    from core.domain import AccountId

    trade = {"trade_id": "9001", "order_id": "42", "exchange": "NSE", "tradingsymbol": "INFY", "product": "MIS",
             "transaction_type": "BUY", "quantity": 2, "average_price": 1520.05,
             "fill_timestamp": "2026-12-04 10:15:00"}
    assert parse_fill(trade, AccountId("KITE-1"), None).product is Product.MIS
    assert parse_fill({**trade, "product": "MTF"}, AccountId("KITE-1"), None).product is None
