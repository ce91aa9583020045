"""Pure translation between kiteconnect's dicts and the domain: status, side, product, error tables; ticks, fills.

No I/O here; binary packets are kiteconnect's job (KiteTicker._parse_binary) — this module translates the
tick dicts it produces. Every function is tested without a socket (tests/adapters/test_kite_parsing.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import parse_qs, urlparse

from core.adapters.kite.freeze import freeze_quantity
from core.adapters.kite.symbols import SymbolOf, as_listed, split_symbol
from core.domain import (
    AccountId,
    AssetClass,
    BrokerOrderId,
    ClientOrderId,
    Fill,
    Instrument,
    Money,
    Order,
    OrderStatus,
    OrderType,
    Price,
    Quantity,
    Quote,
    Side,
    TimeInForce,
    TradeId,
)
from core.domain.product import Product
from core.ports.broker import BrokerOrderState, BrokerPosition
from core.ports.errors import (
    AuthenticationFailed,
    BrokerError,
    ConnectionLost,
    InsufficientFunds,
    InvalidInstrument,
    MarketClosed,
    OrderRejected,
    RateLimited,
)

IST = timezone(timedelta(hours=5, minutes=30), "IST")
SESSION_ENDS = time(6, 0)
CURRENCY = "INR"
_OUR_TAG = re.compile(r"^T\d{12}[0-9A-Z]{7}$")


class KiteProduct(StrEnum):
    CNC = "CNC"  # delivery (cash and carry)
    MIS = "MIS"  # intraday, squared off by the broker before the close
    NRML = "NRML"  # overnight futures and options


class KiteVariety(StrEnum):
    REGULAR = "regular"
    AMO = "amo"  # after-market order, sent to the exchange at the next open


class KiteMode(StrEnum):
    LTP = "ltp"
    QUOTE = "quote"
    FULL = "full"


# --- tables ----------------------------------------------------------------------------------------

MAP_ORDER_STATUS: Mapping[str, OrderStatus] = MappingProxyType({
    "PUT ORDER REQ RECEIVED": OrderStatus.SUBMITTED,
    "VALIDATION PENDING": OrderStatus.SUBMITTED,
    "OPEN PENDING": OrderStatus.SUBMITTED,
    "OPEN": OrderStatus.ACCEPTED,
    "TRIGGER PENDING": OrderStatus.ACCEPTED,
    "AMO REQ RECEIVED": OrderStatus.ACCEPTED,
    "MODIFY VALIDATION PENDING": OrderStatus.PENDING_REPLACE,
    "MODIFY PENDING": OrderStatus.PENDING_REPLACE,
    "MODIFIED": OrderStatus.ACCEPTED,
    "CANCEL PENDING": OrderStatus.PENDING_CANCEL,
    "COMPLETE": OrderStatus.FILLED,
    "CANCELLED": OrderStatus.CANCELED,
    "CANCELLED AMO": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
})
"""Kite's order status strings to ours; a working order with fills is PARTIALLY_FILLED (parse_order_status)."""

ACCEPTED_STATUSES = frozenset(k for k, v in MAP_ORDER_STATUS.items() if v is OrderStatus.ACCEPTED)
DECIDED_STATUSES = ACCEPTED_STATUSES | {"COMPLETE", "CANCELLED", "CANCELLED AMO", "REJECTED"}

MAP_TRANSACTION_TYPE: Mapping[str, Side] = MappingProxyType({"BUY": Side.BUY, "SELL": Side.SELL})

MAP_ORDER_TYPE: Mapping[OrderType, str] = MappingProxyType({
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP: "SL-M",
    OrderType.STOP_LIMIT: "SL",
})

AUTOMATIC_MARKET_PROTECTION: Final = -1
"""Kite refuses an API MARKET or SL-M order without market_protection (since 2026); -1 lets Kite choose the band."""

MAP_VALIDITY: Mapping[TimeInForce, str] = MappingProxyType({TimeInForce.DAY: "DAY", TimeInForce.IOC: "IOC"})

MAP_ERROR_TYPE: Mapping[str, type[BrokerError]] = MappingProxyType({
    "TokenException": AuthenticationFailed,
    "PermissionException": AuthenticationFailed,
    "UserException": AuthenticationFailed,
    "OrderException": OrderRejected,
    "InputException": OrderRejected,
    "MarginException": InsufficientFunds,
    "HoldingException": OrderRejected,
    "NetworkException": ConnectionLost,
    "DataException": BrokerError,
    "GeneralException": BrokerError,
})
"""kiteconnect exception class names (the server's error_type) to our error hierarchy."""

