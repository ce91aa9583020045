"""Translate OANDA v20 JSON to domain types and back. Pure: no I/O.

Decimals travel as strings both ways (v20 writes `str(value)`, so a float artefact would be refused
with PRICE_PRECISION_EXCEEDED); units are signed (positive buys, negative sells).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

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
from core.domain.funds import AccountFunds, FundsLine, FundsSource
from core.ports.broker import BrokerOrderState, BrokerPosition
from core.ports.errors import BrokerApiError, InsufficientFunds, InvalidInstrument, MarketClosed, OrderRejected

VENUE = "OANDA"
MAP_ORDER_TYPE = {OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT", OrderType.STOP: "STOP",
                  OrderType.MARKET_IF_TOUCHED: "MARKET_IF_TOUCHED"}
"""Our order types as OANDA's (a market-if-touched order's price is our stop_price, its trigger)."""
MAP_TIF = {TimeInForce.DAY: "GFD", TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK",
           TimeInForce.GTD: "GTD"}
"""Pending orders' times in force; a market order is FOK, or IOC when asked."""
MAP_STATE = {"PENDING": OrderStatus.ACCEPTED, "FILLED": OrderStatus.FILLED, "TRIGGERED": OrderStatus.FILLED,
             "CANCELLED": OrderStatus.CANCELED}

FIFO_EXPLAINED = (
    "OANDA refused the order under the FIFO rule of US (NFA) accounts: trades of one pair close oldest first, "
    "and a trade with a take-profit, stop-loss or trailing stop must have a size no open trade of the pair has. "
    "Change the size by one unit, or close the older trade first.")
HEDGING_EXPLAINED = (
    "OANDA refused the order: this account does not allow hedging (a long and a short position in one pair). "
    "Close or reduce the opposite position instead, or leave positionFill at DEFAULT.")
_FUNDS = ("INSUFFICIENT_MARGIN", "INSUFFICIENT_FUNDS", "MARGIN_CLOSEOUT")
_CLOSED = ("MARKET_HALTED", "INSTRUMENT_NOT_TRADEABLE", "ACCOUNT_NOT_ACTIVE")


