"""Group commit in the paper broker: changes made back to back share one fdatasync at the end of the turn.

Every change is recorded by the sync that reports it (the changes of a turn in one log line); its
events are reported only after an fdatasync that covers it, in order, and submit/cancel/modify
return after that. A change alone is synced and reported at once.
The tests count the fdatasyncs by wrapping state_log's, on real files in tmp_path, with a real loop.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.adapters.paper import report_queue, state_log, state_store
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.adapters.paper.report_queue import ReportQueue
from core.adapters.paper.state_log import LogWriter
from core.domain import (
    ConnectionChanged,
    ConnectionState,
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderModified,
    OrderStatus,
    Quote,
    Side,
)
from core.ports.errors import ConnectionLost
from tests.adapters.contract import EventRecorder
from tests.adapters.test_paper_state_log import ACCOUNT, aapl, assert_same_account, books_on_disk, log_lines, open_paper
from tests.adapters.test_paper_state_log import order as make_paper_order

Trace = list[tuple[str, Any]]


@pytest.fixture(autouse=True)
def slow_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count changes made back to back as one burst, however slow this machine and its disk are."""
    monkeypatch.setattr(report_queue, "BURST_S", 60.0)


def count_syncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the log's fdatasyncs from now on: the returned list holds one item per call."""
    calls: list[int] = []
    real = state_log._datasync

    def counting(fd: int) -> None:
        real(fd)
        calls.append(fd)

    monkeypatch.setattr(state_log, "_datasync", counting)
    return calls


def trace_disk_and_sink(monkeypatch: pytest.MonkeyPatch, trace: Trace) -> Callable[[Event], None]:
    """Record, in order, each log line written (its orders), each fdatasync done, and each event reported."""
    real_append, real_sync = LogWriter.append, state_log._datasync

    def append(writer: LogWriter, change: dict[str, Any]) -> None:
        real_append(writer, change)
        trace.append(("write", {o["client_order_id"] for o in change.get("orders", [])}))

    def datasync(fd: int) -> None:
        real_sync(fd)
        trace.append(("sync", None))

    monkeypatch.setattr(LogWriter, "append", append)
    monkeypatch.setattr(state_log, "_datasync", datasync)
    return lambda event: trace.append(("sink", event))


def failing_datasync(fd: int) -> None:
    raise OSError(errno.EIO, "Input/output error (simulated)")


async def test_an_order_alone_is_acknowledged_at_once_without_waiting_for_the_end_of_the_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = EventRecorder()
    b = open_paper(tmp_path / "paper.json", events)
    await b.connect()
    syncs = count_syncs(monkeypatch)
    monkeypatch.setattr(report_queue, "BURST_S", 0.0)  # nothing else was sent lately
    alone = make_paper_order(b, Side.BUY, "100.00")
    sending = asyncio.ensure_future(b.submit(alone))
    await asyncio.sleep(0)  # one step of the submit: a queued flush would still be waiting for its turn
    assert sending.done() and len(syncs) == 1
    assert [type(e) for e in events.for_order(alone)] == [OrderAccepted]
    await b.disconnect()


async def after_one_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                          ) -> tuple[PaperBroker, EventRecorder, list[int]]:
    """A connected paper broker that has just acknowledged one order alone (at once), so the next ones come within a
    burst of it; its events, and its log's fdatasyncs counted from now on."""
    events = EventRecorder()
    b = open_paper(tmp_path / "paper.json", events)
    await b.connect()
    await b.submit(make_paper_order(b, Side.BUY, "100.00"))
    return b, events, count_syncs(monkeypatch)


async def test_an_order_that_waits_for_the_end_of_the_turn_is_acknowledged_in_that_turn_not_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b, events, syncs = await after_one_order(tmp_path, monkeypatch)
    second = make_paper_order(b, Side.BUY, "100.00")
    sending = asyncio.ensure_future(b.submit(second))
    await asyncio.sleep(0)  # the submit runs until it waits for the end of the turn's fdatasync
    assert not sending.done() and syncs == []
    await asyncio.sleep(0)  # that turn: the fdatasync, the acknowledgement, and the submit returns right after
    assert sending.done() and len(syncs) == 1
    assert [type(e) for e in events.for_order(second)] == [OrderAccepted]
    await b.disconnect()


