"""Orders sent together share one journal commit, and still see each other in the risk checks."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper import report_queue, state_log
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    AccountId,
    ClientOrderId,
    LogMessage,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Side,
    TradingState,
)
from core.domain.protection import HeldChild
from core.ports.journal import IntakeKey, JournalError
from core.services import group_commit
from core.services.bus import EventBus
from core.services.cancel_all import CANCEL_SLICE
from core.services.oms import OrderManager
from core.services.risk import HoldCause, RiskConfig, RiskLimits
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.factories import make_order

A1 = AccountId("PAPER-1")


def stored_statuses(path: Path) -> dict[str, str]:
    """Each order's status as another process reads it from the journal file: what a crash now would keep."""
    with closing(sqlite3.connect(path)) as other_process:
        return dict(other_process.execute("SELECT client_order_id, status FROM orders").fetchall())


class CountingJournal(SqliteJournal):
    """The real journal, counting its order transactions."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.batches: list[int] = []
        self.event_batches: list[list[str]] = []
        self.disk_full = False
        self.on_events: Callable[[], None] = lambda: None

    def record_orders(self, orders: Sequence[Order], keys: Mapping[ClientOrderId, IntakeKey] | None = None,
                      held: Sequence[HeldChild] = ()) -> None:
        self.batches.append(len(orders))
        super().record_orders(orders, keys, held)

    def record_events(self, changes: Sequence[tuple[Order, OrderEvent]]) -> None:
        self.event_batches.append([type(event).__name__ for _, event in changes])
        self.on_events()
        if self.disk_full:
            raise JournalError(f"Cannot record {len(changes)} order event(s) in the journal: disk full.")
        super().record_events(changes)


@dataclass
class World:
    session: TradingSession
    broker: PaperBroker
    journal: CountingJournal
    path: Path


@pytest.fixture
async def world(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    limits = getattr(request, "param", RiskLimits())
    bus = EventBus()
    journal = CountingJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(limits))
    config = PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json"), latency_s=0.01)
    broker = PaperBroker(A1, config, bus.publish)  # its latency keeps each order on its way a while
    session.add_account(broker)
    await session.connect(A1)
    yield World(session, broker, journal, tmp_path / "journal.sqlite")
    await session.close()
    journal.close()


def submitted(client_order_id: str | None = None) -> Order:
    order = make_order(client_order_id=client_order_id)
    order.apply(OrderSubmitted(order.client_order_id))
    return order


def buy(k: int) -> OrderRequest:
    price = Decimal("100.00") - Decimal("0.01") * k
    return OrderRequest(A1, "AAPL", Side.BUY, "1", OrderType.LIMIT, limit_price=str(price))


async def test_thirty_orders_sent_together_are_journaled_in_one_commit_and_all_reach_the_broker(world: World) -> None:
    orders = await asyncio.gather(*(world.session.submit(buy(k)) for k in range(30)))
    assert [o.status for o in orders] == [OrderStatus.ACCEPTED] * 30
    assert world.journal.batches == [1, 29]  # the first alone, at once; the rest, sent meanwhile, together
    at_broker = {o.client_order_id for o in (await world.broker.snapshot()).orders}
    assert {o.client_order_id for o in orders} <= at_broker
    await asyncio.sleep(0)  # the end of the turn: the broker's acknowledgements are written together
    stored = stored_statuses(world.path)
    assert stored == {o.client_order_id: "ACCEPTED" for o in orders}


async def test_orders_sent_one_at_a_time_are_each_journaled_at_once(world: World) -> None:
    first = await world.session.submit(buy(0))
    second = await world.session.submit(buy(1))
    assert [first.status, second.status] == [OrderStatus.ACCEPTED] * 2 and world.journal.batches == [1, 1]


class CommitCountingJournal(SqliteJournal):
    """The real journal, counting the transactions it commits (each one a write of the log, most a disk flush)."""

    def __init__(self, path: Path) -> None:
        self.commits = 0
        super().__init__(path)

    def _connect(self) -> sqlite3.Connection:
        conn = super()._connect()
        conn.set_trace_callback(self._traced)
        return conn

    def _traced(self, statement: str) -> None:
        self.commits += statement == "COMMIT"


async def test_an_order_sent_as_the_previous_ones_acknowledgement_arrives_carries_it_in_its_own_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each acknowledgement waits for the end of the turn, as one does that comes within a millisecond of the last
    # (a strategy sending one order at a time): the next order, sent once it is reported, commits it with itself.
    monkeypatch.setattr(report_queue, "BURST_S", 60.0)
    bus = EventBus()
    journal = CommitCountingJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(RiskLimits(max_orders_per_second=1000)))
    session.add_account(PaperBroker(A1, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json")),
                                    bus.publish))
    await session.connect(A1)
    try:
        before = journal.commits
        orders = [await session.submit(buy(k)) for k in range(10)]
        await asyncio.sleep(0)  # the end of the turn: the last acknowledgement is written
        assert all(o.status is OrderStatus.ACCEPTED for o in orders)
        assert journal.commits - before == 11, "one commit an order, and one for the last acknowledgement"
        stored = stored_statuses(tmp_path / "journal.sqlite")
        assert stored == {o.client_order_id: "ACCEPTED" for o in orders}
    finally:
        await session.close()
        journal.close()


async def test_the_kill_switch_journals_every_cancel_in_one_transaction_before_they_go_out(world: World) -> None:
    orders = await asyncio.gather(*(world.session.submit(buy(k)) for k in range(CANCEL_SLICE)))  # one slice
    assert await world.session.kill_switch("test") == CANCEL_SLICE
    assert world.journal.event_batches == [["OrderPendingCancel"] * CANCEL_SLICE]
    assert all(o.status is OrderStatus.CANCELED for o in orders)
    at_broker = (await world.broker.snapshot()).orders
    assert len(at_broker) == CANCEL_SLICE and all(o.status is OrderStatus.CANCELED for o in at_broker)


async def test_a_cancel_all_costs_the_paper_broker_one_disk_sync_a_slice_and_each_order_is_cancelled_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_queue, "BURST_S", 0.0)  # a slow machine: no change comes within a burst of another
    bus = EventBus()
    session = TradingSession(bus, journal := SqliteJournal(tmp_path / "journal.sqlite"),
                             risk=RiskConfig(RiskLimits(max_orders_per_second=1000, max_orders_per_minute=1000)))
    session.add_account(PaperBroker(A1, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json")),
                                    bus.publish))
    await session.connect(A1)
    try:
        count = 2 * CANCEL_SLICE + 10
        orders = [await session.submit(OrderRequest(A1, "AAPL", Side.BUY, "1", OrderType.LIMIT,
                                                    limit_price=str(Decimal("185.00") - Decimal("0.01") * k)))
                  for k in range(count)]  # under the market, inside the collar: they rest
        syncs: list[int] = []
        real = state_log._datasync
        monkeypatch.setattr(state_log, "_datasync", lambda fd: (real(fd), syncs.append(fd)))
        assert await session.cancel_all(A1) == count
        assert all(o.status is OrderStatus.CANCELED for o in orders)
        assert len(syncs) == 3, "one fdatasync for each slice's cancels, not one for its first and one for the rest"
        assert all(sum(type(e).__name__ == "OrderCanceled" for e in o.events) == 1 for o in orders)
    finally:
        await session.close()
        journal.close()


async def test_a_kill_switch_over_many_orders_goes_in_slices_and_the_loop_runs_between_them(world: World) -> None:
    count = 2 * CANCEL_SLICE + 10
    orders = await asyncio.gather(*(world.session.submit(buy(k)) for k in range(count)))
    turns = 0
    turns_at_slice: list[int] = []
    world.journal.on_events = lambda: turns_at_slice.append(turns)

    async def window() -> None:  # stands for Qt: one step per turn of the event loop
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    painting = asyncio.ensure_future(window())
    try:
        assert await world.session.kill_switch("test") == count
    finally:
        painting.cancel()
    slices = [batch for batch in world.journal.event_batches if batch[0] == "OrderPendingCancel"]
    assert [len(batch) for batch in slices] == [CANCEL_SLICE, CANCEL_SLICE, 10]
    cancel_turns = turns_at_slice[-3:]
    assert cancel_turns[0] < cancel_turns[1] < cancel_turns[2], "the loop turned between the slices"
    assert all(o.status is OrderStatus.CANCELED for o in orders)
    at_broker = (await world.broker.snapshot()).orders
    assert len(at_broker) == count and all(o.status is OrderStatus.CANCELED for o in at_broker)


async def test_the_kill_switch_still_cancels_everything_when_the_journal_cannot_record_the_cancels(
    world: World
) -> None:
    orders = await asyncio.gather(*(world.session.submit(buy(k)) for k in range(10)))
    said: list[LogMessage] = []
    world.session.bus.subscribe(LogMessage, said.append)
    world.journal.disk_full = True
    assert await world.session.kill_switch("test") == 10
    assert all(o.status is OrderStatus.CANCELED for o in orders)
    assert all(o.status is OrderStatus.CANCELED for o in (await world.broker.snapshot()).orders)
    (error,) = [m for m in said if m.level == "ERROR"]
    assert "disk full" in error.text and "The cancels are sent anyway" in error.text
    world.journal.disk_full = False


@pytest.mark.parametrize("world", [RiskLimits(max_working_orders=5)], indirect=True)
async def test_orders_sent_together_count_against_each_others_limits(world: World) -> None:
    results = await asyncio.gather(*(world.session.submit(buy(k)) for k in range(8)), return_exceptions=True)
    accepted = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, OrderRefused)]
    assert len(accepted) == 5 and len(refused) == 3
    assert all("already has 5 working orders (limit 5)" in r.errors[0].message for r in refused)
    assert world.session.oms.working_index.count(A1) == 5


async def test_the_kill_switch_pulled_while_an_order_waits_for_its_commit_stops_it(world: World) -> None:
    first = asyncio.ensure_future(world.session.submit(buy(0)))
    task = asyncio.ensure_future(world.session.submit(buy(1)))  # sent while the first is on its way: batched
    await asyncio.sleep(0)  # the second order passed its checks and waits for the commit
    assert world.session.oms.working_index.count(A1) == 2 and world.journal.batches == [1]
    world.session.risk.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED, "Kill switch pulled by test.")
    order = await task
    assert (await first).status is OrderStatus.ACCEPTED  # it was at the broker before the switch
    assert order.status is OrderStatus.REJECTED
    assert order.reason.startswith("Not sent: trading stopped while the order was being saved")
    assert order.client_order_id not in {o.client_order_id for o in (await world.broker.snapshot()).orders}


async def test_an_order_that_cannot_be_journaled_fails_alone_and_frees_its_share(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    oms = OrderManager(EventBus(), journal)
    known = submitted("T000000000001AAAAAAA")
    journal.record_order(known)  # journaled behind the manager's back: creating it again must fail
    fresh = [submitted(f"T00000000000{k}BBBBBBB") for k in range(2, 5)]
    results = await asyncio.gather(*(oms.create_durably(o, alone=o is fresh[0]) for o in [fresh[0], known, *fresh[1:]]),
                                   return_exceptions=True)
    assert [r is None for r in results] == [True, False, True, True]
    assert isinstance(results[1], ValueError) and "already journaled" in str(results[1])
    assert {o.client_order_id for o in oms.orders()} == {o.client_order_id for o in fresh}
    assert oms.working_index.count() == 3
    journal.close()


async def test_a_journal_that_fails_refuses_every_order_of_the_batch_and_keeps_none(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    oms = OrderManager(EventBus(), journal)
    journal.close()
    results = await asyncio.gather(*(oms.create_durably(submitted(), alone=False) for _ in range(3)),
                                   return_exceptions=True)
    assert all(isinstance(r, JournalError) and "closed" in str(r) for r in results)
    assert oms.orders() == [] and oms.working_index.count() == 0



class Recorder:
    """A commit function that notes each batch and the task it ran in (None: on the loop, outside any task)."""

    def __init__(self) -> None:
        self.batches: list[tuple[list[str], asyncio.Task[object] | None]] = []

    def __call__(self, items: Sequence[str]) -> list[BaseException | None]:
        self.batches.append((list(items), asyncio.current_task()))
        return [None if item != "bad" else ValueError("bad item") for item in items]


async def test_an_item_added_alone_commits_at_once_in_its_senders_task() -> None:
    recorder = Recorder()
    batcher: group_commit.GroupCommit[str] = group_commit.GroupCommit(recorder)
    sender = asyncio.ensure_future(batcher.add("one", alone=True))
    await sender
    assert recorder.batches == [(["one"], sender)]


async def test_items_added_together_commit_once_and_each_sender_gets_its_own_outcome() -> None:
    recorder = Recorder()
    batcher: group_commit.GroupCommit[str] = group_commit.GroupCommit(recorder)
    items = [("a", True), ("b", False), ("bad", True), ("c", False)]  # "bad" joins the batch "b" opened
    results = await asyncio.gather(*(batcher.add(item, alone=alone) for item, alone in items),
                                   return_exceptions=True)
    assert [batch for batch, _ in recorder.batches] == [["a"], ["b", "bad", "c"]]
    assert recorder.batches[1][1] is None  # the batch ran on the loop, not inside one sender's task
    assert results[:2] == [None, None] and results[3] is None and str(results[2]) == "bad item"


async def test_a_sender_cancelled_while_it_waits_leaves_its_item_in_the_batch() -> None:
    recorder = Recorder()
    batcher: group_commit.GroupCommit[str] = group_commit.GroupCommit(recorder)
    first = asyncio.ensure_future(batcher.add("a", alone=False))
    second = asyncio.ensure_future(batcher.add("bad", alone=False))
    third = asyncio.ensure_future(batcher.add("c", alone=False))
    await asyncio.sleep(0)  # each has joined the batch and waits for it
    second.cancel()
    await asyncio.gather(first, third)
    assert [batch for batch, _ in recorder.batches] == [["a", "bad", "c"]]  # committed all the same
    assert second.cancelled() and first.result() is None and third.result() is None


async def test_senders_of_a_batch_resume_in_the_turn_of_its_commit_not_the_next() -> None:
    # Orders committed together are sent together right after their commit: none waits a turn of the loop
    # behind the others, so 64 orders in flight stay one batch a round instead of splitting into several.
    recorder = Recorder()
    batcher: group_commit.GroupCommit[str] = group_commit.GroupCommit(recorder)
    senders = [asyncio.ensure_future(batcher.add(item, alone=False)) for item in ("a", "bad", "c")]
    await asyncio.sleep(0)  # each has joined the batch and waits for it
    assert recorder.batches == [] and not any(sender.done() for sender in senders)
    await asyncio.sleep(0)  # the turn of the commit: every sender has its outcome right after it
    assert [batch for batch, _ in recorder.batches] == [["a", "bad", "c"]]
    assert all(sender.done() for sender in senders)
    assert str(senders[1].exception()) == "bad item" and senders[0].result() is None


class BatchAndCommitCountingJournal(CountingJournal, CommitCountingJournal):
    """The real journal, counting its order batches and every transaction it commits."""


async def test_senders_that_keep_sending_carry_each_rounds_acknowledgements_in_the_next_rounds_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight requests at a time, each sending its next order once the last is acknowledged (a strategy, a basket):
    # the acknowledgements of a round are written with the next round's orders, not in a transaction of their own.
    monkeypatch.setattr(report_queue, "BURST_S", 60.0)  # however slow this machine: the orders come in rounds
    bus = EventBus()
    journal = BatchAndCommitCountingJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(RiskLimits(max_orders_per_second=1000,
                                                                      max_orders_per_minute=1000)))
    session.add_account(PaperBroker(A1, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json")),
                                    bus.publish))
    await session.connect(A1)
    numbers = iter(range(48))
    sent: list[Order] = []

    async def sender() -> None:
        for k in numbers:
            sent.append(await session.submit(buy(k)))

    try:
        before = journal.commits
        await asyncio.gather(*(sender() for _ in range(8)))
        await asyncio.sleep(0)  # the end of the turn: the last round's acknowledgements are written
        await asyncio.sleep(0)
        assert len(sent) == 48 and all(o.status is OrderStatus.ACCEPTED for o in sent)
        assert journal.batches[-6:] == [8, 8, 8, 8, 8, 6], "the rounds stay together"
        assert journal.commits - before == len(journal.batches) + 1, "a commit a round, and one for the last acks"
        stored = stored_statuses(tmp_path / "journal.sqlite")
        assert stored == {o.client_order_id: "ACCEPTED" for o in sent}
    finally:
        await session.close()
        journal.close()
