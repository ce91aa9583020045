"""A change (modify) whose answer was lost is settled from the broker's order, for every way a broker reports it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import (
    BrokerOrderId,
    Order,
    OrderAccepted,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderModifyUnresolved,
    OrderPendingReplace,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Price,
    Quantity,
)
from core.ports.broker import BrokerOrderState
from core.services.replace_resolution import MODIFY_NOT_APPLIED, resolve_replace
from core.services.working_orders import WorkingOrders
from tests.factories import make_fill, make_order


def replacing(qty: str = "20", limit: str | None = "180.50", order_type: OrderType = OrderType.LIMIT,
              stop: str | None = None) -> Order:
    """A working BUY 10 @ 181.00 with a change to qty @ limit journaled and unanswered."""
    order = make_order(quantity="10", limit_price="181.00" if order_type.needs_limit else None,
                       stop_price="179.00" if order_type.needs_stop else None, order_type=order_type)
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, BrokerOrderId("B1")))
    order.apply(OrderPendingReplace(order.client_order_id, Quantity(qty), None if limit is None else Price(limit),
                                    None if stop is None else Price(stop)))
    return order


def at_broker(order: Order, qty: str, limit: str | None, stop: str | None = None,
              status: OrderStatus = OrderStatus.ACCEPTED) -> BrokerOrderState:
    return BrokerOrderState(order.client_order_id, BrokerOrderId("B1"), order.symbol, order.side, Decimal(qty),
                            Decimal(0), status, limit_price=None if limit is None else Decimal(limit),
                            stop_price=None if stop is None else Decimal(stop))


def settle(order: Order, remote: BrokerOrderState) -> None:
    event = resolve_replace(order, remote)
    assert event is not None
    assert order.apply(event)


def test_the_broker_working_the_new_order_means_the_change_was_applied() -> None:
    order = replacing()
    settle(order, at_broker(order, "20", "180.50"))
    assert order.status is OrderStatus.ACCEPTED
    assert (order.quantity, order.limit_price) == (Quantity("20"), Price("180.50"))
    assert isinstance(order.events[-1], OrderModified) and not order.needs_reconciliation


def test_the_broker_working_the_old_order_means_it_was_not_and_says_to_modify_again() -> None:
    order = replacing()
    settle(order, at_broker(order, "10", "181.00"))
    assert order.status is OrderStatus.ACCEPTED
    assert (order.quantity, order.limit_price) == (Quantity("10"), Price("181.00"))
    assert order.reason == MODIFY_NOT_APPLIED and isinstance(order.events[-1], OrderModifyRejected)


def test_a_changed_quantity_tells_even_when_the_broker_hides_its_prices() -> None:
    order = replacing()
    settle(order, at_broker(order, "20", None))  # Kite/easytrader-like: no price in the order list
    assert (order.quantity, order.limit_price) == (Quantity("20"), Price("180.50"))


def test_a_price_only_change_the_broker_does_not_show_stays_flagged_modifiable_and_counted_high() -> None:
    order = replacing(qty="10", limit="181.20")
    event = resolve_replace(order, at_broker(order, "10", None))
    assert isinstance(event, OrderModifyUnresolved)
    assert order.apply(event)
    assert order.status is OrderStatus.PENDING_REPLACE and order.needs_reconciliation
    assert "limit price" in order.reason and "check the order at the broker" in order.reason
    share = WorkingOrders.of([order]).share(order.client_order_id)
    assert share is not None and share.price == Decimal("181.20"), "valued at the dearer of old and new"
    assert order.apply(OrderPendingReplace(order.client_order_id, Quantity("10"), Price("181.10"))), \
        "it can be changed again"
    assert order.apply(OrderModified(order.client_order_id, Quantity("10"), Price("181.10")))
    assert order.status is OrderStatus.ACCEPTED and not order.needs_reconciliation and order.reason == ""


def test_a_broker_working_neither_gives_its_own_values() -> None:
    order = replacing()
    settle(order, at_broker(order, "15", "180.75"))
    assert (order.quantity, order.limit_price) == (Quantity("15"), Price("180.75"))


def test_an_order_from_an_older_journal_takes_the_brokers_quantity() -> None:
    order = make_order(quantity="10", limit_price="181.00")
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, BrokerOrderId("B1")))
    order.apply(OrderPendingReplace(order.client_order_id))  # the change asked was not journaled then
    settle(order, at_broker(order, "20", "181.00"))
    assert order.quantity == Quantity("20") and order.status is OrderStatus.ACCEPTED


@pytest.mark.parametrize(("broker_qty", "status"), [("20", OrderStatus.PARTIALLY_FILLED), ("10", OrderStatus.FILLED)])
def test_fills_meanwhile_count_against_the_quantity_the_broker_works(broker_qty: str, status: OrderStatus) -> None:
    order = replacing()
    order.apply(OrderFilled(order.client_order_id, make_fill(order, quantity="10", price="181.00")))
    assert order.status is OrderStatus.PENDING_REPLACE, "10 of a possible 20: the change is still unanswered"
    remote_status = OrderStatus.FILLED if broker_qty == "10" else OrderStatus.PARTIALLY_FILLED
    settle(order, at_broker(order, broker_qty, "180.50" if broker_qty == "20" else "181.00", status=remote_status))
    assert order.status is status


def test_a_stop_order_change_is_told_by_its_trigger() -> None:
    order = replacing(qty="10", limit=None, order_type=OrderType.STOP, stop="178.00")
    settle(order, at_broker(order, "10", None, stop="178.00"))
    assert order.stop_price == Price("178.00")


def test_risk_counts_the_larger_of_old_and_new_while_unresolved() -> None:
    order = replacing(qty="20", limit="180.50")
    share = WorkingOrders.of([order]).share(order.client_order_id)
    assert share is not None and (share.leaves, share.price) == (Decimal(20), Decimal("181.00"))