def decimal_of(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def parse_time(raw: object) -> datetime:
    """Parse OANDA's RFC3339 time with nanoseconds (microseconds kept); now if it is missing or bad."""
    text = str(raw or "")
    try:
        head, _, rest = text.rstrip("Z").partition(".")
        return datetime.fromisoformat(head + (f".{rest[:6]}" if rest else "")).replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


def parse_instrument(wire: Mapping[str, Any], account_rate: object = None) -> Instrument:
    """An OANDA instrument: tick 10^-displayPrecision, lot 10^-tradeUnitsPrecision, in its second currency; its
    margin rate is what an order uses of the account's buying power (OANDA's marginAvailable) per unit of notional:
    the instrument's marginRate, or the account's (its summary's marginRate, the leverage the trader set) where that
    is higher, as OANDA holds the higher of the two."""
    name = str(wire["name"])
    precision = int(wire.get("displayPrecision", 5))
    units = int(wire.get("tradeUnitsPrecision", 0))
    kind = str(wire.get("type", "CURRENCY"))
    quote_ccy = name.split("_")[-1]
    rates = [r for r in (decimal_of(wire.get("marginRate")), decimal_of(account_rate)) if r is not None and 0 < r <= 1]
    margin = max(rates) if rates else None
    return Instrument(name, VENUE, quote_ccy, Decimal(10) ** -precision, lot_size=Decimal(10) ** -units,
                      asset_class=AssetClass.FOREX if kind == "CURRENCY" else AssetClass.STOCK,
                      name=str(wire.get("displayName", name)),
                      margin_rate=margin)


def pip_size(wire: Mapping[str, Any]) -> Decimal:
    """One pip of the instrument: 10^pipLocation (0.0001 for EUR_USD, 0.01 for USD_JPY)."""
    return Decimal(10) ** int(wire.get("pipLocation", -4))


def parse_price(line: Mapping[str, Any], source: str, close: Decimal | None = None) -> Quote | None:
    """A PRICE line of the pricing stream as a Quote (best bid and ask, their liquidity as sizes), with the pair's
    previous close when it is known (OANDA's prices carry none: see daily_close.py)."""
    bids, asks = line.get("bids") or [], line.get("asks") or []
    if not bids and not asks:
        return None
    bid = decimal_of(bids[0].get("price")) if bids else None
    ask = decimal_of(asks[0].get("price")) if asks else None
    return Quote(str(line["instrument"]), bid, ask, close=close,
                 bid_size=decimal_of(bids[0].get("liquidity")) if bids else None,
                 ask_size=decimal_of(asks[0].get("liquidity")) if asks else None,
                 source=source, ts=parse_time(line.get("time")))


def order_body(order: Order, order_type: str | None = None) -> dict[str, Any]:
    """The `order` of POST /orders: our client order id in clientExtensions and tradeClientExtensions.

    The trade's id guards against a second fill of a retried market order (CLIENT_TRADE_ID_ALREADY_EXISTS).
    """
    kind = order_type or MAP_ORDER_TYPE.get(order.order_type)
    if kind is None:
        raise OrderRejected(f"OANDA has no {order.order_type} order; use market, limit, stop or market-if-touched.")
    units = order.quantity.value * order.side.sign
    body: dict[str, Any] = {"type": kind, "instrument": order.instrument.symbol, "units": _plain(units),
                            "positionFill": "DEFAULT",
                            "clientExtensions": {"id": str(order.client_order_id), "tag": "tradeterm"},
                            "tradeClientExtensions": {"id": str(order.client_order_id), "tag": "tradeterm"}}
    if kind == "MARKET":
        body["timeInForce"] = "IOC" if order.tif is TimeInForce.IOC else "FOK"
    else:
        price = order.stop_price if kind in ("STOP", "MARKET_IF_TOUCHED") else order.limit_price
        if price is None:
            raise OrderRejected(f"An OANDA {kind.lower().replace('_', '-')} order needs a price.")
        body["price"] = _plain(price.value)
        tif = MAP_TIF.get(order.tif)
        if tif is None:
            raise OrderRejected(f"OANDA has no time in force {order.tif.value}; use GTC, GTD, GFD (DAY), FOK or IOC.")
        body["timeInForce"] = tif
        if order.tif is TimeInForce.GTD:
            if order.expire_at is None:
                raise OrderRejected("A GTD order needs the date and time it ends.")
            body["gtdTime"] = rfc3339(order.expire_at)
    return body


def rfc3339(moment: datetime) -> str:
    """A time as OANDA writes it: UTC, nine fractional digits (2026-12-06T15:04:05.123456000Z)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def protection(take_profit: Decimal | None = None, stop_loss: Decimal | None = None,
               trailing_distance: Decimal | None = None) -> dict[str, Any]:
    """The takeProfitOnFill / stopLossOnFill / trailingStopLossOnFill part of an order body."""
    out: dict[str, Any] = {}
    if take_profit is not None:
        out["takeProfitOnFill"] = {"price": _plain(take_profit), "timeInForce": "GTC"}
    if stop_loss is not None:
        out["stopLossOnFill"] = {"price": _plain(stop_loss), "timeInForce": "GTC"}
    if trailing_distance is not None:
        out["trailingStopLossOnFill"] = {"distance": _plain(trailing_distance), "timeInForce": "GTC"}
    return out


def refusal_error(body: Mapping[str, Any], symbol: str) -> OrderRejected | BrokerApiError:
    """The typed error of a 400/404 answer to POST /orders, worded for the trader."""
    reject = body.get("orderRejectTransaction") or {}
    code = str(reject.get("rejectReason") or body.get("errorCode") or "")
    message = str(body.get("errorMessage") or code)
    if code == "INSTRUMENT_UNKNOWN":
        return InvalidInstrument(f"OANDA does not know the instrument {symbol}: use a name such as EUR_USD.")
    if code.startswith("FIFO"):
        return OrderRejected(f"{FIFO_EXPLAINED} (OANDA {code}: {message})")
    if "HEDGING" in code:
        return OrderRejected(f"{HEDGING_EXPLAINED} (OANDA {code}: {message})")
    if code in _FUNDS:
        return InsufficientFunds(f"OANDA refused the order for lack of margin ({code}): {message}")
    if code in _CLOSED:
        return MarketClosed(f"OANDA cannot trade {symbol} now ({code}): {message}")
    if code.startswith("TIME_IN_FORCE_GTD"):
        return OrderRejected(f"OANDA refused the order ({code}): {message}. Give a GTD order an end in the future.")
    if code:
        return OrderRejected(f"OANDA refused the order ({code}): {message}")
    return BrokerApiError(f"OANDA answered with an error: {message}")


def cancel_reason(transaction: Mapping[str, Any]) -> str:
    reason = str(transaction.get("reason", ""))
    if reason.startswith("FIFO"):
        return f"{FIFO_EXPLAINED} (OANDA {reason})"
    return {"CLIENT_REQUEST": "canceled on request", "MARKET_HALTED": "no price to fill at now (MARKET_HALTED)",
            "TIME_IN_FORCE_EXPIRED": "its time in force ran out (not filled at once)",
            "INSUFFICIENT_MARGIN": "OANDA canceled it as it would fill, for lack of margin (INSUFFICIENT_MARGIN): "
                                   "the account's margin available does not cover it; reduce the size or close a "
                                   "position first"}.get(reason, reason)


def expiry_reason(time_in_force: str) -> str:
    """Why a GTD or GFD order ended unfilled (OANDA cancels it with reason TIME_IN_FORCE_EXPIRED)."""
    return ("its good-till-date time passed at OANDA" if time_in_force == "GTD"
            else "the trading day ended at OANDA (good for the day)")


def parse_fill(tx: Mapping[str, Any], account_id: AccountId, client_order_id: ClientOrderId | None) -> Fill:
    units = Decimal(str(tx["units"]))
    commission = (decimal_of(tx.get("commission")) or Decimal(0)) + max(
        Decimal(0), -(decimal_of(tx.get("financing")) or Decimal(0)))
    return Fill(TradeId(f"OANDA-{tx['id']}"), client_order_id, account_id, str(tx["instrument"]),
                Side.BUY if units > 0 else Side.SELL, Quantity(abs(units)), Price(Decimal(str(tx["price"]))),
                Money(commission, str(tx.get("currency") or "USD")), BrokerOrderId(str(tx["orderID"])),
                parse_time(tx.get("time")))


def parse_order_state(wire: Mapping[str, Any]) -> BrokerOrderState:
    units = Decimal(str(wire.get("units", "0")))
    client = wire.get("clientExtensions") or {}
    state = MAP_STATE.get(str(wire.get("state")), OrderStatus.ACCEPTED)
    price = decimal_of(wire.get("price"))
    return BrokerOrderState(
        ClientOrderId(str(client["id"])) if client.get("id") else None, BrokerOrderId(str(wire["id"])),
        str(wire.get("instrument", "")), Side.BUY if units > 0 else Side.SELL, abs(units),
        abs(units) if state is OrderStatus.FILLED else Decimal(0), state,
        limit_price=price if wire.get("type") in ("LIMIT", "TAKE_PROFIT") else None,
        stop_price=price if wire.get("type") in ("STOP", "MARKET_IF_TOUCHED", "STOP_LOSS") else None)


def parse_positions(positions: list[Mapping[str, Any]]) -> tuple[BrokerPosition, ...]:
    """Open positions, one per side held: long units positive, short units negative, each at its average price."""
    out = []
    for wire in positions:
        for side in ("long", "short"):
            figures = wire.get(side) or {}
            units = decimal_of(figures.get("units")) or Decimal(0)
            if units:
                out.append(BrokerPosition(str(wire["instrument"]), units,
                                          decimal_of(figures.get("averagePrice")) or Decimal(0)))
    return tuple(out)


def parse_funds(account: Mapping[str, Any], account_id: AccountId, as_of: datetime) -> AccountFunds:
    """The account summary: balance, NAV, margin used and available, OANDA's unrealized P&L, in its currency."""
    available = decimal_of(account.get("marginAvailable"))
    line = FundsLine(str(account.get("currency", "USD")), cash=decimal_of(account.get("balance")),
                     equity=decimal_of(account.get("NAV")), buying_power=available,
                     margin_used=decimal_of(account.get("marginUsed")), margin_available=available,
                     broker_unrealized_pnl=decimal_of(account.get("unrealizedPL")))
    return AccountFunds(account_id, (line,), FundsSource.BROKER, as_of,
                        "OANDA account summary: equity is NAV (balance + unrealized P&L).")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
