"""Alpaca's JSON (orders, fill activities, quotes, trades, account, positions, errors) to TradeTerm's types. Pure.

The SDK is used with raw_data=True: every answer is the API's own dict, decimals as strings
(../shared/reference/alpaca-oanda.md A2-A5).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Fill,
    Instrument,
    Money,
    OrderStatus,
    OrderType,
    Price,
    Quantity,
    Quote,
    Side,
    TimeInForce,
    TradeId,
)
from core.domain.funds import AccountFunds, FundsLine, FundsSource
from core.domain.trailing import Trail
from core.ports.broker import BrokerOrderState, BrokerPosition
from core.ports.errors import (
    AuthenticationFailed,
    BrokerApiError,
    BrokerError,
    InsufficientFunds,
    InvalidInstrument,
    OrderNotFound,
    OrderRejected,
    RateLimited,
)

CURRENCY = "USD"
MAP_TYPE = {OrderType.MARKET: "market", OrderType.LIMIT: "limit", OrderType.STOP: "stop",
            OrderType.STOP_LIMIT: "stop_limit", OrderType.TRAIL: "trailing_stop"}
MAP_TIF = {TimeInForce.DAY: "day", TimeInForce.GTC: "gtc", TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok",
           TimeInForce.OPG: "opg", TimeInForce.CLS: "cls"}
"""OPG trades in the opening auction, CLS in the closing one (market or limit orders only)."""
MAP_STATUS = {
    "pending_new": OrderStatus.ACCEPTED, "accepted": OrderStatus.ACCEPTED, "new": OrderStatus.ACCEPTED,
    "accepted_for_bidding": OrderStatus.ACCEPTED, "pending_review": OrderStatus.ACCEPTED,
    "held": OrderStatus.ACCEPTED, "calculated": OrderStatus.ACCEPTED, "stopped": OrderStatus.ACCEPTED,
    "suspended": OrderStatus.ACCEPTED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED, "filled": OrderStatus.FILLED,
    "pending_cancel": OrderStatus.PENDING_CANCEL, "pending_replace": OrderStatus.PENDING_REPLACE,
    "canceled": OrderStatus.CANCELED, "replaced": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED, "done_for_day": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}
"""Alpaca's order statuses. `replaced` ends the old order of a replace; the new one carries the order on."""
ENDED = frozenset({"filled", "canceled", "expired", "done_for_day", "rejected", "replaced"})

BUYING_POWER = 40310000
PDT = 40310100


def decimal_of(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def alpaca_time(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    text = raw.replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:  # Alpaca sends nanoseconds; datetime takes six digits
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits):]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def order_fields(symbol: str, side: Side, quantity: Decimal, order_type: OrderType, tif: TimeInForce,
                 limit: Decimal | None, stop: Decimal | None, client_order_id: str,
                 trail: Trail | None = None, extended_hours: bool = False) -> dict[str, Any]:
    """Return the keyword arguments of the SDK's order request for one of our orders (our id on it); a trailing
    stop's trail as trail_price or trail_percent.

    extended_hours marks the limit DAY orders (the only ones Alpaca takes in the pre-market and after-hours
    sessions); every other order waits for the regular session.
    """
    fields: dict[str, Any] = {"symbol": symbol, "qty": float(quantity), "side": side.value.lower(),
                              "time_in_force": MAP_TIF[tif], "client_order_id": client_order_id}
    if extended_hours and order_type is OrderType.LIMIT and tif is TimeInForce.DAY:
        fields["extended_hours"] = True
    if order_type.needs_limit:
        fields["limit_price"] = float(limit) if limit is not None else None
    if order_type.needs_stop:
        fields["stop_price"] = float(stop) if stop is not None else None
    if trail is not None:
        fields["trail_percent" if trail.is_percent else "trail_price"] = float(trail.offset)
    return fields


