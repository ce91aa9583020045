"""Pure translation between ib_async's types and the domain: status and error tables, contracts, fills, orders.

No I/O here; every function is tested without a socket (tests/adapters/test_ib_parsing.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from ib_async import AccountValue, Contract, ContractDetails, PnL, PnLSingle, Ticker, Trade
from ib_async import Fill as IbFill
from ib_async import Order as IbOrder
from ib_async import Position as IbPosition

from core.adapters.ib.placed_order import placed_order
from core.domain import (
    AccountId,
    AssetClass,
    BrokerOrderId,
    BrokerPnl,
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
from core.ports.broker import BrokerOrderState, BrokerPosition
from core.ports.errors import (
    AuthenticationFailed,
    BrokerApiError,
    BrokerError,
    ConnectionLost,
    InsufficientFunds,
    InvalidInstrument,
    MarketClosed,
    OrderNotFound,
    OrderRejected,
    RateLimited,
)

UNSET_DOUBLE = 1.7976931348623157e308

# --- statuses ------------------------------------------------------------------------------------

MAP_ORDER_STATUS: Mapping[str, OrderStatus] = MappingProxyType({
    "PendingSubmit": OrderStatus.SUBMITTED,
    "ApiPending": OrderStatus.SUBMITTED,
    "PreSubmitted": OrderStatus.ACCEPTED,  # accepted, waiting for its trigger or the open
    "Submitted": OrderStatus.ACCEPTED,
    "ApiUpdate": OrderStatus.ACCEPTED,
    "ValidationError": OrderStatus.ACCEPTED,  # ib_async's name for a warning on a live order
    "PendingCancel": OrderStatus.PENDING_CANCEL,
    "ApiCancelled": OrderStatus.CANCELED,
    "Cancelled": OrderStatus.CANCELED,
    "Filled": OrderStatus.FILLED,
    "Inactive": OrderStatus.REJECTED,  # refused by IB's checks, or held and never going to trade
})
"""IB's order status strings (ib_async.OrderStatus) to ours; partial fills are worked out by parse_order_status."""


def parse_order_status(status: str, filled: Decimal = Decimal(0)) -> OrderStatus:
    """Return our status for an IB status string; a working order with fills is PARTIALLY_FILLED."""
    mapped = MAP_ORDER_STATUS.get(status)
    if mapped is None:
        return OrderStatus.UNKNOWN
    if mapped is OrderStatus.ACCEPTED and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return mapped


MAP_ORDER_TYPE: Mapping[OrderType, str] = MappingProxyType({
    OrderType.MARKET: "MKT",
    OrderType.LIMIT: "LMT",
    OrderType.STOP: "STP",
    OrderType.STOP_LIMIT: "STP LMT",
    OrderType.TRAIL: "TRAIL",
    OrderType.TRAIL_LIMIT: "TRAIL LIMIT",
})
MAP_TIF: Mapping[TimeInForce, str] = MappingProxyType({
    TimeInForce.DAY: "DAY",
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.GTD: "GTD",
})
MAP_SEC_TYPE: Mapping[str, AssetClass] = MappingProxyType({
    "STK": AssetClass.STOCK,
    "FUT": AssetClass.FUTURE,
    "OPT": AssetClass.OPTION,
    "CASH": AssetClass.FOREX,
    "IND": AssetClass.INDEX,
})

# --- errors --------------------------------------------------------------------------------------


class IbErrorKind(StrEnum):
    ORDER_REJECTED = "ORDER_REJECTED"
    INVALID_INSTRUMENT = "INVALID_INSTRUMENT"
    PRICE_REFUSED = "PRICE_REFUSED"
    ORDER_CANCELED = "ORDER_CANCELED"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    DUPLICATE_ORDER_ID = "DUPLICATE_ORDER_ID"
    CANCEL_REJECTED = "CANCEL_REJECTED"
    MODIFY_REJECTED = "MODIFY_REJECTED"
    CLIENT_ID_IN_USE = "CLIENT_ID_IN_USE"
    NOT_CONNECTED = "NOT_CONNECTED"
    CONNECTIVITY_LOST = "CONNECTIVITY_LOST"
    CONNECTIVITY_RESTORED = "CONNECTIVITY_RESTORED"
    NOTICE = "NOTICE"
    WARNING = "WARNING"
    INFO = "INFO"
    ERROR = "ERROR"

    @property
    def is_order_error(self) -> bool:
        return self in _ORDER_KINDS

    @property
    def refuses_new_order(self) -> bool:
        """True if this answer to a new order means IB did not take it (no orderStatus follows)."""
        return self in _REFUSES_NEW

    @property
    def refuses_modify(self) -> bool:
        """True if this answer to a modify means IB kept the order as it was."""
        return self in _REFUSES_MODIFY


