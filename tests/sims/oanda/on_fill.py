"""OANDA's orders on fill in the simulator: takeProfitOnFill / stopLossOnFill / trailingStopLossOnFill.

An entry order may carry the details of the orders OANDA creates on the trade its fill opens (v20 spec:
TakeProfitDetails {price, timeInForce, gtdTime, clientExtensions}, StopLossDetails {price | distance, …},
TrailingStopLossDetails {distance, …}). Until the fill they are only details of the entry; at the fill OANDA
writes the ORDER_FILL (tradeOpened.tradeID = the fill's transaction id), then a TAKE_PROFIT_ORDER, STOP_LOSS_ORDER
and/or TRAILING_STOP_LOSS_ORDER transaction with that tradeID, reason ON_FILL and the details' clientExtensions.
When one of them fills it closes the trade (ORDER_FILL reason TAKE_PROFIT_ORDER / STOP_LOSS_ORDER /
TRAILING_STOP_LOSS_ORDER with tradesClosed) and OANDA cancels the others (ORDER_CANCEL reason
LINKED_TRADE_CLOSED).

The impolite answer: a detail on the wrong side of the fill price does not refuse the entry; OANDA answers 201
and cancels the entry as it would fill (ORDER_CANCEL reason TAKE_PROFIT_ON_FILL_LOSS or STOP_LOSS_ON_FILL_LOSS):
the market order never filled and no trade exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.adapters.paper.matching import Execution, PaperOrder
from core.domain import BrokerOrderId, ClientOrderId, OrderType, Side, TimeInForce
from core.domain.trailing import Trail, TrailUnit

if TYPE_CHECKING:
    from tests.sims.oanda.exchange import OandaExchange, SimOrder

DETAILS = (("takeProfitOnFill", "TAKE_PROFIT"), ("stopLossOnFill", "STOP_LOSS"),
           ("trailingStopLossOnFill", "TRAILING_STOP_LOSS"))
DEPENDENT = frozenset(kind for _key, kind in DETAILS)


@dataclass
class OnFillOrders:
    """The dependent orders of one account's trades: created at the entry's fill, linked by the trade."""

    exchange: OandaExchange
    trade_of: dict[str, str] = field(default_factory=dict)
    """Dependent order id -> the trade id it closes."""
    units_of: dict[str, Decimal] = field(default_factory=dict)
    """Trade id -> its signed units."""

    def refusal(self, sim: SimOrder, execution: Execution) -> str | None:
        """Return OANDA's cancel reason when a detail would close the new trade at once, else None."""
        long = execution.side is Side.BUY
        take = _price(sim.wire.get("takeProfitOnFill"))
        stop = _price(sim.wire.get("stopLossOnFill"))
        if take is not None and (take <= execution.price if long else take >= execution.price):
            return "TAKE_PROFIT_ON_FILL_LOSS"
        if stop is not None and (stop >= execution.price if long else stop <= execution.price):
            return "STOP_LOSS_ON_FILL_LOSS"
        return None

    @staticmethod
    def pending_loss(request: Mapping[str, Any], units: Decimal, price: Decimal) -> tuple[str, str] | None:
        """Return (rejectReason, errorMessage) when a priced order's (or its replacement's) take-profit or stop-loss
        on fill sits on the wrong side of the order's own price: OANDA refuses it, and a refused replace leaves the
        order as it was. Wording UNVERIFIED."""
        long = units > 0
        take = _price(request.get("takeProfitOnFill"))
        stop = _price(request.get("stopLossOnFill"))
        if take is not None and (take <= price if long else take >= price):
            return "TAKE_PROFIT_ON_FILL_LOSS", "The Take Profit on fill specified would result in a loss"
        if stop is not None and (stop >= price if long else stop <= price):
            return "STOP_LOSS_ON_FILL_LOSS", "The Stop Loss on fill specified would result in a gain"
        return None

    def trade_part(self, sim: SimOrder, units: Decimal, fill_id: str, price: Decimal) -> dict[str, Any]:
        """Return the ORDER_FILL's trade fields: the trade a dependent order closes, else the trade opened."""
        trade = self.trade_of.get(sim.id)
        if trade is not None:
            return {"tradesClosed": [{"tradeID": trade, "units": str(units)}], "reason": f"{sim.wire['type']}_ORDER"}
        return {"tradeOpened": {"tradeID": fill_id, "units": str(units), "price": str(price)}}

    def after_fill(self, sim: SimOrder, fill: Mapping[str, Any]) -> None:
        """Create the entry's dependent orders on its new trade; or, for a dependent order, cancel its others."""
        trade = self.trade_of.get(sim.id)
        if trade is not None:
            self._close_trade(trade, sim.id)
            return
        opened = fill.get("tradeOpened") or {}
        if not opened:
            return
        trade = str(opened["tradeID"])
        units = Decimal(str(opened["units"]))
        self.units_of[trade] = units
        for key, kind in DETAILS:
            details = sim.wire.get(key)
            if isinstance(details, Mapping) and details:
                self._create(kind, trade, units, details, fill)

    def replace(self, old: SimOrder, request: Mapping[str, Any]) -> dict[str, Any]:
        """PUT /orders/{spec} of a dependent order: the same type on the same trade, or ORDER_TYPE_INVALID; the old
        one is cancelled (CLIENT_REQUEST_REPLACED) and the new one created (reason REPLACEMENT) in one answer."""
        from tests.sims.oanda.exchange import Refusal

        exchange = self.exchange
        kind = str(old.wire["type"])
        trade = self.trade_of[old.id]
        if request.get("type") != kind or str(request.get("tradeID")) != trade:
            reject = exchange._record({"type": f"{request.get('type')}_ORDER_REJECT", "rejectReason":
                                       "REPLACING_ORDER_INVALID", "intendedReplacesOrderID": old.id})
            raise Refusal(400, {"orderRejectTransaction": reject, "errorCode": "REPLACING_ORDER_INVALID",
                                "errorMessage": f"A {kind} order is replaced only by a {kind} order on trade {trade}",
                                "lastTransactionID": exchange.last_id})  # wording UNVERIFIED
        exchange._response = []
        try:
            exchange._forget(old)
            cancel = exchange._close(old, "CLIENT_REQUEST_REPLACED",
                                     replacedByOrderID=str(len(exchange.transactions) + 2))
            units = self.units_of[trade]
            name = str(old.wire["instrument"])
            fill = {"instrument": name, "price": old.wire.get("price", "0")}
            details = {k: request[k] for k in ("price", "distance", "timeInForce", "clientExtensions") if k in request}
            create = self._create(kind, trade, units, details, fill, replaces=old.id)
            return {"orderCancelTransaction": cancel, "orderCreateTransaction": create,
                    "relatedTransactionIDs": [t["id"] for t in exchange._response or []],
                    "lastTransactionID": exchange.last_id}
        finally:
            exchange._response = None

    def _create(self, kind: str, trade: str, units: Decimal, details: Mapping[str, Any],
                fill: Mapping[str, Any], replaces: str | None = None) -> dict[str, Any]:
        from tests.sims.oanda.exchange import SimOrder

        exchange = self.exchange
        name = str(fill["instrument"])
        client = details.get("clientExtensions") or {}
        wire: dict[str, Any] = {"type": kind, "tradeID": trade, "timeInForce": details.get("timeInForce", "GTC"),
                                "triggerCondition": "DEFAULT"}
        if client:
            wire["clientExtensions"] = dict(client)
        price = _price(details)
        distance = Decimal(str(details["distance"])) if details.get("distance") is not None else None
        entry_price = Decimal(str(fill["price"]))
        if kind == "STOP_LOSS" and price is None and distance is not None:
            price = entry_price - distance if units > 0 else entry_price + distance
        if price is not None:
            wire["price"] = str(price)
        if distance is not None:
            wire["distance"] = str(distance)
        why = {"reason": "REPLACEMENT", "replacesOrderID": replaces} if replaces else {"reason": "ON_FILL"}
        create = exchange._record({**wire, "type": f"{kind}_ORDER", **why})
        order = SimOrder(create["id"], {"id": create["id"], "createTime": create["time"], "state": "PENDING",
                                        "instrument": name, **wire}, str(client.get("id", "")))
        exchange.orders[order.id] = order
        self.trade_of[order.id] = trade
        exit_side = Side.SELL if units > 0 else Side.BUY
        trail = Trail(distance, TrailUnit.AMOUNT) if kind == "TRAILING_STOP_LOSS" and distance else None
        paper = PaperOrder(
            client_order_id=ClientOrderId(order.id), broker_order_id=BrokerOrderId(order.id),
            instrument=exchange.listings[name].instrument(), side=exit_side, quantity=abs(units),
            order_type=OrderType.LIMIT if kind == "TAKE_PROFIT" else OrderType.TRAIL if trail else OrderType.STOP,
            limit_price=price if kind == "TAKE_PROFIT" else None,
            stop_price=price if kind == "STOP_LOSS" else None, tif=TimeInForce.GTC, trail=trail)
        exchange._apply(exchange.engine.add(paper, exchange.market.quote(name)), False)
        return create

    def _close_trade(self, trade: str, filled: str) -> None:
        """The trade is closed: OANDA cancels its other dependent orders."""
        exchange = self.exchange
        for order_id, of in list(self.trade_of.items()):
            sim = exchange.orders[order_id]
            if of == trade and order_id != filled and sim.state == "PENDING":
                exchange._forget(sim)
                exchange._close(sim, "LINKED_TRADE_CLOSED", closedTradeID=trade)
        units = self.units_of.pop(trade, None)
        held = exchange.positions.get(str(exchange.orders[filled].wire["instrument"]))
        if units is not None and held is not None and abs(units) in held.trade_sizes:
            held.trade_sizes.remove(abs(units))  # FIFO: the size is free again


def _price(details: object) -> Decimal | None:
    if not isinstance(details, Mapping) or details.get("price") is None:
        return None
    return Decimal(str(details["price"]))