@dataclass(frozen=True, slots=True)
class ApiFailure:
    """An alpaca-py APIError's parts: HTTP status, Alpaca's code and message (the raw body if it is not JSON)."""

    status: int | None
    code: int | None
    message: str

    @classmethod
    def of(cls, body: str, status: int | None) -> ApiFailure:
        try:
            data = json.loads(body)
        except (TypeError, ValueError):
            data = None
        if not isinstance(data, Mapping):
            return cls(status, None, body.strip() or f"HTTP {status}")
        code = data.get("code")
        return cls(status, code if isinstance(code, int) else None, str(data.get("message") or body))

    @property
    def fate_unknown(self) -> bool:
        """A gateway or server error on a request that changes something: it may have been done."""
        return self.status is not None and self.status >= 500

    @property
    def duplicate_id(self) -> bool:
        return "client_order_id must be unique" in self.message


def translate_error(failure: ApiFailure, symbol: str = "") -> BrokerError:
    """Return the typed error for one of Alpaca's refusals, in Alpaca's words with what to do."""
    words = failure.message
    said = f"Alpaca: {words}"
    lower = words.lower()
    if failure.status == 401 or (failure.status == 403 and lower.strip(".") == "forbidden"):
        return AuthenticationFailed(f"{said}. Check the API key and secret in the Alpaca panel (paper keys work only "
                                    "on the paper account, live keys only on the live one).")
    if failure.status == 429:
        return RateLimited(f"{said} (Alpaca allows 200 requests a minute per key).", retry_after_s=None)
    if "buying power" in lower or "insufficient qty" in lower:
        return InsufficientFunds(f"{said}. Lower the quantity or the price, or free funds by canceling orders.")
    if failure.code == PDT or "pattern day trading" in lower:
        return OrderRejected(f"{said}. The account has under $25,000 and would make a fourth day trade in five "
                             "days; wait, or trade in a cash account.")
    if "wash trade" in lower:
        return OrderRejected(f"{said}. An opposite order of yours in {symbol or 'this symbol'} is working: cancel "
                             "it first, or use a bracket or OCO order.")
    if "sub-penny" in lower:
        return OrderRejected(f"{said}. Prices of $1 or more take at most 2 decimals, below $1 at most 4.")
    if "asset" in lower and ("not found" in lower or "not tradable" in lower or "not active" in lower):
        return InvalidInstrument(f"{said}. Alpaca does not trade {symbol or 'this symbol'}: check the symbol.")
    if "not fractionable" in lower:
        return OrderRejected(f"{said}. {symbol or 'This symbol'} trades in whole shares only: use a whole number.")
    if "fractional" in lower:
        return OrderRejected(f"{said}. Alpaca takes a fractional quantity only on a market DAY order: send a "
                             "whole number of shares, or make it a market DAY order.")
    if '"held"' in lower:  # a bracket's leg waiting for its entry
        return OrderRejected(f"{said}. Alpaca holds a bracket's stop-loss and take-profit until its entry fills and "
                             "changes them only once its entry has filled: change it then, or cancel the bracket and "
                             "place it again.")
    if "extended hours" in lower:
        return OrderRejected(f"{said}. Outside the regular session Alpaca takes limit DAY orders only.")
    if failure.status == 404:
        return OrderNotFound(f"{said}. It may have been filled or canceled already; refresh the orders.")
    if failure.status in (400, 403, 422):
        return OrderRejected(said)
    return BrokerApiError(f"{said} (HTTP {failure.status})", failure.code)


def parse_order_state(raw: Mapping[str, Any], client_order_id: ClientOrderId | None) -> BrokerOrderState:
    return BrokerOrderState(
        client_order_id=client_order_id,
        broker_order_id=BrokerOrderId(str(raw["id"])),
        symbol=str(raw.get("symbol") or ""),
        side=Side.BUY if raw.get("side") == "buy" else Side.SELL,
        quantity=decimal_of(raw.get("qty")) or Decimal(0),
        filled_qty=decimal_of(raw.get("filled_qty")) or Decimal(0),
        status=MAP_STATUS.get(str(raw.get("status")), OrderStatus.ACCEPTED),
        reason=str(raw.get("status")) if raw.get("status") in ("rejected", "expired", "done_for_day") else "",
        limit_price=decimal_of(raw.get("limit_price")),
        stop_price=decimal_of(raw.get("stop_price")),
    )


