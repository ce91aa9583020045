"""OCO and OTO through the strategy API on a real socket, over a paper account: queued for approval as one,
refused with the field and what to send, shown linked by GET, and kept whole across a restart."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.domain import ClientOrderId, OrderOrigin, OrderStatus
from core.domain.protection import HeldState, ProtectionLeg
from core.services.approvals import OrderEdit
from core.strategy_client import ApiRefused
from tests.adapters.strategy_api_world import ApiWorld, api_fixture, error_of, start_api, stop_api

api = api_fixture()


def oco_body(api: ApiWorld, key: str = "oco-1", **leg_changes: Any) -> dict[str, Any]:
    """A sell-stop below the market and a buy-limit further below: one of two entries, never both."""
    ask = api.world.ask()
    base = api.order_body(idempotency_key=key)
    head = {k: base[k] for k in ("signal_time", "idempotency_key")}
    first = {"account": "PAPER-1", "symbol": "AAPL", "side": "BUY", "quantity": "10", "order_type": "LMT",
             "limit_price": str(ask - Decimal("0.5"))}
    second = {"account": "PAPER-1", "symbol": "AAPL", "side": "BUY", "quantity": "10", "order_type": "LMT",
              "limit_price": str(ask - 1)}
    second.update(leg_changes)
    return {**head, "legs": [first, {k: v for k, v in second.items() if v is not None}]}


def oto_body(api: ApiWorld, key: str = "oto-1", child: dict[str, Any] | None = None) -> dict[str, Any]:
    ask = api.world.ask()
    base = api.order_body(idempotency_key=key)
    return {"signal_time": base["signal_time"], "idempotency_key": key,
            "parent": {"account": "PAPER-1", "symbol": "AAPL", "side": "BUY", "quantity": "10", "order_type": "LMT",
                       "limit_price": str(ask)},
            "child": child if child is not None else {"order_type": "LMT", "price": str(ask + 1)}}


async def broker_orders(api: ApiWorld) -> list[Any]:
    """The paper broker's working orders: what reached the broker."""
    snapshot = await api.world.broker.snapshot()
    return [o for o in snapshot.orders if o.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)]


async def test_an_oco_waits_as_one_row_and_approving_it_sends_both_linked(api: ApiWorld) -> None:
    status, answer = await api.raw("POST", "/v1/orders/oco", oco_body(api))
    assert status == 202, answer
    first_id, second_id = answer["link"]["orders"]
    assert answer["client_order_id"] == first_id and answer["status"] == "PENDING_APPROVAL"
    orders = {str(o.client_order_id): o for o in api.world.session.oms.orders()}
    assert {o.status for o in orders.values()} == {OrderStatus.PENDING_APPROVAL} and len(orders) == 2
    assert await broker_orders(api) == [], "nothing reaches the broker before approval"
    (row,) = api.world.queue.rows()
    assert str(row.client_order_id) == first_id and "OCO with" in row.link and second_id in row.link

    status, shown = await api.raw("GET", f"/v1/orders/{second_id}")
    assert status == 200 and shown["link"] == {"kind": "OCO", "orders": [first_id, second_id], "partner": first_id}

    outcome = await api.world.queue.approve(orders[second_id].client_order_id)  # either id names the pair
    assert outcome.approved, outcome.reason
    assert {o.status for o in orders.values()} == {OrderStatus.ACCEPTED}
    assert len(await broker_orders(api)) == 2
    assert api.world.queue.rows() == []


async def test_rejecting_or_withdrawing_one_order_of_an_oco_ends_both(api: ApiWorld) -> None:
    _, answer = await api.raw("POST", "/v1/orders/oco", oco_body(api))
    first_id, second_id = answer["link"]["orders"]
    assert api.world.queue.reject(ClientOrderId(second_id), "not today")  # the row shows the first; either names it
    statuses = {str(o.client_order_id): o.status for o in api.world.session.oms.orders()}
    assert statuses == {first_id: OrderStatus.DENIED, second_id: OrderStatus.DENIED}
    _, again = await api.raw("POST", "/v1/orders/oco", oco_body(api, key="oco-2"))
    status, body = await api.raw("DELETE", f"/v1/orders/{again['link']['orders'][1]}")
    assert status == 200, body
    statuses = {str(o.client_order_id): o.status for o in api.world.session.oms.orders()}
    assert [statuses[i] for i in again["link"]["orders"]] == [OrderStatus.CANCELED, OrderStatus.CANCELED]
    assert await broker_orders(api) == [] and api.world.queue.rows() == []


