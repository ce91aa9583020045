"""One late order must not halt an account (issue 29), with the paper broker: generic to every broker.

A paper account whose acknowledgement is lost after the order is booked (or before it is) stands in
for any broker's late answer. The order is UNKNOWN on its own, counts as working for risk, and is
resolved by asking the broker by its client order id; the account halts only if the broker cannot
be read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, Side, TradingState
from core.ports.broker import FoundOrder
from core.ports.errors import RateLimited, Timeout
from core.services.bus import EventBus
from core.services.order_resolver import NEVER_REACHED, OrderResolver
from core.services.risk import RiskConfig
from core.services.risk.limits import DEFAULT_LIMITS
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")
LOST_ACK = "The broker did not confirm the order in time; it may be working."


class LatePaper(PaperBroker):
    """A paper broker whose answers can get lost: the order is booked (or not), the answer never comes."""

    lose_next_ack = False
    drop_next_order = False
    unreadable = False
    rate_limit_next = False
    defect_next = False

    async def submit(self, order: Order) -> None:
        if self.defect_next:  # an adapter's own bug, before anything is sent (the OANDA client under eager start)
            self.defect_next = False
            raise RuntimeError("Timeout should be used inside a task")
        if self.rate_limit_next:
            self.rate_limit_next = False
            raise RateLimited(retry_after_s=1)
        if self.drop_next_order:
            self.drop_next_order = False
            raise Timeout(LOST_ACK)
        if self.lose_next_ack:
            self.lose_next_ack = False
            await super().submit(order)
            raise Timeout(LOST_ACK)
        await super().submit(order)

    async def lookup_order(self, order: Order) -> FoundOrder | None:
        if self.unreadable:
            raise Timeout("The broker did not answer the order look-up.")
        return await super().lookup_order(order)


async def no_wait(_: float) -> None:
    return None


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[TradingSession, LatePaper]]:
    bus = EventBus()
    limits = replace(DEFAULT_LIMITS, max_position=Decimal(15))
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"), risk=RiskConfig(global_limits=limits))
    session._resolver = OrderResolver(session.oms, delays=(0, 0, 0, 0), sleep=no_wait, absent_after_s=0)
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    broker = LatePaper(ACCOUNT, config, bus.publish)
    session.add_account(broker)
    session.restore()
    await session.connect(ACCOUNT)
    yield session, broker
    await session.close()
    session.journal.close()


def resting_buy(session: TradingSession, quantity: str = "10", below: str = "2.00") -> OrderRequest:
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    return OrderRequest(ACCOUNT, "AAPL", Side.BUY, quantity, OrderType.LIMIT, limit_price=quote.bid - Decimal(below))


async def settle(session: TradingSession) -> None:
    for task in list(session._tasks):
        await task


async def test_a_lost_ack_leaves_one_order_unknown_and_resolves_it_by_its_id(
    desk: tuple[TradingSession, LatePaper]
) -> None:
    session, broker = desk
    broker.lose_next_ack = True
    order = await session.submit(resting_buy(session, "5"))
    assert order.status is OrderStatus.UNKNOWN
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE, "the account trades on"
    other = await session.submit(resting_buy(session, "5", below="2.10"))
    assert other.status is OrderStatus.ACCEPTED
    await settle(session)
    assert order.status is OrderStatus.ACCEPTED and order.reason == "The broker confirmed it late: it is working."
    assert len((await broker.snapshot()).orders) == 2, "looked up, never resent"


async def test_an_order_the_broker_never_got_is_closed_as_never_reached(desk: tuple[TradingSession, LatePaper]) -> None:
    session, broker = desk
    broker.drop_next_order = True
    order = await session.submit(resting_buy(session))
    assert order.status is OrderStatus.UNKNOWN
    await settle(session)
    assert order.status is OrderStatus.CANCELED and order.reason == NEVER_REACHED
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE


async def test_a_defect_in_the_adapter_leaves_no_order_submitted_for_good(
    desk: tuple[TradingSession, LatePaper], caplog: pytest.LogCaptureFixture
) -> None:
    """Before, anything but a broker error escaped the send: the order stayed SUBMITTED, working for risk, never
    asked about, while the ticket said "Not sent"."""
    session, broker = desk
    broker.defect_next = True
    order = await session.submit(resting_buy(session))
    assert order.status is OrderStatus.UNKNOWN and "Not resent; it will be checked with the broker" in order.reason
    await settle(session)
    assert order.status is OrderStatus.CANCELED and order.reason == NEVER_REACHED
    assert len((await broker.snapshot()).orders) == 0, "never resent"
    assert "failed inside TradeTerm's adapter" in caplog.text and "Traceback" in caplog.text


async def test_an_unknown_order_counts_as_working_for_risk(desk: tuple[TradingSession, LatePaper]) -> None:
    session, broker = desk
    broker.lose_next_ack = True
    broker.unreadable = True  # so it stays UNKNOWN while the next order is checked
    order = await session.submit(resting_buy(session, "10"))
    assert order.status is OrderStatus.UNKNOWN
    with pytest.raises(OrderRefused, match="could reach 20"):
        await session.submit(resting_buy(session, "10", below="2.10"))


async def test_the_account_halts_only_when_the_broker_cannot_be_read(desk: tuple[TradingSession, LatePaper]) -> None:
    session, broker = desk
    broker.lose_next_ack = True
    broker.unreadable = True
    order = await session.submit(resting_buy(session, "5"))
    await settle(session)
    assert order.status is OrderStatus.UNKNOWN
    slot = session.account(ACCOUNT)
    assert slot.trading is TradingState.HALTED and "Cannot read the broker's orders" in slot.reason


async def test_a_rate_limited_order_is_rejected_in_words_and_the_account_trades_on(
    desk: tuple[TradingSession, LatePaper]
) -> None:
    session, broker = desk
    broker.rate_limit_next = True
    order = await session.submit(resting_buy(session))
    assert order.status is OrderStatus.REJECTED, "refused by the broker: not placed, so not unknown"
    assert "too many requests" in order.reason and "Wait 1 s, then try again." in order.reason
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE


async def test_an_order_absent_at_first_is_not_closed_before_a_stalled_request_could_arrive(tmp_path: Path) -> None:
    """Three quick looks that miss the order prove nothing: a stalled request can still reach the broker."""
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    waits: list[float] = []

    async def counted(delay: float) -> None:
        waits.append(delay)

    session._resolver = OrderResolver(session.oms, delays=(0.2, 0.5, 1.0, 2.0), sleep=counted)
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    broker = LatePaper(ACCOUNT, config, bus.publish)
    session.add_account(broker)
    session.restore()
    await session.connect(ACCOUNT)
    try:
        broker.drop_next_order = True
        order = await session.submit(resting_buy(session))
        await settle(session)
        assert order.status is OrderStatus.UNKNOWN, "3.7 s of absence is too soon to say it never reached the broker"
        assert "Still unresolved" in order.reason and sum(waits) < 10
    finally:
        await session.close()