_ORDER_KINDS = frozenset({
    IbErrorKind.ORDER_REJECTED, IbErrorKind.INVALID_INSTRUMENT, IbErrorKind.ORDER_CANCELED,
    IbErrorKind.DUPLICATE_ORDER_ID, IbErrorKind.CANCEL_REJECTED, IbErrorKind.MODIFY_REJECTED,
    IbErrorKind.PRICE_REFUSED, IbErrorKind.ORDER_NOT_FOUND,
})
_REFUSES_NEW = frozenset({
    IbErrorKind.RATE_LIMITED, IbErrorKind.ORDER_REJECTED, IbErrorKind.INVALID_INSTRUMENT, IbErrorKind.PRICE_REFUSED,
    IbErrorKind.DUPLICATE_ORDER_ID, IbErrorKind.ORDER_NOT_FOUND, IbErrorKind.NOT_CONNECTED,
})
_REFUSES_MODIFY = frozenset({
    IbErrorKind.RATE_LIMITED, IbErrorKind.ORDER_REJECTED, IbErrorKind.INVALID_INSTRUMENT, IbErrorKind.PRICE_REFUSED,
    IbErrorKind.DUPLICATE_ORDER_ID, IbErrorKind.ORDER_NOT_FOUND, IbErrorKind.MODIFY_REJECTED,
    IbErrorKind.NOT_CONNECTED,
})

ERROR_CODES: Mapping[int, tuple[IbErrorKind, str]] = MappingProxyType({
    100: (IbErrorKind.RATE_LIMITED, "TWS refused the request: more than 50 API messages a second (error 100)."),
    103: (IbErrorKind.DUPLICATE_ORDER_ID,
          "TWS refused the order id as already used (error 103); TradeTerm moved its order ids on. "
          "The order was not placed: send it again."),
    104: (IbErrorKind.MODIFY_REJECTED, "IB cannot modify an order that is already filled or canceled."),
    105: (IbErrorKind.MODIFY_REJECTED, "IB refused the change: it does not match the original order ({detail})."),
    110: (IbErrorKind.PRICE_REFUSED,
          "IB refused the price: it does not fit the instrument's minimum price variation at this price level "
          "(error 110). Use a price on the tick."),
    135: (IbErrorKind.ORDER_NOT_FOUND, "IB cannot find this order (error 135): {detail}"),
    161: (IbErrorKind.CANCEL_REJECTED, "IB cannot cancel the order in its current state: {detail}"),
    200: (IbErrorKind.INVALID_INSTRUMENT,
          "IB has no contract for {subject}: check the symbol, exchange and currency."),
    201: (IbErrorKind.ORDER_REJECTED, "IB rejected the order: {detail}"),
    202: (IbErrorKind.ORDER_CANCELED, "Canceled at IB{detail_suffix}."),
    321: (IbErrorKind.ORDER_REJECTED, "IB could not validate the request: {detail}"),
    326: (IbErrorKind.CLIENT_ID_IN_USE,
          "Client id {subject} is already in use by another program connected to TWS."),
    329: (IbErrorKind.MODIFY_REJECTED, "IB refused the change: the order type cannot be changed ({detail})."),
    354: (IbErrorKind.WARNING,
          "No market data subscription for {subject}: quotes need a data subscription in IB Account Management."),
    399: (IbErrorKind.NOTICE, "IB notice on the order: {detail}"),
    404: (IbErrorKind.NOTICE, "Held by IB while it locates shares to borrow for the short sale: {detail}"),
    434: (IbErrorKind.ORDER_REJECTED, "IB refused the order: the order size cannot be zero."),
    502: (IbErrorKind.NOT_CONNECTED,
          "Could not connect to TWS: start TWS or IB Gateway and enable API socket clients "
          "(Global Configuration > API > Settings)."),
    504: (IbErrorKind.NOT_CONNECTED, "Not connected to TWS: connect first."),
    1100: (IbErrorKind.CONNECTIVITY_LOST,
           "TWS lost its connection to IB's servers; orders cannot reach IB until it comes back."),
    1101: (IbErrorKind.CONNECTIVITY_RESTORED,
           "TWS is connected to IB again, but market data was lost: quotes are being requested again."),
    1102: (IbErrorKind.CONNECTIVITY_RESTORED, "TWS is connected to IB's servers again; nothing was lost."),
    2103: (IbErrorKind.WARNING, "A market data farm of IB is disconnected: quotes may stop. {detail}"),
    2104: (IbErrorKind.INFO, "Market data farm OK: {detail}"),
    2105: (IbErrorKind.WARNING, "The historical data farm of IB is disconnected: {detail}"),
    2106: (IbErrorKind.INFO, "Historical data farm OK: {detail}"),
    2107: (IbErrorKind.INFO, "Historical data farm inactive but available on demand: {detail}"),
    2108: (IbErrorKind.INFO, "Market data farm inactive but available on demand: {detail}"),
    2109: (IbErrorKind.NOTICE, "IB ignores 'outside regular trading hours' for this order type and exchange: "
                               "the order works in regular hours only."),
    2157: (IbErrorKind.WARNING, "The security definition server of IB is disconnected: {detail}"),
    2158: (IbErrorKind.INFO, "Security definition server OK: {detail}"),
    10147: (IbErrorKind.CANCEL_REJECTED, "IB does not know this order, so it cannot be canceled."),
    10148: (IbErrorKind.CANCEL_REJECTED, "IB cannot cancel the order any more: {detail}"),
    10167: (IbErrorKind.INFO, "Showing delayed market data: {detail}"),
    10311: (IbErrorKind.NOTICE, "IB routes this order directly to the exchange (fees may be higher): {detail}"),
    10326: (IbErrorKind.MODIFY_REJECTED, "IB refused the change to the order: {detail}"),
    10349: (IbErrorKind.NOTICE, "IB set the order's time in force to DAY (your TWS order preset); it is working."),
})
"""IB error codes to what they mean for TradeTerm, with the text a trader reads ({detail} is IB's own words).

A code that is not here never ends an order: IB ends an order with an orderStatus (Cancelled,
Inactive, Filled), and TradeTerm waits for it (ib_async itself marks a Trade Cancelled on any code
outside its short warning list, while TWS keeps working the order: 10349, 10311, 161, ...).
"""

