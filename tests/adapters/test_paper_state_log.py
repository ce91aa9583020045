"""The paper account's books on disk as a snapshot plus a change log: a reopened account is the same account.

Reopening compares everything the paper broker keeps (the snapshot it writes on a clean close is the
reference), after a clean close, after a crash (the log replayed), with a torn or corrupt log, past the
compaction bound, and after a crash between a new snapshot and its new log. The SIGKILL tests run the
account in a child process (tests/adapters/paper_crash_child.py) and kill it in its event sink.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.adapters.paper import state_log, state_store
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.adapters.paper.state_log import LogWriter
from core.domain import AccountId, Instrument, Order, OrderStatus, OrderSubmitted, OrderType, Quote, Side, TimeInForce
from core.ports.broker import BrokerSnapshot
from tests.adapters.contract import EventRecorder
from tests.adapters.paper_crash_child import ACCOUNT as CHILD_ACCOUNT
from tests.adapters.paper_crash_child import NOT_KILLED, SYMBOL, paper_config
from tests.factories import make_order

ACCOUNT = AccountId("PAPER-LOG")
ROOT = Path(__file__).resolve().parents[2]


def open_paper(path: Path, events: EventRecorder | None = None) -> PaperBroker:
    """A paper account on path whose market does not tick during a test (its state stays put)."""
    config = PaperConfig(tick_interval_s=60, state_path=str(path))
    return PaperBroker(ACCOUNT, config, events if events is not None else EventRecorder())


def aapl(b: PaperBroker) -> Instrument:
    return next(i for i in b.instruments() if i.symbol == "AAPL")


def order(b: PaperBroker, side: Side, limit: str | None, qty: str = "1", tif: TimeInForce = TimeInForce.DAY) -> Order:
    kind = OrderType.MARKET if limit is None else OrderType.LIMIT
    made = make_order(aapl(b), side=side, quantity=qty, order_type=kind, limit_price=limit, tif=tif, account_id=ACCOUNT)
    made.apply(OrderSubmitted(made.client_order_id))
    return made


def books_on_disk(path: Path) -> dict[str, Any]:
    """The snapshot at path, less the id of the log that continues it."""
    document: dict[str, Any] = json.loads(path.read_text())
    document.pop("log_id")
    return document


def log_lines(path: Path) -> list[str]:
    return Path(str(path) + ".log").read_text().splitlines()


async def trade_a_lot(b: PaperBroker, resting: int = 40) -> list[Order]:
    """Rest, fill, modify and cancel orders (resting > 20); return the resting ones still working."""
    await b.connect()
    buys = [order(b, Side.BUY, "100.00", qty=str(1 + k % 3), tif=TimeInForce.GTC if k % 2 else TimeInForce.DAY)
            for k in range(resting)]
    for made in buys:
        await b.submit(made)
    sells = [order(b, Side.SELL, "900.00") for _ in range(5)]
    for made in sells:
        await b.submit(made)
    for _ in range(3):
        await b.submit(order(b, Side.BUY, None, qty="7"))
    for made in buys[:10]:
        await b.modify(made, aapl(b).make_qty(5), aapl(b).make_price("101.50"), None)
    await b.modify(buys[10], aapl(b).make_qty(2), aapl(b).make_price("900.00"), None)  # marketable: fills
    for made in buys[11:20]:
        await b.cancel(made)
    await b.cancel(sells[0])
    return buys[20:] + sells[1:]


def assert_same_account(before: BrokerSnapshot, after: BrokerSnapshot) -> None:
    assert after.cash == before.cash
    assert after.positions == before.positions
    assert after.orders == before.orders
    assert after.fills == before.fills


async def test_a_closed_and_reopened_account_has_the_same_orders_fills_cash_and_positions(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await trade_a_lot(first)
    before = await first.snapshot()
    await first.disconnect()
    closed = books_on_disk(path)
    assert len(log_lines(path)) == 1, "a clean close leaves an empty log (its header only)"

    second = open_paper(path)
    await second.connect()
    assert_same_account(before, await second.snapshot())
    assert books_on_disk(path) == closed
    assert {o.status for o in before.orders} >= {OrderStatus.ACCEPTED, OrderStatus.FILLED, OrderStatus.CANCELED}
    assert len(before.fills) == 4 and before.positions[0].quantity == 23
    await second.disconnect()


async def test_an_account_reopened_without_a_close_replays_its_log_to_the_same_books(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    working = await trade_a_lot(first)
    before = await first.snapshot()
    assert books_on_disk(path)["orders"] == [], "every change since opening is in the log only"
    assert len(log_lines(path)) > 60

    second = open_paper(path)
    replayed = books_on_disk(path)
    await second.connect()
    assert_same_account(before, await second.snapshot())
    await first.disconnect()
    assert replayed == books_on_disk(path)

    await second.cancel(working[0])
    again = order(second, Side.BUY, None)
    await second.submit(again)
    after = await second.snapshot()
    assert after.fills[-1].trade_id == "PAPER-LOG-T000005"
    assert after.orders[-1].client_order_id == again.client_order_id
    await second.disconnect()


async def test_a_torn_last_line_is_ignored_with_a_warning_and_its_change_is_absent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await first.connect()
    kept, torn = order(first, Side.BUY, "100.00"), order(first, Side.BUY, "100.00")
    await first.submit(kept)
    await first.submit(torn)
    log = Path(str(path) + ".log")
    log.write_bytes(log.read_bytes()[:-40])

    with caplog.at_level(logging.WARNING):
        second = open_paper(path)
    assert "ignored its last line" in caplog.text and "paper.json.log" in caplog.text
    await second.connect()
    orders = (await second.snapshot()).orders
    assert [(o.client_order_id, o.broker_order_id) for o in orders] == [(kept.client_order_id, "PAPER-LOG-O000001")]
    later = order(second, Side.BUY, "100.00")
    await second.submit(later)
    assert (await second.snapshot()).orders[-1].broker_order_id == "PAPER-LOG-O000002"
    await second.disconnect()
    await first.disconnect()


async def test_a_corrupt_line_inside_the_log_is_refused_naming_the_file_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await first.connect()
    for _ in range(3):
        await first.submit(order(first, Side.BUY, "100.00"))
    log = Path(str(path) + ".log")
    lines = log.read_text().splitlines(keepends=True)
    lines[2] = '{"seq":2,"orders":[{"client_order_id"\n'
    log.write_text("".join(lines))

    with pytest.raises(ValueError, match=r"paper\.json\.log cannot be used \(line 3: .*\)\. Move it aside") as refused:
        open_paper(path)
    assert "start the paper account afresh" in str(refused.value)
    await first.disconnect()


async def test_the_log_is_compacted_past_its_bound_and_never_grows_beyond_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_store, "MIN_LINES_BEFORE_COMPACTION", 5)
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await first.connect()
    working = order(first, Side.BUY, "100.00")
    await first.submit(working)
    sizes = []
    for k in range(12):
        await first.modify(working, aapl(first).make_qty(2 + k), aapl(first).make_price("100.00"), None)
        sizes.append(len(log_lines(path)) - 1)
    assert max(sizes) <= 5 and 0 in sizes
    assert int(books_on_disk(path)["orders"][0]["quantity"]) > 1, "the snapshot was rewritten with the changes"
    before = await first.snapshot()

    second = open_paper(path)
    await second.connect()
    assert_same_account(before, await second.snapshot())
    assert (await second.snapshot()).orders[0].quantity == 13
    await second.disconnect()
    await first.disconnect()


async def test_compactions_reuse_what_the_log_wrote_yet_leave_every_order_and_fill_as_it_is_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_store, "MIN_LINES_BEFORE_COMPACTION", 3)  # compact every few changes
    monkeypatch.setattr(state_store, "LINES_PER_ITEM", 0)
    encoded: list[str] = []
    encode = state_store.encode_order
    monkeypatch.setattr(state_store, "encode_order", lambda o: (encoded.append(o.client_order_id), encode(o))[1])
    path = tmp_path / "paper.json"
    first = open_paper(path)
    still = await trade_a_lot(first)  # rests, fills, modifies and cancels, across several compactions
    encoded.clear()
    for made in still[:6]:
        await first.cancel(made)  # each cancel lands in a save that may compact
    await first.submit(order(first, Side.BUY, None, qty="2"))  # and a fill
    before = await first.snapshot()
    assert 0 < len(encoded) <= 7 * 2, "a compaction encodes the orders changed since the last save, not all"

    second = open_paper(path)  # the first is not closed: what is on disk is compaction and log only
    await second.connect()
    assert_same_account(before, await second.snapshot())
    assert sum(o.status is OrderStatus.CANCELED for o in before.orders) >= 16
    await second.disconnect()
    await first.disconnect()


async def test_after_a_failed_write_the_next_change_saves_the_whole_books(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await first.connect()
    await first.submit(order(first, Side.BUY, None))
    Path(str(path) + ".log").unlink()
    unsaved = order(first, Side.BUY, None)
    with pytest.raises(FileNotFoundError, match=r"paper\.json\.log"):
        await first.submit(unsaved)
    await first.submit(order(first, Side.BUY, "100.00"))
    before = await first.snapshot()
    assert len(before.fills) == 2

    second = open_paper(path)
    await second.connect()
    assert_same_account(before, await second.snapshot())
    await second.disconnect()
    await first.disconnect()


async def test_a_write_cut_short_leaves_no_partial_line_and_reports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "paper.json"
    events = EventRecorder()
    first = open_paper(path, events)
    await first.connect()
    kept = order(first, Side.BUY, "100.00")
    await first.submit(kept)
    whole_log = Path(str(path) + ".log").read_bytes()

    def disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device (simulated)")

    told = len(events.events)
    with monkeypatch.context() as patched:
        patched.setattr(state_log, "_write_all", disk_full)
        with pytest.raises(OSError, match="No space left"):
            await first.submit(order(first, Side.BUY, "100.00"))
    assert events.events[told:] == [], "a change not written is not reported"
    assert Path(str(path) + ".log").read_bytes() == whole_log, "the half-written line was cut back off"

    with caplog.at_level(logging.WARNING):
        second = open_paper(path)
    assert "ignored its last line" not in caplog.text
    await second.connect()
    assert [o.client_order_id for o in (await second.snapshot()).orders] == [kept.client_order_id]
    await second.disconnect()
    await first.disconnect()


class SimulatedCrash(Exception):
    pass


async def test_a_crash_between_the_new_snapshot_and_the_new_log_replays_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await trade_a_lot(first, resting=24)
    before = await first.snapshot()
    changes = len(log_lines(path)) - 1

    def crash(*_: object) -> None:
        raise SimulatedCrash

    with monkeypatch.context() as patched:
        patched.setattr(LogWriter, "start", crash)
        with pytest.raises(SimulatedCrash):
            await first.disconnect()
    assert len(log_lines(path)) - 1 == changes, "the old log, every change in it, is still there"
    snapshot_written = books_on_disk(path)
    assert len(snapshot_written["fills"]) == len(before.fills)

    second = open_paper(path)
    assert books_on_disk(path) == snapshot_written
    await second.connect()
    assert_same_account(before, await second.snapshot())
    await second.disconnect()


async def test_an_old_single_file_state_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await trade_a_lot(first, resting=24)
    before = await first.snapshot()
    await first.disconnect()
    old = books_on_disk(path)
    old["version"] = 1
    path.write_text(json.dumps(old, indent=1))
    Path(str(path) + ".log").unlink()

    second = open_paper(path)
    assert json.loads(path.read_text())["version"] == 2
    await second.connect()
    assert_same_account(before, await second.snapshot())
    await second.disconnect()


async def test_a_stop_limit_triggered_by_the_market_stays_triggered_after_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    events = EventRecorder()
    first = PaperBroker(ACCOUNT, PaperConfig(tick_interval_s=0.005, state_path=str(path)), events)
    await first.subscribe([aapl(first)])
    await first.connect()
    quote = await events.wait_for(Quote)
    assert quote.ask is not None
    stop = make_order(aapl(first), order_type=OrderType.STOP_LIMIT, limit_price="1.00",
                      stop_price=str(quote.ask + aapl(first).tick_size), account_id=ACCOUNT)
    stop.apply(OrderSubmitted(stop.client_order_id))
    await first.submit(stop)
    deadline = asyncio.get_running_loop().time() + 10
    while '"triggered":true' not in Path(str(path) + ".log").read_text():
        assert asyncio.get_running_loop().time() < deadline, "the stop never triggered, or its trigger was not saved"
        await asyncio.sleep(0.01)
    assert [o.status for o in (await first.snapshot()).orders] == [OrderStatus.ACCEPTED], "it triggered, not filled"

    open_paper(path)
    reopened = books_on_disk(path)["orders"]
    assert [(o["triggered"], o["resting"], o["status"]) for o in reopened] == [(True, True, "ACCEPTED")]
    await first.disconnect()


def restored_bid(told: dict[str, Any], tick: Decimal) -> Decimal:
    """The bid a market restarted from the child's last quote shows at once (its mid, one tick wide)."""
    bid, ask = Decimal(told["quote"]["bid"]), Decimal(told["quote"]["ask"])
    return bid + ((ask - bid) / tick // 2) * tick


@pytest.mark.parametrize("point", ["ack", "tick_fill"])
async def test_a_sigkill_right_after_the_app_is_told_loses_nothing_it_was_told(tmp_path: Path, point: str) -> None:
    path = tmp_path / "paper.json"
    command = [sys.executable, "-m", "tests.adapters.paper_crash_child", str(path), point]
    child = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert child.returncode != NOT_KILLED, f"the child never reached {point}: {child.stderr[-2000:]}"
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    told = json.loads(child.stdout)

    events = EventRecorder()
    reopened = PaperBroker(CHILD_ACCOUNT, paper_config(str(path)), events)
    instrument = next(i for i in reopened.instruments() if i.symbol == SYMBOL)
    await reopened.subscribe([instrument])
    await reopened.connect()
    first_quote = events.of_type(Quote)[0]
    books = await reopened.snapshot()
    await reopened.disconnect()

    orders = {o.client_order_id: o for o in books.orders}
    assert set(told["accepted"]) <= set(orders)
    fills = {(f.trade_id, f.client_order_id, str(f.quantity.value), str(f.price.value)) for f in books.fills}
    assert {(f["trade_id"], f["client_order_id"], f["quantity"], f["price"]) for f in told["fills"]} <= fills
    for coid in told["accepted"]:
        told_filled = sum(Decimal(f["quantity"]) for f in told["fills"] if f["client_order_id"] == coid)
        assert orders[coid].filled_qty >= told_filled
        if point == "ack":
            assert orders[coid].filled_qty == told_filled
    if point == "ack":
        assert {money.currency: str(money.amount) for money in books.cash} == told["cash"]
    assert first_quote.bid == restored_bid(told, instrument.tick_size), "the market restarts where it stopped"



async def test_an_account_reopened_without_a_close_has_the_market_levels_of_its_last_change(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    first = open_paper(path)
    await first.connect()
    market = first._market  # its timer is off here (tick_interval_s=60): the test moves it
    start = dict(market.mids())
    for _ in range(5):
        market.step()
        await first.submit(order(first, Side.BUY, "100.00"))
    market.roll_day()
    await first.submit(order(first, Side.BUY, "100.00"))
    moved = dict(market.mids())
    closes = {symbol: market.quote(symbol).close for symbol in market.symbols}  # today's last, since the roll
    assert moved != start and dict(market.closes()) == closes

    second = open_paper(path)  # the log replayed
    await second.connect()
    assert dict(second._market.mids()) == moved
    assert dict(second._market.closes()) == closes
    await second.disconnect()
    await first.disconnect()