async def test_orders_waiting_for_the_end_of_the_turn_are_all_acknowledged_in_that_turn_not_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Orders sent together come back together: none is a turn behind the others, so their next orders are sent
    # together again and share the next journal commit and fdatasync (64 in flight: one of each a round).
    b, _events, syncs = await after_one_order(tmp_path, monkeypatch)
    orders = [make_paper_order(b, Side.BUY, "100.00") for _ in range(3)]
    sending = [asyncio.ensure_future(b.submit(made)) for made in orders]
    await asyncio.sleep(0)  # each submit runs until it waits for the end of the turn's fdatasync
    assert not any(task.done() for task in sending) and syncs == []
    await asyncio.sleep(0)  # that turn: one fdatasync, the acknowledgements, and every submit returns right after
    assert all(task.done() for task in sending) and len(syncs) == 1
    await b.disconnect()


async def test_the_first_order_of_a_bursts_next_round_waits_for_the_end_of_the_turn_with_the_others(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # 64 orders in flight: each round's journal commit can take longer than BURST_S, so the first order of the next
    # round would look alone and be synced at once, a turn ahead of the rest of its round; it joins their flush.
    monkeypatch.setattr(report_queue, "BURST_S", 0.001)
    now = [100.0]
    syncs: list[float] = []
    queue = ReportQueue(ACCOUNT, lambda: syncs.append(now[0]), lambda event: None, clock=lambda: now[0])
    await asyncio.gather(*(queue.reported() for _ in range(3)))  # the first at once, the other two in one flush
    assert len(syncs) == 2
    now[0] += 0.01  # the round's commit: longer than a burst, well within AFTER_BURST_S of its flush
    waiting = asyncio.ensure_future(queue.reported())
    await asyncio.sleep(0)
    assert not waiting.done() and len(syncs) == 2, "it waits for the end of the turn, as the rest of its round will"
    await waiting
    now[0] += report_queue.AFTER_BURST_S  # long after the burst: an order alone is synced at once
    alone = asyncio.ensure_future(queue.reported())
    await asyncio.sleep(0)
    assert alone.done() and len(syncs) == 4


async def test_fifty_orders_sent_at_once_are_accepted_in_order_with_few_fdatasyncs_and_survive_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "paper.json"
    events = EventRecorder()
    b = open_paper(path, events)
    await b.connect()
    syncs = count_syncs(monkeypatch)
    single = make_paper_order(b, Side.BUY, "100.00")
    await b.submit(single)
    assert len(syncs) == 1, "one order alone costs one fdatasync, as before"
    assert [type(e) for e in events.for_order(single)] == [OrderAccepted], "reported before submit returned"

    orders = [make_paper_order(b, Side.BUY, "100.00") for _ in range(50)]
    syncs.clear()
    await asyncio.gather(*(b.submit(made) for made in orders))
    assert len(syncs) <= 3, f"{len(syncs)} fdatasyncs for 50 orders sent at once"
    accepted = [e.client_order_id for e in events.of_type(OrderAccepted)][1:]
    assert accepted == [made.client_order_id for made in orders], "each accepted exactly once, in the order sent"
    before = await b.snapshot()
    assert [o.status for o in before.orders] == [OrderStatus.ACCEPTED] * 51

    reopened = open_paper(path)  # not closed: the log is replayed
    await reopened.connect()
    assert_same_account(before, await reopened.snapshot())
    await reopened.disconnect()
    await b.disconnect()


async def test_fifty_orders_sent_at_once_are_recorded_in_a_few_log_lines_that_a_restart_replays(
    tmp_path: Path,
) -> None:
    path = tmp_path / "paper.json"
    b = open_paper(path)
    await b.connect()
    lines = len(log_lines(path))
    orders = [make_paper_order(b, Side.BUY, "100.00") for _ in range(50)]

    await asyncio.gather(*(b.submit(made) for made in orders))

    written = len(log_lines(path)) - lines
    assert written <= 3, f"{written} log lines for 50 orders sent at once (one a sync, not one an order)"
    before = await b.snapshot()
    reopened = open_paper(path)  # not closed: the log is replayed, as after kill -9
    await reopened.connect()
    after = await reopened.snapshot()
    assert_same_account(before, after)
    assert [o.client_order_id for o in after.orders] == [o.client_order_id for o in orders], "in the order sent"
    await reopened.disconnect()
    await b.disconnect()


async def test_no_event_is_reported_before_an_fdatasync_that_follows_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace: Trace = []
    sink = trace_disk_and_sink(monkeypatch, trace)
    b = PaperBroker(ACCOUNT, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json")), sink)
    await b.connect()
    resting = [make_paper_order(b, Side.BUY, "100.00") for _ in range(6)]
    await asyncio.gather(*(b.submit(made) for made in resting))
    marketable = make_paper_order(b, Side.BUY, None)
    await asyncio.gather(
        b.submit(marketable),
        b.cancel(marketable),  # refused (filled already): the refusal comes after the fill, never before
        *(b.cancel(made) for made in resting[:3]),
        *(b.modify(made, aapl(b).make_qty(4), aapl(b).make_price("101.00"), None) for made in resting[3:]),
    )

    reported = [(k, event) for k, (kind, event) in enumerate(trace) if kind == "sink" and isinstance(event, OrderEvent)]
    assert len(reported) >= 6 + 2 + 3 + 3
    for position, event in reported:
        coid = str(event.client_order_id)
        written = [k for k, (kind, coids) in enumerate(trace[:position]) if kind == "write" and coid in coids]
        assert written, f"{type(event).__name__} of {coid} reported before its line was written"
        assert any(kind == "sync" for kind, _ in trace[written[-1]:position]), (
            f"{type(event).__name__} of {coid} reported before an fdatasync covered its line"
        )
    told = [type(event) for _, event in reported if event.client_order_id == marketable.client_order_id]
    assert told == [OrderAccepted, OrderFilled, OrderCancelRejected]
    assert {type(event) for _, event in reported} >= {OrderCanceled, OrderModified}
    await b.disconnect()


async def test_a_failed_fdatasync_reports_nothing_of_its_turn_raises_to_each_caller_and_the_next_change_saves_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "paper.json"
    events = EventRecorder()
    b = open_paper(path, events)
    await b.connect()
    first = make_paper_order(b, Side.BUY, "100.00")
    await b.submit(first)
    batch = [make_paper_order(b, Side.BUY, "100.00") for _ in range(5)] + [make_paper_order(b, Side.BUY, None)]
    told_before = len(events.events)

    with monkeypatch.context() as patched, caplog.at_level(logging.ERROR):
        patched.setattr(state_log, "_datasync", failing_datasync)
        results = await asyncio.gather(*(b.submit(made) for made in batch), return_exceptions=True)
    assert all(isinstance(r, OSError) and r.errno == errno.EIO for r in results), results
    assert events.events[told_before:] == [], "nothing of the failed turn is reported"
    assert "did not confirm" in caplog.text and "8 event(s) are not reported" in caplog.text

    syncs = count_syncs(monkeypatch)
    after = make_paper_order(b, Side.BUY, "100.00")
    await b.submit(after)
    assert [type(e) for e in events.events[told_before:]] == [OrderAccepted]
    assert len(log_lines(path)) == 1 and syncs == [], "the whole books were written (a fresh snapshot, empty log)"
    on_disk = {o["client_order_id"] for o in books_on_disk(path)["orders"]}
    assert on_disk == {str(o.client_order_id) for o in (first, *batch, after)}, "the unreported orders included"
    before = await b.snapshot()

    reopened = open_paper(path)
    await reopened.connect()
    assert_same_account(before, await reopened.snapshot())
    assert len(before.fills) == 1 and len(before.orders) == 8
    await reopened.disconnect()
    await b.disconnect()


async def test_a_turn_whose_changes_cannot_be_saved_fails_each_caller_and_reports_nothing_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "paper.json"
    events = EventRecorder()
    b = open_paper(path, events)
    await b.connect()
    batch = [make_paper_order(b, Side.BUY, "100.00") for _ in range(3)]
    told_before = len(events.events)

    def defect(*args: object) -> bool:
        raise RuntimeError("a defect in the change log")

    with monkeypatch.context() as patched, caplog.at_level(logging.ERROR):
        patched.setattr(state_store.PaperStore, "record", defect)
        results = await asyncio.gather(*(b.submit(made) for made in batch), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert events.events[told_before:] == [], "nothing of the turn is reported"
    assert "could not be saved" in caplog.text

    after = make_paper_order(b, Side.BUY, "100.00")
    await b.submit(after)
    before = await b.snapshot()
    reopened = open_paper(path)  # the next change saved the turn's orders with its own
    await reopened.connect()
    assert_same_account(before, await reopened.snapshot())
    await reopened.disconnect()
    await b.disconnect()


async def test_a_tick_whose_fdatasync_fails_reports_none_of_its_fills_and_logs_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "paper.json"
    events = EventRecorder()
    b = PaperBroker(ACCOUNT, PaperConfig(tick_interval_s=0.002, state_path=str(path)), events)
    await b.subscribe([aapl(b)])
    await b.connect()
    quote = await events.wait_for(Quote)
    assert quote.bid is not None and quote.ask is not None
    for _ in range(8):
        await b.submit(make_paper_order(b, Side.BUY, str(quote.bid)))
        await b.submit(make_paper_order(b, Side.SELL, str(quote.ask)))
    fills_told = len(events.of_type(OrderFilled))

    with monkeypatch.context() as patched, caplog.at_level(logging.ERROR):
        patched.setattr(state_log, "_datasync", failing_datasync)
        patched.setattr(state_store, "write_state", failing_datasync)  # the whole books cannot be saved either
        deadline = asyncio.get_running_loop().time() + 10
        while "did not confirm" not in caplog.text:
            assert asyncio.get_running_loop().time() < deadline, "no resting order filled on a tick"
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)
        assert len(events.of_type(OrderFilled)) == fills_told, "a fill the disk did not confirm was reported"
        books = await b.snapshot()
    assert len(books.fills) > fills_told, "the unreported fill is on the books in memory"
    await b.disconnect()

    reopened = open_paper(path)
    await reopened.connect()
    assert (await reopened.snapshot()).fills == books.fills, "disconnect saved the whole books, unreported fills too"
    await reopened.disconnect()


async def test_disconnect_reports_every_queued_event_before_disconnected(tmp_path: Path) -> None:
    events = EventRecorder()
    b = open_paper(tmp_path / "paper.json", events)
    await b.connect()
    orders = [make_paper_order(b, Side.BUY, "100.00") for _ in range(4)]
    sending = [asyncio.ensure_future(b.submit(made)) for made in orders]
    await asyncio.sleep(0)  # the submits have run: their changes are written, their events queued
    assert len(events.of_type(OrderAccepted)) == 1  # the first, alone, at once; the other three wait
    await b.disconnect()

    told = [e for e in events.events if isinstance(e, OrderEvent | ConnectionChanged)]
    kinds = [(type(e), getattr(e, "state", None)) for e in told]
    assert kinds[-5:] == [(OrderAccepted, None)] * 4 + [(ConnectionChanged, ConnectionState.DISCONNECTED)]
    await asyncio.gather(*sending)


async def test_a_slice_of_cancels_in_one_request_costs_one_fdatasync_reports_each_after_it_and_survives_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "paper.json"
    trace: Trace = []
    sink = trace_disk_and_sink(monkeypatch, trace)
    b = PaperBroker(ACCOUNT, PaperConfig(tick_interval_s=60, state_path=str(path)), sink)
    await b.connect()
    resting = [make_paper_order(b, Side.BUY, "100.00") for _ in range(25)]
    await asyncio.gather(*(b.submit(made) for made in resting))
    filled = make_paper_order(b, Side.BUY, None)
    await b.submit(filled)
    trace.clear()

    await b.cancel_orders([*resting[:10], filled, *resting[10:]])

    assert [kind for kind, _ in trace].count("sync") == 1, "the whole slice on disk with one fdatasync"
    synced = next(k for k, (kind, _) in enumerate(trace) if kind == "sync")
    reported = [event for kind, event in trace[synced:] if kind == "sink" and isinstance(event, OrderEvent)]
    assert [e.client_order_id for e in reported] == [o.client_order_id for o in (*resting[:10], filled, *resting[10:])]
    assert [type(e) for e in reported].count(OrderCanceled) == 25
    assert isinstance(reported[10], OrderCancelRejected), "the filled order's cancel is refused, alone"
    before = await b.snapshot()

    reopened = open_paper(path)  # not closed: the log is replayed, as after kill -9
    await reopened.connect()
    after = await reopened.snapshot()
    assert_same_account(before, after)
    cancelled = {o.client_order_id for o in after.orders if o.status is OrderStatus.CANCELED}
    assert cancelled == {o.client_order_id for o in resting}, "what it reported cancelled stays cancelled"
    await reopened.disconnect()
    await b.disconnect()


async def test_a_request_of_cancels_while_disconnected_is_refused_whole_and_cancels_none(tmp_path: Path) -> None:
    events = EventRecorder()
    b = open_paper(tmp_path / "paper.json", events)
    await b.connect()
    resting = [make_paper_order(b, Side.BUY, "100.00") for _ in range(3)]
    await asyncio.gather(*(b.submit(made) for made in resting))
    await b.disconnect()
    with pytest.raises(ConnectionLost):
        await b.cancel_orders(resting)
    await b.connect()
    assert [o.status for o in (await b.snapshot()).orders] == [OrderStatus.ACCEPTED] * 3
    assert events.of_type(OrderCanceled) == []
    await b.disconnect()