INFORMATIONAL = frozenset({IbErrorKind.NOTICE, IbErrorKind.WARNING, IbErrorKind.INFO, IbErrorKind.ERROR})
"""Kinds that, on their own, change nothing about an order: they are shown on it as a note."""

_MARGIN_WORDS = re.compile(r"margin|equity with loan|insufficient|buying power|funds", re.IGNORECASE)
_CLOSED_WORDS = re.compile(r"market (is )?closed|outside (of )?(regular )?trading hours|not open", re.IGNORECASE)
_REASON_PREFIX = re.compile(r"^(order rejected|order canceled|order cancelled)\s*-\s*reason:\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class IbError:
    """One IB error message, classified, with a message for the trader."""

    code: int
    kind: IbErrorKind
    text: str
    detail: str


def translate_error(code: int, message: str, subject: str = "") -> IbError:
    """Classify an IB error code and word it for a trader; unknown codes keep IB's own message."""
    detail = _REASON_PREFIX.sub("", message.strip()).strip()
    entry = ERROR_CODES.get(code)
    if entry is None:
        kind = IbErrorKind.WARNING if 2100 <= code < 2200 else IbErrorKind.ERROR
        return IbError(code, kind, f"IB error {code}: {detail or message}", detail)
    kind, template = entry
    text = template.format(
        detail=detail or "no reason given", subject=subject or "the request",
        detail_suffix=f": {detail}" if detail else "",
    )
    return IbError(code, kind, text, detail)


class ClientIdInUse(AuthenticationFailed):
    """TWS already has a client with this id (error 326); `suggested_client_id` is one that was free."""

    def __init__(self, message: str, client_id: int, suggested_client_id: int | None) -> None:
        super().__init__(message)
        self.client_id = client_id
        self.suggested_client_id = suggested_client_id


def client_id_in_use_message(client_id: int, host: str, port: int, free: int | None) -> str:
    """Word the clientId conflict for the trader, offering the free id when one was found."""
    text = (f"Client id {client_id} is already in use by another program connected to TWS at {host}:{port} "
            "(IB error 326).")
    if free is not None:
        return f"{text} Client id {free} is free: use it, or close the other program."
    return f"{text} Pick another client id, or close the other program."


def to_broker_error(error: IbError) -> BrokerError:
    """Return the BrokerError a submit raises for an IB order error."""
    if error.kind is IbErrorKind.INVALID_INSTRUMENT:
        return InvalidInstrument(error.text)
    if error.kind in (IbErrorKind.ORDER_REJECTED, IbErrorKind.DUPLICATE_ORDER_ID, IbErrorKind.MODIFY_REJECTED):
        if _MARGIN_WORDS.search(error.detail):
            return InsufficientFunds(f"Not enough margin or buying power: {error.detail}")
        if _CLOSED_WORDS.search(error.detail):
            return MarketClosed(f"The market is closed for this order: {error.detail}")
        return OrderRejected(error.text)
    if error.kind is IbErrorKind.PRICE_REFUSED:
        return OrderRejected(error.text)
    if error.kind is IbErrorKind.ORDER_NOT_FOUND:
        return OrderNotFound(error.text)
    if error.kind is IbErrorKind.RATE_LIMITED:
        return RateLimited(error.text, retry_after_s=1.0)
    if error.kind in (IbErrorKind.NOT_CONNECTED, IbErrorKind.CONNECTIVITY_LOST):
        return ConnectionLost(error.text)
    return BrokerApiError(error.text, error.code)


# --- numbers -------------------------------------------------------------------------------------


def to_decimal(value: float | int | str | Decimal | None) -> Decimal | None:
    """Convert an ib_async number to Decimal via its shortest repr; None for NaN, infinity and IB's unset value."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value) or value >= UNSET_DOUBLE):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def _required(value: float | int | str | None, what: str) -> Decimal:
    number = to_decimal(value)
    if number is None:
        raise ValueError(f"IB sent no usable {what}: {value!r}")
    return number


def _price_or_none(value: float) -> Decimal | None:
    """A quote price, or None when IB means 'no price' (NaN, -1, 0)."""
    number = to_decimal(value)
    return number if number is not None and number > 0 else None


# --- contracts -----------------------------------------------------------------------------------


def symbol_of(contract: Contract) -> str:
    """Return TradeTerm's symbol for an IB contract: AAPL (stock), EUR.USD (forex), ESZ6 (future's local symbol)."""
    if contract.secType == "STK":
        return contract.symbol
    if contract.secType == "CASH":
        return contract.localSymbol or f"{contract.symbol}.{contract.currency}"
    return contract.localSymbol or contract.symbol


def contract_for_spec(spec: str) -> Contract:
    """Return an unqualified contract for a watchlist entry: AAPL, SAP@IBIS/EUR, 7203@TSEJ, EUR.USD, FUT:ESZ6@CME,
    OPT:<OCC>@SMART. A stock without an exchange is the USD one on SMART; with one, in its currency (given after
    '/', else the one IB lists there)."""
    text = spec.strip()
    kind, _, rest = text.partition(":") if ":" in text else ("", "", text)
    body, _, exchange = rest.partition("@")
    body = body.strip()
    if not body:
        raise ValueError(f"IB symbol {spec!r} is empty; write e.g. AAPL, EUR.USD or FUT:ESZ6@CME")
    kind = kind.upper()
    if not kind:
        kind = "CASH" if re.fullmatch(r"[A-Z]{3}\.[A-Z]{3}", body) else "STK"
    if kind == "CASH":
        base, _, quote = body.partition(".")
        return Contract(secType="CASH", symbol=base, currency=quote, exchange=exchange or "IDEALPRO")
    if kind == "STK":
        exchange, _, currency = exchange.partition("/")
        return Contract(secType="STK", symbol=body, exchange=exchange.strip().upper() or "SMART",
                        currency=currency.strip().upper() or ("" if exchange.strip() else "USD"))
    if kind in ("FUT", "OPT"):
        return Contract(secType=kind, localSymbol=body, exchange=exchange or ("SMART" if kind == "OPT" else ""))
    raise ValueError(f"IB symbol {spec!r}: kind {kind!r} is not one of STK, CASH, FUT, OPT")


def contract_for(instrument: Instrument) -> Contract:
    """Return the (unqualified) IB contract that trades a domain instrument."""
    symbol, venue, currency = instrument.symbol, instrument.venue, instrument.currency
    if instrument.asset_class is AssetClass.FOREX:
        base, _, quote = symbol.partition(".")
        return Contract(secType="CASH", symbol=base, currency=quote or currency, exchange="IDEALPRO")
    if instrument.asset_class is AssetClass.FUTURE:
        return Contract(secType="FUT", localSymbol=symbol, exchange=venue, currency=currency)
    if instrument.asset_class is AssetClass.OPTION:
        return Contract(secType="OPT", localSymbol=symbol, exchange="SMART", currency=currency)
    primary = "" if venue.upper() in ("", "SMART") else venue
    return Contract(secType="STK", symbol=symbol, exchange="SMART", primaryExchange=primary, currency=currency)


def instrument_from_details(details: ContractDetails) -> Instrument:
    """Return the domain instrument for qualified contract details (conId, minTick, multiplier, currency)."""
    contract = details.contract
    if contract is None:
        raise ValueError("IB contract details without a contract")
    asset = MAP_SEC_TYPE.get(contract.secType)
    if asset is None:
        raise ValueError(f"IB security type {contract.secType!r} is not supported")
    multiplier = to_decimal(contract.multiplier) if contract.multiplier else None
    tick = to_decimal(details.minTick)
    venue = contract.primaryExchange or contract.exchange if asset is AssetClass.STOCK else contract.exchange
    return Instrument(
        symbol=symbol_of(contract),
        venue=venue or "SMART",
        currency=contract.currency,
        tick_size=tick if tick is not None and tick > 0 else Decimal("0.01"),
        multiplier=multiplier if multiplier is not None and multiplier > 0 else Decimal(1),
        asset_class=asset,
        name=details.longName,
    )


# --- orders, fills, positions, cash, quotes ------------------------------------------------------


def build_order(order: Order, account: str, outside_rth: bool = False) -> IbOrder:
    """Return the ib_async Order for a domain order; our client order id travels in orderRef.

    A trailing stop is IB's TRAIL: its trail in auxPrice (an amount) or trailingPercent (a percent); a trailing
    stop-limit is IB's TRAIL LIMIT, the same and its limit's distance from the stop in lmtPriceOffset.
    """
    ib_order = placed_order(
        action=order.side.value,
        totalQuantity=float(order.quantity.value),
        orderType=MAP_ORDER_TYPE[order.order_type],
        lmtPrice=float(order.limit_price.value) if order.limit_price is not None else UNSET_DOUBLE,
        auxPrice=float(order.stop_price.value) if order.stop_price is not None else UNSET_DOUBLE,
        tif=MAP_TIF[order.tif],
        account=account,
        orderRef=str(order.client_order_id),
        outsideRth=outside_rth,
        transmit=True,
    )
    if order.expire_at is not None:  # GTD: IB reads "yyyymmdd-hh:mm:ss" as UTC
        ib_order.goodTillDate = order.expire_at.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")
    trail = order.trail
    if trail is not None and trail.is_percent:
        ib_order.trailingPercent = float(trail.offset)
    elif trail is not None:
        ib_order.auxPrice = float(trail.offset)
    if trail is not None and trail.limit_offset is not None:
        ib_order.lmtPriceOffset = float(trail.limit_offset)
    return ib_order


def client_order_id_of(order_ref: str) -> ClientOrderId | None:
    """Return our id from an orderRef, or None for an order TradeTerm did not place."""
    ref = order_ref.strip()
    return ClientOrderId(ref) if ref and ref.isalnum() else None


def parse_fill(fill: IbFill, account_id: AccountId, symbol: str) -> Fill:
    """Return the domain Fill for an execution and its commission report; TradeId is IB's execId."""
    execution = fill.execution
    report = fill.commissionReport
    currency = (report.currency if report.execId else "") or fill.contract.currency or "USD"
    commission = to_decimal(report.commission) if report.execId else None
    return Fill(
        trade_id=TradeId(execution.execId),
        client_order_id=client_order_id_of(execution.orderRef),
        account_id=account_id,
        symbol=symbol,
        side=Side.BUY if execution.side == "BOT" else Side.SELL,
        quantity=Quantity(_required(execution.shares, "execution size")),
        price=Price(_required(execution.price, "execution price")),
        commission=Money(commission if commission is not None else Decimal(0), currency),
        broker_order_id=BrokerOrderId(str(execution.permId)) if execution.permId else None,
        ts=execution.time if execution.time.tzinfo is not None else execution.time.replace(tzinfo=UTC),
    )