def parse_fill(activity: Mapping[str, Any], account_id: AccountId, client_order_id: ClientOrderId | None) -> Fill:
    """A FILL account activity (one execution; its id is the trade id). Alpaca charges no commission on stocks."""
    return Fill(
        trade_id=TradeId(str(activity["id"])),
        client_order_id=client_order_id,
        account_id=account_id,
        symbol=str(activity["symbol"]),
        side=Side.BUY if activity.get("side") == "buy" else Side.SELL,
        quantity=Quantity(Decimal(str(activity["qty"]))),
        price=Price(Decimal(str(activity["price"]))),
        commission=Money(Decimal(0), CURRENCY),
        broker_order_id=BrokerOrderId(str(activity["order_id"])),
        ts=alpaca_time(activity.get("transaction_time")) or datetime.now(UTC),
    )


def parse_quote(symbol: str, raw: Mapping[str, Any], source: str) -> Quote:
    """A quote {ap, as, bp, bs, t} (REST's latest, or the stream's with t a msgpack Timestamp); a zero price (no
    quote on the feed) is left out."""
    bid, ask = decimal_of(raw.get("bp")), decimal_of(raw.get("ap"))
    return Quote(symbol=symbol, bid=_price(bid), ask=_price(ask), bid_size=decimal_of(raw.get("bs")),
                 ask_size=decimal_of(raw.get("as")), source=source, ts=stamp_time(raw.get("t")))


def parse_trade(symbol: str, raw: Mapping[str, Any], source: str) -> Quote:
    """A trade {p, s, t} (the stream's T "t" with t a msgpack Timestamp, or a snapshot's latestTrade) as a Quote
    with only `last` set: the quote cache keeps the bid, ask, close and volume it had."""
    return Quote(symbol=symbol, last=_price(decimal_of(raw.get("p"))), source=source, ts=stamp_time(raw.get("t")))


def stamp_time(stamp: Any) -> datetime | None:
    """Alpaca's `t`: a msgpack Timestamp on the stream, an RFC 3339 string (nanoseconds) over REST."""
    return stamp.to_datetime() if hasattr(stamp, "to_datetime") else alpaca_time(stamp)


def _price(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None


def parse_instrument(asset: Mapping[str, Any]) -> Instrument:
    """An asset; a fractionable one trades in its min_trade_increment (fractions of a share), others in shares."""
    tick = decimal_of(asset.get("price_increment")) or Decimal("0.01")
    increment = decimal_of(asset.get("min_trade_increment")) if asset.get("fractionable") else None
    return Instrument(symbol=str(asset["symbol"]), venue=str(asset.get("exchange") or "ALPACA"), currency=CURRENCY,
                      tick_size=tick, lot_size=increment if increment and increment > 0 else Decimal(1),
                      name=str(asset.get("name") or ""))


def parse_positions(raw: list[Mapping[str, Any]]) -> tuple[BrokerPosition, ...]:
    return tuple(BrokerPosition(str(p["symbol"]), decimal_of(p.get("qty")) or Decimal(0),
                                decimal_of(p.get("avg_entry_price")) or Decimal(0)) for p in raw)


def parse_cash(account: Mapping[str, Any]) -> tuple[Money, ...]:
    cash = decimal_of(account.get("cash"))
    return (Money(cash, str(account.get("currency") or CURRENCY)),) if cash is not None else ()


def parse_funds(account: Mapping[str, Any], account_id: AccountId, as_of: datetime) -> AccountFunds:
    """Alpaca's account: cash, equity, buying power, margins; the PDT flag and day-trade count in the note."""
    line = FundsLine(
        str(account.get("currency") or CURRENCY),
        cash=decimal_of(account.get("cash")), equity=decimal_of(account.get("equity")),
        buying_power=decimal_of(account.get("buying_power")), margin_used=decimal_of(account.get("initial_margin")),
        maintenance_margin=decimal_of(account.get("maintenance_margin")),
    )
    notes = [f"Alpaca account {account.get('account_number', '')}, status {account.get('status', '?')}"]
    if account.get("pattern_day_trader") is not None:
        notes.append("pattern day trader" if account.get("pattern_day_trader") else "not a pattern day trader")
    if account.get("daytrade_count") is not None:
        notes.append(f"{account.get('daytrade_count')} day trades in the last five days")
    if account.get("trading_blocked"):
        notes.append("TRADING BLOCKED by Alpaca")
    return AccountFunds(account_id, (line,), FundsSource.BROKER, as_of, "; ".join(notes) + ".")
