"""Changing a working order through the session: checked like a new order, refused changes leave it as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, Price, Quantity, Side
from core.ports.errors import ConnectionLost
from core.services.bus import EventBus
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[TradingSession]:
    bus = EventBus()
    made = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    made.add_account(PaperBroker(ACCOUNT, config, bus.publish))
    made.restore()
    await made.connect(ACCOUNT)
    yield made
    await made.close()
    made.journal.close()


async def resting_buy(session: TradingSession, below: str = "2.00") -> Order:
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    return await session.submit(
        OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=quote.bid - Decimal(below))
    )


async def test_a_new_price_and_quantity_reach_the_broker_and_the_journal(session: TradingSession) -> None:
    order = await resting_buy(session)
    new_price = order.limit_price.value - Decimal("0.50")  # type: ignore[union-attr]
    await session.modify(order.client_order_id, "20", new_price)
    assert order.status is OrderStatus.ACCEPTED
    assert (order.quantity, order.limit_price) == (Quantity("20"), Price(new_price))
    snapshot = await session.account(ACCOUNT).adapter.snapshot()
    assert [(o.quantity, o.status) for o in snapshot.orders] == [(Decimal(20), OrderStatus.ACCEPTED)]
    restored = {o.client_order_id: o for o in session.journal.load().orders}[order.client_order_id]
    assert (restored.quantity, restored.limit_price) == (Quantity("20"), Price(new_price))


async def test_a_change_that_makes_the_order_marketable_fills_it(session: TradingSession) -> None:
    order = await resting_buy(session)
    ask = session.quotes.latest("AAPL", str(ACCOUNT)).ask  # type: ignore[union-attr]
    await session.modify(order.client_order_id, "10", ask)
    assert order.status is OrderStatus.FILLED


@pytest.mark.parametrize(
    ("quantity", "price_offset", "field", "says"),
    [("10", "0.003", "limit_price", "ticks in 0.01"), ("0", "0", "quantity", "greater than zero")],
)
async def test_a_bad_change_is_refused_before_anything_is_sent(
    session: TradingSession, quantity: str, price_offset: str, field: str, says: str
) -> None:
    order = await resting_buy(session)
    before = (order.quantity, order.limit_price, len(order.events))
    with pytest.raises(OrderRefused) as refused:
        await session.modify(order.client_order_id, quantity, order.limit_price.value + Decimal(price_offset))  # type: ignore[union-attr]
    assert refused.value.errors[0].field == field and says in refused.value.errors[0].message
    assert (order.quantity, order.limit_price, len(order.events)) == before


async def test_a_change_the_risk_engine_refuses_is_not_sent(session: TradingSession) -> None:
    order = await resting_buy(session)
    with pytest.raises(OrderRefused) as refused:
        await session.modify(order.client_order_id, "1000000", order.limit_price.value)  # type: ignore[union-attr]
    assert refused.value.errors[0].field == "quantity"
    assert order.quantity == Quantity("10") and order.status is OrderStatus.ACCEPTED


async def test_a_filled_order_cannot_be_changed(session: TradingSession) -> None:
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "5", OrderType.MARKET))
    assert order.status is OrderStatus.FILLED
    with pytest.raises(OrderRefused, match="only a working order"):
        await session.modify(order.client_order_id, "6")


class AnswerLostBroker(PaperBroker):
    """The real paper broker whose connection drops while a change is on its way: before it arrives (applies
    False), or after the broker applied it, the answer lost (applies True)."""

    mute = False
    applies = True

    async def modify(self, order: Order, quantity: Quantity, limit_price: Price | None,
                     stop_price: Price | None) -> None:
        if not self.applies:
            raise ConnectionLost("The connection to PAPER-1 dropped")
        AnswerLostBroker.mute = True
        try:
            await super().modify(order, quantity, limit_price, stop_price)
        finally:
            AnswerLostBroker.mute = False
        raise ConnectionLost("The connection to PAPER-1 dropped")


@pytest.mark.parametrize("applied", [False, True])
async def test_a_change_whose_answer_is_lost_is_settled_from_the_broker_on_reconnect(
    tmp_path: Path, applied: bool
) -> None:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    broker = AnswerLostBroker(ACCOUNT, config, lambda e: None if AnswerLostBroker.mute else bus.publish(e))
    broker.applies = applied
    session.add_account(broker)
    await session.connect(ACCOUNT)
    try:
        order = await resting_buy(session)
        old_price = order.limit_price
        await session.modify(order.client_order_id, "20", old_price.value - Decimal("0.50"))  # type: ignore[union-attr]
        assert order.status is OrderStatus.PENDING_REPLACE, "its fate is unknown: neither applied nor refused"
        assert order.needs_reconciliation and "checked when the connection is back" in order.reason
        share = session.oms.working_index.share(order.client_order_id)
        assert share is not None and share.leaves == Decimal(20), "risk counts the larger while unresolved"
        await session.disconnect(ACCOUNT)
        await session.connect(ACCOUNT)
        assert order.status is OrderStatus.ACCEPTED
        (remote,) = (await broker.snapshot()).orders
        assert order.quantity.value == remote.quantity == (Decimal(20) if applied else Decimal(10))
        assert not order.needs_reconciliation
    finally:
        await session.close()
        session.journal.close()
