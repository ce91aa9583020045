"""Every (status, status) pair of the order table: allowed ones move the order, forbidden ones flag it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from core.domain import (
    TRANSITIONS,
    BrokerOrderId,
    Order,
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
    OrderStatus,
    OrderSubmitted,
    OrderUnknown,
    Price,
    Quantity,
)
from tests.factories import make_fill, make_order

S = OrderStatus
EventMaker = Callable[[Order], OrderEvent]


def _fill(qty: str) -> EventMaker:
    return lambda o: OrderFilled(o.client_order_id, make_fill(o, quantity=qty))


def _fill_rest(o: Order) -> OrderEvent:
    rest = o.leaves_qty if o.leaves_qty > 0 else Decimal(1)
    return OrderFilled(o.client_order_id, make_fill(o, quantity=str(rest)))


EVENT_FOR_TARGET: dict[S, EventMaker] = {
    S.PENDING_APPROVAL: lambda o: OrderPendingApproval(o.client_order_id),
    S.SUBMITTED: lambda o: OrderSubmitted(o.client_order_id),
    S.DENIED: lambda o: OrderDenied(o.client_order_id, "risk"),
    S.ACCEPTED: lambda o: OrderAccepted(o.client_order_id, BrokerOrderId("B1")),
    S.REJECTED: lambda o: OrderRejected(o.client_order_id, "no"),
    S.PENDING_CANCEL: lambda o: OrderPendingCancel(o.client_order_id),
    S.PENDING_REPLACE: lambda o: OrderPendingReplace(o.client_order_id),
    S.UNKNOWN: lambda o: OrderUnknown(o.client_order_id, "socket closed"),
    S.CANCELED: lambda o: OrderCanceled(o.client_order_id),
    S.EXPIRED: lambda o: OrderExpired(o.client_order_id),
    S.PARTIALLY_FILLED: _fill("10"),
    S.FILLED: _fill_rest,
}

PATH_TO: dict[S, list[EventMaker]] = {
    S.INITIALIZED: [],
    S.PENDING_APPROVAL: [EVENT_FOR_TARGET[S.PENDING_APPROVAL]],
    S.SUBMITTED: [EVENT_FOR_TARGET[S.SUBMITTED]],
    S.ACCEPTED: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.ACCEPTED]],
    S.PARTIALLY_FILLED: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.ACCEPTED], _fill("40")],
    S.PENDING_CANCEL: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.ACCEPTED],
                       EVENT_FOR_TARGET[S.PENDING_CANCEL]],
    S.PENDING_REPLACE: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.ACCEPTED],
                        EVENT_FOR_TARGET[S.PENDING_REPLACE]],
    S.UNKNOWN: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.UNKNOWN]],
    S.CANCELED: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.ACCEPTED], EVENT_FOR_TARGET[S.CANCELED]],
    S.FILLED: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.ACCEPTED], _fill("100")],
    S.REJECTED: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.REJECTED]],
    S.DENIED: [EVENT_FOR_TARGET[S.DENIED]],
    S.EXPIRED: [EVENT_FOR_TARGET[S.SUBMITTED], EVENT_FOR_TARGET[S.ACCEPTED], EVENT_FOR_TARGET[S.EXPIRED]],
}


def order_in(status: S) -> Order:
    order = make_order(quantity="100")
    for make_event in PATH_TO[status]:
        assert order.apply(make_event(order)), f"path to {status} broke at {order.status}"
    assert order.status is status
    return order


def test_every_status_has_a_path_and_every_target_an_event() -> None:
    assert set(PATH_TO) == set(S)
    assert set(EVENT_FOR_TARGET) == set(S) - {S.INITIALIZED}
    assert all(S.INITIALIZED not in targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize("current", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize("target", [s for s in S if s is not S.INITIALIZED], ids=lambda s: s.value)
def test_transition_pair(current: S, target: S) -> None:
    order = order_in(current)
    event = EVENT_FOR_TARGET[target](order)
    if order.target_status(event) is not target:
        # A partial fill of an order already filled in full cannot be expressed; it is final anyway. While a
        # change is pending, an acknowledgement or a partial fill does not answer it: the order stays
        # PENDING_REPLACE (it reaches ACCEPTED / PARTIALLY_FILLED through OrderModified or OrderModifyRejected).
        assert (current, target) in {(S.FILLED, S.PARTIALLY_FILLED), (S.PENDING_REPLACE, S.ACCEPTED),
                                     (S.PENDING_REPLACE, S.PARTIALLY_FILLED)}
        if current is S.PENDING_REPLACE:
            assert order.target_status(event) is S.PENDING_REPLACE
        return
    events_before = len(order.events)
    allowed = order.apply(event)
    assert allowed == (target in TRANSITIONS[current])
    assert len(order.events) == events_before + 1, "every event joins the audit trail"
    if allowed:
        assert order.status is target
        assert not order.needs_reconciliation or target is S.UNKNOWN
    else:
        assert order.status is current, "a forbidden event never moves the order"
        assert order.needs_reconciliation


@pytest.mark.parametrize("pending", [S.PENDING_CANCEL, S.PENDING_REPLACE])
@pytest.mark.parametrize("before", [S.ACCEPTED, S.PARTIALLY_FILLED])
def test_refused_cancel_or_modify_returns_to_the_previous_status(pending: S, before: S) -> None:
    order = order_in(before)
    order.apply(EVENT_FOR_TARGET[pending](order))
    refusal = (OrderCancelRejected if pending is S.PENDING_CANCEL else OrderModifyRejected)(
        order.client_order_id, "too late"
    )
    assert order.apply(refusal)
    assert order.status is before
    assert order.reason == "too late"


def test_a_refused_cancel_of_an_order_of_unknown_fate_leaves_it_unknown_not_working() -> None:
    """A cancel asked while the order's fate is unknown (its send was cut) is not pending here (the table refuses
    PENDING_CANCEL from UNKNOWN); the broker's "no such order" must not make it an ACCEPTED order the broker never
    had, which every later cancel would try, and fail, to end (issue 26's cancel storm)."""
    order = order_in(S.UNKNOWN)
    assert not order.apply(OrderPendingCancel(order.client_order_id))
    order.apply(OrderCancelRejected(order.client_order_id, "OANDA: the order ID specified does not exist"))
    assert order.status is S.UNKNOWN and order.needs_reconciliation


def test_modify_changes_quantity_and_price_and_returns_to_working() -> None:
    order = order_in(S.PENDING_REPLACE)
    assert order.apply(OrderModified(order.client_order_id, Quantity("200"), Price("101.50")))
    assert (order.status, order.quantity, order.limit_price) == (S.ACCEPTED, Quantity("200"), Price("101.50"))


def test_late_fill_after_cancel_is_accepted_as_a_real_world_possibility() -> None:
    order = order_in(S.CANCELED)
    assert order.apply(_fill_rest(order))
    assert order.status is S.FILLED
    assert order.filled_qty == Decimal(100)


def test_a_fill_the_table_forbids_still_counts_toward_the_filled_quantity() -> None:
    order = order_in(S.REJECTED)
    assert not order.apply(_fill("30")(order))
    assert order.status is S.REJECTED
    assert order.filled_qty == Decimal(30)
    assert order.needs_reconciliation


def test_unknown_resolved_by_the_broker_clears_the_reconciliation_flag() -> None:
    order = order_in(S.UNKNOWN)
    assert order.needs_reconciliation is False or order.status is S.UNKNOWN
    assert order.apply(EVENT_FOR_TARGET[S.ACCEPTED](order))
    assert order.status is S.ACCEPTED and not order.needs_reconciliation


def test_event_for_another_order_is_a_programming_error() -> None:
    order, other = make_order(), make_order()
    with pytest.raises(ValueError, match="applied to"):
        order.apply(OrderSubmitted(other.client_order_id))


@pytest.mark.parametrize(
    ("order_type", "limit", "stop", "message"),
    [("LMT", None, None, "limit price"), ("STP", None, None, "stop price"), ("STP_LMT", "10", None, "stop price")],
)
def test_an_order_without_the_price_its_type_needs_cannot_exist(
    order_type: str, limit: str | None, stop: str | None, message: str
) -> None:
    from core.domain import OrderType

    with pytest.raises(ValueError, match=message):
        make_order(order_type=OrderType(order_type), limit_price=limit, stop_price=stop)


def test_a_fill_that_overtakes_the_acknowledgement_still_gives_the_order_its_broker_id() -> None:
    from core.domain import BrokerOrderId, Fill

    order = order_in(S.SUBMITTED)
    fill = make_fill(order, quantity="100")
    fill = Fill(**{**{f: getattr(fill, f) for f in Fill.__dataclass_fields__}, "broker_order_id": BrokerOrderId("K-9")})
    assert order.apply(OrderFilled(order.client_order_id, fill))
    assert order.status is S.FILLED and order.broker_order_id == BrokerOrderId("K-9")