_MESSAGE_HINTS: tuple[tuple[str, type[OrderRejected]], ...] = (
    ("insufficient funds", InsufficientFunds),
    ("margin exceeds", InsufficientFunds),
    ("markets are closed", MarketClosed),
    ("market is closed", MarketClosed),
    ("has either expired or does not exist", InvalidInstrument),
    ("is an index", InvalidInstrument),
)

RATE_LIMITED = ("Kite refused the request: too many order requests (Kite allows 10 a second, 200 a minute and "
                "3,000 a day). It was not placed or changed.")
TOKEN_EXPIRED = ("The Kite session has ended (Kite ends every session at 06:00 IST, and a login elsewhere "
                 "ends it too). Log in again in the Kite panel; trading resumes after login, no restart needed.")


def translate_error(error_type: str, message: str, code: int | None = None) -> BrokerError:
    """Return the BrokerError for a kiteconnect exception (class name, message, HTTP status), worded for a trader."""
    if code == 429:
        window = message.lower()
        retry = None if "day" in window else 60.0 if "minute" in window else 1.0
        return RateLimited(f"{RATE_LIMITED} (Kite said: {message})", retry_after_s=retry)
    if error_type == "TokenException":
        return AuthenticationFailed(f"{TOKEN_EXPIRED} (Kite said: {message})")
    kind = MAP_ERROR_TYPE.get(error_type, BrokerError)
    if issubclass(kind, OrderRejected) or kind is BrokerError:
        for hint, refined in _MESSAGE_HINTS:
            if hint in message.lower():
                return refined(f"Kite refused the order: {message}")
    if kind is ConnectionLost:
        return ConnectionLost(f"Kite could not reach the exchange: {message} Check the order book before resending.")
    if issubclass(kind, OrderRejected):
        return kind(f"Kite refused the order: {message}")
    if kind is AuthenticationFailed:
        return kind(f"Kite refused access: {message} Check the API key's permissions, or log in again.")
    return kind(f"Kite answered with an error: {message}")


def translate_rejection(status_message: str | None) -> OrderRejected:
    """Return the OrderRejected (or subclass) for an order Kite marked REJECTED with this status_message."""
    text = (status_message or "no reason given").strip()
    for hint, refined in _MESSAGE_HINTS:
        if hint in text.lower():
            return refined(f"Kite rejected the order: {text}")
    return OrderRejected(f"Kite rejected the order: {text}")


# --- login -------------------------------------------------------------------------------------------

def parse_request_token(text: str) -> str:
    """Return the request token from a pasted redirect URL (or a bare token); raise ValueError saying what to paste."""
    value = text.strip()
    if not value:
        raise ValueError("Paste the address Kite redirected to after login (it contains request_token=…), "
                         "or the request token itself.")
    if "request_token=" in value or "://" in value:
        query = parse_qs(urlparse(value).query)
        status = (query.get("status") or ["success"])[0]
        if status != "success":
            raise ValueError(f"Kite reports the login as {status!r}: log in again.")
        tokens = query.get("request_token") or []
        if not tokens or not tokens[0].strip():
            raise ValueError("That address has no request_token: copy the whole address from the browser after "
                             "logging in to Kite.")
        value = tokens[0].strip()
    if not value.isalnum():
        raise ValueError("A Kite request token has only letters and digits: paste the whole redirect address.")
    return value


def token_expiry(login_time: datetime) -> datetime:
    """Return when a session that began at login_time ends: the next 06:00 IST, in UTC."""
    local = login_time.astimezone(IST) if login_time.tzinfo is not None else login_time.replace(tzinfo=IST)
    ends = datetime.combine(local.date(), SESSION_ENDS, IST)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(UTC)