def parse_order_state(trade: Trade, symbol: str, completed: bool = False) -> BrokerOrderState:
    """Return what IB says about one order now; completed orders carry their filled size on the order."""
    order, status = trade.order, trade.orderStatus
    filled = to_decimal(order.filledQuantity if completed else status.filled) or Decimal(0)
    perm_id = order.permId or status.permId
    said = next((entry for entry in reversed(trade.log) if entry.errorCode), None)  # IB's latest word on it
    reason = translate_error(said.errorCode, _ib_words(said.message)).text if said is not None else ""
    return BrokerOrderState(
        client_order_id=client_order_id_of(order.orderRef),
        broker_order_id=BrokerOrderId(str(perm_id) if perm_id else f"{order.clientId}:{order.orderId}"),
        symbol=symbol,
        side=Side.BUY if order.action == "BUY" else Side.SELL,
        quantity=to_decimal(order.totalQuantity) or Decimal(0),
        filled_qty=filled,
        status=parse_order_status(status.status, filled),
        reason=reason,
        limit_price=_positive(order.lmtPrice) if "LMT" in order.orderType else None,
        stop_price=_positive(order.auxPrice) if "STP" in order.orderType else None,
    )


def _positive(value: float | Decimal | None) -> Decimal | None:
    number = to_decimal(value)
    return number if number is not None and number > 0 else None