async def test_editing_an_oco_replaces_the_pair_and_sends_the_edited_pair(api: ApiWorld) -> None:
    _, answer = await api.raw("POST", "/v1/orders/oco", oco_body(api))
    first_id = answer["link"]["orders"][0]
    (pending,) = api.world.queue.pending()
    outcome = await api.world.queue.edit_and_approve(pending.order.client_order_id, OrderEdit(quantity="4"))
    assert outcome.approved, outcome.reason
    working = [o for o in api.world.session.oms.orders() if o.status is OrderStatus.ACCEPTED]
    assert len(working) == 2 and {o.quantity.value for o in working} == {4}
    assert api.world.session.oco_pair(working[0].client_order_id) is not None, "still one OCO"
    assert api.world.session.oms.get(pending.order.client_order_id).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    assert str(pending.order.client_order_id) == first_id


async def test_an_oto_waits_with_its_child_held_and_the_fill_sends_the_child(api: ApiWorld) -> None:
    ask = api.world.ask()
    queued = await asyncio.to_thread(api.client().submit_oto, {"symbol": "AAPL", "side": "BUY", "quantity": "10",
                                                               "order_type": "LMT", "limit_price": ask},
                                     "LMT", ask + 1)
    parent_id = queued["client_order_id"]
    assert queued["status"] == "PENDING_APPROVAL" and queued["link"]["kind"] == "OTO"
    (child,) = queued["link"]["children"]
    assert child["state"] == "PENDING" and child["side"] == "SELL" and child["price"] == str(ask + 1)
    (row,) = api.world.queue.rows()
    assert "then OTO limit SELL" in row.link
    assert await broker_orders(api) == []

    outcome = await api.world.queue.approve(row.client_order_id)
    assert outcome.approved, outcome.reason
    for _ in range(10):
        await asyncio.sleep(0)
    sent = api.world.session.oms.get(child_id := ClientOrderId(child["client_order_id"]))
    assert sent is not None and sent.origin is OrderOrigin.PROTECTIVE and sent.limit_price is not None
    assert sent.limit_price.value == ask + 1 and sent.quantity.value == 10 and sent.status is OrderStatus.ACCEPTED
    status, shown = await api.raw("GET", f"/v1/orders/{parent_id}")
    assert status == 200 and shown["status"] == "FILLED"
    assert shown["link"]["children"][0]["state"] == "TRIGGERED" and str(child_id) == child["client_order_id"]


OCO, OTO = "/v1/orders/oco", "/v1/orders/oto"


