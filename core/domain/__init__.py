"""The trading domain: stdlib only."""

from core.domain.enums import (
    AssetClass,
    ConnectionState,
    OrderOrigin,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    TradingState,
)
from core.domain.events import (
    AccountUpdated,
    BrokerPnl,
    ConnectionChanged,
    Event,
    FillRecorded,
    FillsRestored,
    LogMessage,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderPendingApproval,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderSubmitted,
    OrderUnknown,
    OrderUpdated,
    PositionUpdated,
    Quote,
    ReconciliationRequired,
    TradingStateChanged,
    utc_now,
)
from core.domain.fill import Fill
from core.domain.identifiers import AccountId, BrokerOrderId, ClientOrderId, StrategyId, TradeId
from core.domain.instrument import Instrument
from core.domain.order import Order
from core.domain.order_request import FieldError, OrderRequest, ValidatedRequest, validate_request
from core.domain.position import Position
from core.domain.transitions import TRANSITIONS, can_transition
from core.domain.values import Money, Price, Quantity, to_decimal

__all__ = [
    "TRANSITIONS", "AccountId", "AccountUpdated", "AssetClass", "BrokerPnl", "BrokerOrderId", "ClientOrderId",
    "ConnectionChanged", "ConnectionState", "Event", "FieldError", "Fill", "FillRecorded", "FillsRestored",
    "Instrument",
    "LogMessage", "Money", "Order", "OrderAccepted", "OrderCancelRejected", "OrderCanceled", "OrderDenied",
    "OrderEvent", "OrderExpired", "OrderFilled", "OrderModified", "OrderModifyRejected", "OrderOrigin",
    "OrderPendingApproval", "OrderPendingCancel", "OrderPendingReplace", "OrderRejected", "OrderRequest",
    "OrderStatus", "OrderSubmitted", "OrderType", "OrderUnknown", "OrderUpdated", "Position",
    "PositionUpdated", "Price", "Quantity", "Quote",
    "ReconciliationRequired", "Side", "StrategyId", "TimeInForce", "TradeId",
    "TradingState", "TradingStateChanged", "ValidatedRequest", "can_transition", "to_decimal", "utc_now",
    "validate_request",
]
