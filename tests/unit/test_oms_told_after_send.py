"""A new order created with announce=False (the session's send path): the views and the strategies' streams are
told of it once it is sent, yet always before any event of it, and at the latest at the end of the loop's turn."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.domain import BrokerOrderId, OrderAccepted, OrderStatus, OrderSubmitted, OrderUpdated
from core.services.bus import EventBus
from core.services.oms import OrderManager
from core.storage.journal import SqliteJournal
from tests.factories import make_order


@pytest.fixture
def journal(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SqliteJournal(tmp_path / "journal.sqlite") as j:
        yield j


def submitted():  # type: ignore[no-untyped-def]
    order = make_order()
    order.apply(OrderSubmitted(order.client_order_id))
    return order


def told(bus: EventBus) -> list[tuple[str, OrderStatus]]:
    seen: list[tuple[str, OrderStatus]] = []
    bus.subscribe(OrderUpdated, lambda e: seen.append((str(e.order.client_order_id), e.order.status)))
    return seen


async def test_an_order_kept_untold_is_told_when_its_sender_announces_it_and_is_journaled_before(
        journal: SqliteJournal) -> None:
    bus = EventBus()
    seen = told(bus)
    oms = OrderManager(bus, journal)
    order = submitted()
    await oms.create_durably(order, alone=True, announce=False)
    assert seen == [], "nothing is told before the sender has sent it"
    assert oms.get(order.client_order_id) is order and journal.load_order(order.client_order_id) is not None
    assert [o.client_order_id for o in oms.working()] == [order.client_order_id], "risk and the books count it"
    oms.announce(order.client_order_id)
    assert seen == [(str(order.client_order_id), OrderStatus.SUBMITTED)]
    oms.announce(order.client_order_id)
    assert len(seen) == 1, "told once"


async def test_an_answer_that_comes_before_the_announce_is_told_after_the_order(journal: SqliteJournal) -> None:
    bus = EventBus()
    seen = told(bus)
    oms = OrderManager(bus, journal)
    order = submitted()
    await oms.create_durably(order, alone=True, announce=False)
    oms.apply(OrderAccepted(order.client_order_id, BrokerOrderId("B-1")))  # a broker that answers at once
    assert seen == [(str(order.client_order_id), OrderStatus.SUBMITTED),
                    (str(order.client_order_id), OrderStatus.ACCEPTED)]


async def test_an_order_nobody_announces_is_told_at_the_end_of_the_turn_and_untold_orders_in_their_order(
        journal: SqliteJournal) -> None:
    bus = EventBus()
    seen = told(bus)
    oms = OrderManager(bus, journal)
    first, second = submitted(), submitted()
    await oms.create_durably(first, alone=True, announce=False)
    await oms.create_durably(second, alone=True, announce=False)
    oms.announce(second.client_order_id)
    assert [coid for coid, _ in seen] == [str(first.client_order_id), str(second.client_order_id)]
    third = submitted()
    await oms.create_durably(third, alone=True, announce=False)
    await asyncio.sleep(0)
    assert [coid for coid, _ in seen][-1] == str(third.client_order_id)
