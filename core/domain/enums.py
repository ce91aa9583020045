"""Enumerations of the domain; never magic strings."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    MARKET = "MKT"
    LIMIT = "LMT"
    STOP = "STP"
    STOP_LIMIT = "STP_LMT"
    TRAIL = "TRAIL"
    """A trailing stop: a stop that follows the market by a Trail (amount or percent), at market when touched."""
    TRAIL_LIMIT = "TRAIL_LMT"
    """A trailing stop-limit: a stop that follows the market by a Trail and, when touched, becomes a limit order
    the Trail's limit_offset beyond the stop (IB's TRAIL LIMIT with lmtPriceOffset). Only accounts whose broker
    works them take it (core.ports.trailing_stop_limits)."""
    MARKET_IF_TOUCHED = "MIT"
    """A market order once the price touches the trigger (stop_price) from the side it is on: a buy below the
    market, a sell above it (OANDA's MARKET_IF_TOUCHED). Only accounts that list it take it."""

    @property
    def is_trailing(self) -> bool:
        return self in (OrderType.TRAIL, OrderType.TRAIL_LIMIT)

    @property
    def needs_limit(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LIMIT)

    @property
    def needs_stop(self) -> bool:
        """True for the types whose trigger price is stop_price (a stop's, or a market-if-touched's)."""
        return self in (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.MARKET_IF_TOUCHED)


class TimeInForce(StrEnum):
    """How long an order works. DAY, GTC and IOC every account takes; the others only accounts that list them
    (core.ports.order_terms): FOK fill all at once or cancel, OPG at the opening auction, CLS at the closing
    auction, GTD until the order's expire_at."""

    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    OPG = "OPG"
    CLS = "CLS"
    GTD = "GTD"


class OrderStatus(StrEnum):
    INITIALIZED = "INITIALIZED"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    PENDING_CANCEL = "PENDING_CANCEL"
    PENDING_REPLACE = "PENDING_REPLACE"
    UNKNOWN = "UNKNOWN"
    CANCELED = "CANCELED"
    FILLED = "FILLED"
    REJECTED = "REJECTED"
    DENIED = "DENIED"
    EXPIRED = "EXPIRED"

    @property
    def is_final(self) -> bool:
        return self in (OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.DENIED, OrderStatus.EXPIRED)

    @property
    def is_working(self) -> bool:
        """True while the order may still trade at the broker (or might, for UNKNOWN)."""
        return self in _WORKING


_WORKING = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_REPLACE,
        OrderStatus.UNKNOWN,
    }
)


class OrderOrigin(StrEnum):
    """Who asked for an order. CLOSE, FLATTEN and PROTECTIVE orders are reduce-only: risk never lets one take a
    position through zero (see core.services.risk), and they may go out while an account is REDUCING
    or HALTED after an explicit, audited confirm."""

    MANUAL = "MANUAL"
    FLATTEN = "FLATTEN"
    STRATEGY = "STRATEGY"
    CLOSE = "CLOSE"
    PROTECTIVE = "PROTECTIVE"
    """A stop-loss or take-profit child that TradeTerm held and sent when its trigger was touched."""

    @property
    def reduce_only(self) -> bool:
        return self in (OrderOrigin.CLOSE, OrderOrigin.FLATTEN, OrderOrigin.PROTECTIVE)


class AssetClass(StrEnum):
    STOCK = "STK"
    FUTURE = "FUT"
    OPTION = "OPT"
    FOREX = "CASH"
    INDEX = "IND"


class ConnectionState(StrEnum):
    DISCONNECTED = "DISCONNECTED"
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    RECONNECTING = "RECONNECTING"
    FAILED = "FAILED"


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"