def kite_time(value: object) -> datetime | None:
    """Return Kite's IST timestamp (a naive datetime from kiteconnect, or its string) as an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) == 19:
        try:
            moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=IST)
    return moment.astimezone(UTC)


# --- instruments, orders -------------------------------------------------------------------------------

def decimal_of(value: object) -> Decimal:
    """Return a Kite number (float, int or str) as Decimal, via str so 1520.05 stays 1520.05."""
    try:
        return Decimal(str(value)) if value is not None and value != "" else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def instrument_from_row(row: Mapping[str, Any], symbol_of: SymbolOf = as_listed,
                        freezes: Mapping[str, int] | None = None) -> Instrument | None:
    """Return the Instrument of one instruments-CSV row (as kiteconnect parses it), or None if unusable.

    symbol_of(exchange, tradingsymbol) names it in TradeTerm (see symbols.py: "BSE:INFY" where INFY collides);
    an F&O contract's freeze quantity comes from freeze.py (freezes: the account's own, by underlying).
    """
    tradingsymbol = str(row.get("tradingsymbol") or "").strip()
    symbol = symbol_of(str(row.get("exchange") or ""), tradingsymbol) if tradingsymbol else ""
    tick = decimal_of(row.get("tick_size"))
    if not symbol or tick <= 0:
        return None
    lot = decimal_of(row.get("lot_size"))
    kind = str(row.get("instrument_type") or "")
    if row.get("segment") == "INDICES":
        asset = AssetClass.INDEX
    elif kind == "FUT":
        asset = AssetClass.FUTURE
    elif kind in ("CE", "PE"):
        asset = AssetClass.OPTION
    else:
        asset = AssetClass.STOCK
    exchange, name = str(row.get("exchange") or ""), str(row.get("name") or "")
    return Instrument(symbol=symbol, venue=exchange, currency=CURRENCY, tick_size=tick,
                      lot_size=lot if lot > 0 else Decimal(1), asset_class=asset, name=name,
                      max_order_qty=freeze_quantity(exchange, name, asset, freezes))


def is_our_tag(tag: object) -> bool:
    """True if tag is one of our ClientOrderIds ('T' + 12 digits + 7 base-36 characters)."""
    return isinstance(tag, str) and bool(_OUR_TAG.match(tag))


def order_params(order: Order, product: KiteProduct, variety: KiteVariety) -> dict[str, Any]:
    """Return kiteconnect place_order keyword arguments for order; raise OrderRejected for what Kite cannot take."""
    validity = MAP_VALIDITY.get(order.tif)
    if validity is None:
        raise OrderRejected(f"Kite takes DAY or IOC orders, not {order.tif.value}: pick DAY or IOC.")
    tag = str(order.client_order_id)
    if len(tag) > 20 or not tag.isalnum():
        raise OrderRejected(f"Order id {tag!r} cannot travel in Kite's tag (up to 20 letters and digits).")
    exchange, tradingsymbol = split_symbol(order.symbol)
    exchange = exchange or order.instrument.venue
    if exchange == "MCX" and validity == "IOC":
        raise OrderRejected("MCX takes no IOC orders through the API (the exchange's rules for algo orders): "
                            "pick DAY.")
    params: dict[str, Any] = {
        "variety": variety.value,
        "exchange": exchange,
        "tradingsymbol": tradingsymbol,
        "transaction_type": order.side.value,
        "quantity": int(order.quantity.value),
        "product": product.value,
        "order_type": MAP_ORDER_TYPE[order.order_type],
        "validity": validity,
        "tag": tag,
    }
    if order.limit_price is not None and order.order_type.needs_limit:
        params["price"] = str(order.limit_price.value)
    if order.stop_price is not None and order.order_type.needs_stop:
        params["trigger_price"] = str(order.stop_price.value)
    if params["order_type"] in ("MARKET", "SL-M"):
        params["market_protection"] = AUTOMATIC_MARKET_PROTECTION
    return params


def parse_order_status(status: str, filled: Decimal = Decimal(0)) -> OrderStatus:
    """Return our status for a Kite status; a working order with fills is PARTIALLY_FILLED."""
    mapped = MAP_ORDER_STATUS.get(status)
    if mapped is None:
        return OrderStatus.UNKNOWN
    if mapped is OrderStatus.ACCEPTED and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return mapped


def parse_order_state(order: Mapping[str, Any], symbol_of: SymbolOf = as_listed) -> BrokerOrderState:
    """Return the BrokerOrderState of one /orders entry; our id comes from its tag."""
    tag = order.get("tag")
    filled = decimal_of(order.get("filled_quantity"))
    return BrokerOrderState(
        client_order_id=ClientOrderId(str(tag)) if is_our_tag(tag) else None,
        broker_order_id=BrokerOrderId(str(order["order_id"])),
        symbol=_symbol(order, symbol_of),
        side=MAP_TRANSACTION_TYPE.get(str(order.get("transaction_type")), Side.BUY),
        quantity=decimal_of(order.get("quantity")),
        filled_qty=filled,
        status=parse_order_status(str(order.get("status") or ""), filled),
        reason=str(order.get("status_message") or ""),
        limit_price=_reported_price(order.get("price")),
        stop_price=_reported_price(order.get("trigger_price")),
    )


def _reported_price(raw: object) -> Decimal | None:
    """Return a price of an /orders entry; Kite writes 0 for a price the order does not have."""
    if raw is None or raw == "":
        return None
    value = decimal_of(raw)
    return value if value > 0 else None


def _symbol(item: Mapping[str, Any], symbol_of: SymbolOf) -> str:
    return symbol_of(str(item.get("exchange") or ""), str(item.get("tradingsymbol") or ""))


def parse_fill(trade: Mapping[str, Any], account_id: AccountId, client_order_id: ClientOrderId | None,
               symbol_of: SymbolOf = as_listed) -> Fill:
    """Return the Fill of one /trades entry (Kite charges are not in it: commission 0 INR)."""
    moment = kite_time(trade.get("fill_timestamp")) or kite_time(trade.get("exchange_timestamp"))
    return Fill(
        trade_id=TradeId(str(trade["trade_id"])),
        client_order_id=client_order_id,
        account_id=account_id,
        symbol=_symbol(trade, symbol_of),
        side=MAP_TRANSACTION_TYPE[str(trade.get("transaction_type"))],
        quantity=Quantity(decimal_of(trade.get("quantity"))),
        price=Price(decimal_of(trade.get("average_price"))),
        commission=Money(Decimal(0), CURRENCY),
        broker_order_id=BrokerOrderId(str(trade["order_id"])),
        ts=moment or datetime.now(UTC),
        product=_product(trade.get("product")),
    )


def parse_positions(positions: Mapping[str, Any], symbol_of: SymbolOf = as_listed) -> tuple[BrokerPosition, ...]:
    """Return the net positions that are not flat, one per exchange's symbol and product, as Kite keeps them.

    A CNC and an MIS position of INFY are two positions at Kite: each is closed with its own product.
    """
    totals: dict[tuple[str, Product | None], tuple[Decimal, Decimal]] = {}
    for item in positions.get("net") or []:
        symbol = _symbol(item, symbol_of)
        product = _product(item.get("product"))
        qty = decimal_of(item.get("quantity"))
        price = decimal_of(item.get("average_price"))
        held, cost = totals.get((symbol, product), (Decimal(0), Decimal(0)))
        totals[(symbol, product)] = (held + qty, cost + qty * price)
    return tuple(
        BrokerPosition(symbol, qty, (cost / qty) if qty else Decimal(0), product)
        for (symbol, product), (qty, cost) in totals.items() if qty != 0
    )


def _product(code: object) -> Product | None:
    """Return the Product of Kite's product code; None for one TradeTerm does not trade (CO, BO, MTF)."""
    try:
        return Product(str(code))
    except ValueError:
        return None