def _ib_words(log_message: str) -> str:
    """Return IB's own text from an ib_async log message ("Error 201, reqId 7: Order rejected - reason:...")."""
    head, sep, rest = log_message.partition(": ")
    return rest if sep and head.startswith(("Error ", "Warning ")) else log_message


def parse_position(position: IbPosition) -> BrokerPosition:
    """Return a position with the average price per unit (IB's avgCost includes the multiplier)."""
    contract = position.contract
    multiplier = to_decimal(contract.multiplier) if contract.multiplier else None
    avg_cost = to_decimal(position.avgCost) or Decimal(0)
    if multiplier is not None and multiplier > 0:
        avg_cost = avg_cost / multiplier
    return BrokerPosition(symbol_of(contract), to_decimal(position.position) or Decimal(0), avg_cost)


def parse_cash(values: Iterable[AccountValue], account: str) -> tuple[Money, ...]:
    """Return the account's cash balance per currency (IB's CashBalance, without the BASE total)."""
    cash: dict[str, Money] = {}
    for value in values:
        if value.account != account or value.tag != "CashBalance" or value.modelCode:
            continue
        if len(value.currency) != 3 or not value.currency.isalpha() or value.currency == "BASE":
            continue
        amount = to_decimal(value.value)
        if amount is not None:
            cash[value.currency] = Money(amount, value.currency)
    return tuple(cash[c] for c in sorted(cash))