@pytest.mark.parametrize(("path", "body_of", "field"), [
    (OCO, lambda api: {**oco_body(api), "legs": oco_body(api)["legs"][:1]}, "legs"),
    (OCO, lambda api: {k: v for k, v in oco_body(api).items() if k != "legs"}, "legs"),
    (OCO, lambda api: oco_body(api, account="PAPER-2"), "legs[1].account"),
    (OCO, lambda api: oco_body(api, symbol="MSFT"), "legs[1].symbol"),
    (OCO, lambda api: oco_body(api, limit_price=None), "legs[1].limit_price"),
    (OCO, lambda api: oco_body(api, stop_loss="1"), "legs[1].stop_loss"),
    (OCO, lambda api: {**oco_body(api), "legs": [{**leg, "account": "NOPE-1"} for leg in oco_body(api)["legs"]]},
     "legs[0].account"),
    (OTO, lambda api: {k: v for k, v in oto_body(api).items() if k != "parent"}, "parent"),
    (OTO, lambda api: {**oto_body(api), "parent": {**oto_body(api)["parent"], "account": "NOPE-1"}},
     "parent.account"),
    (OTO, lambda api: {k: v for k, v in oto_body(api).items() if k != "child"}, "child"),
    (OTO, lambda api: oto_body(api, child={"order_type": "LMT", "price": "1", "symbol": "MSFT"}), "child.symbol"),
    (OTO, lambda api: oto_body(api, child={"order_type": "LMT", "price": "1", "account": "PAPER-2"}),
     "child.account"),
    (OTO, lambda api: oto_body(api, child={"order_type": "LMT", "price": "1", "side": "BUY"}), "child.side"),
    (OTO, lambda api: oto_body(api, child={"order_type": "MKT", "price": "1"}), "child.order_type"),
    (OTO, lambda api: oto_body(api, child={"order_type": "STP"}), "child.price"),
])
async def test_a_bad_link_is_400_naming_the_field_and_nothing_is_queued(api: ApiWorld, path: str, body_of: Any,
                                                                         field: str) -> None:
    body = body_of(api)
    status, answer = await api.raw("POST", path, body)
    assert status == 400, answer
    error = error_of(answer)
    assert error["field"] == field, answer
    assert str(error["message"]).strip() and "." in str(error["message"])
    assert api.world.session.oms.orders() == [] and api.world.queue.rows() == []


async def test_an_oto_child_on_the_wrong_side_is_422_and_the_client_says_so(api: ApiWorld) -> None:
    ask = api.world.ask()
    with pytest.raises(ApiRefused) as refused:
        await asyncio.to_thread(api.client().submit_oto, {"symbol": "AAPL", "side": "BUY", "quantity": "10",
                                                          "order_type": "LMT", "limit_price": ask}, "STP", ask + 1)
    assert refused.value.status == 422 and refused.value.field == "oto"
    assert "below the entry price" in refused.value.message
    assert api.world.session.oms.orders() == []


async def test_a_retried_oco_is_the_same_pair_and_another_body_with_the_key_is_409(api: ApiWorld) -> None:
    body = oco_body(api)
    _, first = await api.raw("POST", "/v1/orders/oco", body)
    status, again = await api.raw("POST", "/v1/orders/oco", body)
    assert status == 202 and again["replayed"] is True and again["link"] == first["link"]
    assert len(api.world.session.oms.orders()) == 2
    status, conflict = await api.raw("POST", "/v1/orders/oco", {**body, "remark": "other"})
    assert status == 409 and error_of(conflict)["code"] == "idempotency_conflict"


async def test_a_restart_keeps_an_oco_one_unit_and_an_oto_child_held(tmp_path: Path) -> None:
    served = await start_api(tmp_path)
    try:
        _, oco = await served.raw("POST", "/v1/orders/oco", oco_body(served))
        _, oto = await served.raw("POST", "/v1/orders/oto", oto_body(served))
    finally:
        await stop_api(served)
    served = await start_api(tmp_path, restore=True)
    try:
        rows = {str(r.client_order_id): r for r in served.world.queue.rows()}
        assert set(rows) == {oco["client_order_id"], oto["client_order_id"]}, "one row per link"
        assert "OCO with" in rows[oco["client_order_id"]].link
        (child,) = [c for c in served.world.session.protection.children() if str(c.entry) == oto["client_order_id"]]
        assert child.state is HeldState.PENDING and child.leg is ProtectionLeg.THEN_LIMIT
        outcome = await served.world.queue.approve(rows[oco["client_order_id"]].client_order_id)
        assert outcome.approved, outcome.reason
        assert len(await broker_orders(served)) == 2
        outcome = await served.world.queue.approve(rows[oto["client_order_id"]].client_order_id)
        assert outcome.approved, outcome.reason
        for _ in range(10):
            await asyncio.sleep(0)
        sent = served.world.session.oms.get(child.child_id)
        assert sent is not None and sent.limit_price is not None and sent.limit_price.value == child.trigger
    finally:
        await stop_api(served)