def parse_cash(margins: Mapping[str, Any]) -> tuple[Money, ...]:
    """Return the equity segment's net funds (what is available to trade) in INR."""
    equity = margins.get("equity") if "equity" in margins else margins
    if not isinstance(equity, Mapping) or equity.get("net") is None:
        return ()
    return (Money(decimal_of(equity.get("net")), CURRENCY),)


def parse_tick(tick: Mapping[str, Any], symbol: str, source: str = "") -> Quote:
    """Return the Quote of one kiteconnect tick dict (ltp, quote or full mode; index packets have no depth).

    source is the account whose ticker sent it.
    """
    depth = tick.get("depth") or {}
    bids = [level for level in depth.get("buy", []) if level.get("quantity")]
    asks = [level for level in depth.get("sell", []) if level.get("quantity")]
    ohlc = tick.get("ohlc") or {}
    volume = tick.get("volume_traded")
    return Quote.tick(
        symbol=symbol,
        bid=decimal_of(bids[0]["price"]) if bids else None,
        ask=decimal_of(asks[0]["price"]) if asks else None,
        last=decimal_of(tick["last_price"]) if tick.get("last_price") is not None else None,
        close=decimal_of(ohlc["close"]) if ohlc.get("close") else None,
        volume=decimal_of(volume) if volume is not None else None,
        bid_size=decimal_of(bids[0]["quantity"]) if bids else None,
        ask_size=decimal_of(asks[0]["quantity"]) if asks else None,
        source=source,
    )
