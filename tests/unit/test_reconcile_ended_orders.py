"""An order TradeTerm had ended that the broker still works: reconciliation reopens it, lists it and halts the
account; a broker list read before our cancel's answer arrived is not taken for proof.

The real session, SQLite journal and paper account. The wrong end is the one the Kite chaos run produced (an
order closed here as "never reached" while the broker went on to work it), applied as the resolver applied it;
the broker-side cases run against the Kite and TWS simulators in tests/adapters/test_ended_orders_alive.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    Order,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderPendingReplace,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quantity,
    ReconciliationRequired,
    Side,
    TradingState,
)
from core.ports.broker import BrokerSnapshot
from core.services.books_check import check_books
from core.services.bus import EventBus
from core.services.order_resolver import NEVER_REACHED
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.factories import make_fill
from tests.unit.paper_desk import ACCOUNT


class CancelAnsweredDuringTheRead(PaperBroker):
    """The paper account; with `stale_reads` set, a snapshot is read before our cancel of `order` is answered
    and arrives after the answer (as a broker's order list can, over several requests)."""

    stale_reads = 0
    order: Order | None = None

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        books = await super().snapshot(fills_since)
        if self.stale_reads and self.order is not None:
            self.stale_reads -= 1
            await self.cancel(self.order)  # the cancel's answer lands while the list is on its way
        return books


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[TradingSession]:
    bus = EventBus()
    made = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    made.add_account(CancelAnsweredDuringTheRead(ACCOUNT, config, bus.publish))
    made.restore()
    await made.connect(ACCOUNT)
    yield made
    await made.close()
    made.journal.close()


async def resting_buy(session: TradingSession) -> Order:
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    price = (quote.bid * Decimal("0.99")).quantize(Decimal("0.01"))
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "5", OrderType.LIMIT, str(price)))
    assert order.status is OrderStatus.ACCEPTED, order.reason
    return order


async def reconnect(session: TradingSession) -> list[ReconciliationRequired]:
    said: list[ReconciliationRequired] = []
    session.bus.subscribe(ReconciliationRequired, said.append)
    await session.disconnect(ACCOUNT)
    await session.connect(ACCOUNT)
    return said


async def test_an_order_closed_as_never_reached_that_the_broker_works_is_reopened_listed_and_halts(
    session: TradingSession,
) -> None:
    order = await resting_buy(session)
    session.oms.apply(OrderCanceled(order.client_order_id, NEVER_REACHED))  # the resolver's wrong conclusion
    assert order not in session.oms.working(ACCOUNT)

    said = await reconnect(session)

    assert order.status is OrderStatus.ACCEPTED, "the broker works it: it is working here again"
    assert order in session.oms.working(ACCOUNT)
    assert "still works it" in order.reason and "Cancel it" in order.reason
    assert session.account(ACCOUNT).trading is TradingState.HALTED
    assert "still works an order" in session.account(ACCOUNT).reason
    (required,) = said
    (difference,) = required.differences
    assert str(order.client_order_id) in difference and "had it CANCELED" in difference

    await session.cancel(order.client_order_id)  # the trader can take it out now
    assert session.oms.working(ACCOUNT) == [], "the paper account canceled it"
    await session.accept_broker_state(ACCOUNT, "trader")  # reviewed: the books agree now
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE


async def test_a_reopened_order_survives_a_restart_as_working(session: TradingSession) -> None:
    order = await resting_buy(session)
    session.oms.apply(OrderExpired(order.client_order_id, "Expired at the broker."))  # a wrong end from a broker
    assert order.status is OrderStatus.EXPIRED
    await reconnect(session)
    state = session.journal.load()
    (restored,) = [o for o in state.orders if o.client_order_id == order.client_order_id]
    assert restored.status is OrderStatus.ACCEPTED
    assert restored.broker_order_id == order.broker_order_id


async def test_a_list_read_before_our_cancel_was_answered_is_no_proof(session: TradingSession) -> None:
    order = await resting_buy(session)
    paper = session.account(ACCOUNT).adapter
    assert isinstance(paper, CancelAnsweredDuringTheRead)
    paper.order, paper.stale_reads = order, 1

    said = await reconnect(session)

    assert order.status is OrderStatus.CANCELED, "the broker canceled it: a stale sighting does not reopen it"
    assert not said
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE


async def test_an_order_filled_here_that_the_broker_works_at_a_larger_quantity_is_reported_not_reopened(
    session: TradingSession,
) -> None:
    order = await resting_buy(session)
    assert order.limit_price is not None
    # a change taken as applied that the broker refused (Kite answers a modify 200, then its OMS refuses it)
    session.oms.apply(OrderPendingReplace(order.client_order_id, Quantity("3"), order.limit_price))
    session.oms.apply(OrderModified(order.client_order_id, Quantity("3"), order.limit_price))
    session.oms.apply(OrderFilled(order.client_order_id, make_fill(order, "3", str(order.limit_price.value))))
    assert order.status is OrderStatus.FILLED

    said = await reconnect(session)

    assert order.status is OrderStatus.FILLED, "its whole quantity has filled here: nothing to reopen"
    (required,) = said
    assert any(str(order.client_order_id) in d and "cancel it at the broker" in d for d in required.differences)
    assert session.account(ACCOUNT).trading is TradingState.HALTED


async def test_reconcile_now_lists_an_ended_order_the_broker_works_and_changes_nothing(
    session: TradingSession,
) -> None:
    order = await resting_buy(session)
    session.oms.apply(OrderCanceled(order.client_order_id, NEVER_REACHED))

    check = await check_books(session, ACCOUNT)

    (difference,) = check.differences
    assert str(order.client_order_id) in difference and "the broker still works it" in difference
    assert "reconnect" in difference
    assert session.oms.get(order.client_order_id) is order and order.reason == NEVER_REACHED, "nothing changed"
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE


async def test_reconcile_now_does_not_list_an_order_whose_cancel_was_answered_during_the_read(
    session: TradingSession,
) -> None:
    order = await resting_buy(session)
    paper = session.account(ACCOUNT).adapter
    assert isinstance(paper, CancelAnsweredDuringTheRead)
    paper.order, paper.stale_reads = order, 1

    check = await check_books(session, ACCOUNT)

    assert check.ok, check.differences