def parse_quote(symbol: str, ticker: Ticker, ts: datetime | None = None, source: str = "") -> Quote | None:
    """Return a Quote for a ticker, or None while only one side of the book is known."""
    bid, ask, last = _price_or_none(ticker.bid), _price_or_none(ticker.ask), _price_or_none(ticker.last)
    if (bid is None) != (ask is None) or (bid is None and last is None):
        return None
    return Quote(
        symbol=symbol,
        bid=bid,
        ask=ask,
        last=last,
        close=_price_or_none(ticker.close),
        volume=_size(ticker.volume),
        bid_size=_size(ticker.bidSize),
        ask_size=_size(ticker.askSize),
        ts=ts or datetime.now(UTC),
        source=source,
    )


def parse_pnl(pnl: PnL, account_id: AccountId) -> BrokerPnl:
    """Return IB's P&L of the whole account (reqPnL); a figure IB has not computed yet is None."""
    return BrokerPnl(account_id, None, to_decimal(pnl.dailyPnL), to_decimal(pnl.unrealizedPnL),
                     to_decimal(pnl.realizedPnL))


def parse_pnl_single(pnl: PnLSingle, account_id: AccountId, symbol: str) -> BrokerPnl:
    """Return IB's P&L of one position (reqPnLSingle); a figure IB has not computed yet is None."""
    return BrokerPnl(account_id, symbol, to_decimal(pnl.dailyPnL), to_decimal(pnl.unrealizedPnL),
                     to_decimal(pnl.realizedPnL))


def _size(value: float) -> Decimal | None:
    number = to_decimal(value)
    return number if number is not None and number >= 0 else None


def execution_filter_time(since: datetime) -> str:
    """Format a watermark for ExecutionFilter.time: 'YYYYMMDD-HH:MM:SS' in UTC, floored to the second."""
    moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")
