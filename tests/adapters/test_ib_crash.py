"""The app killed (SIGKILL) at each point of the IB order path, restarted on the same data dir, reconciled with
the same TWS: every intent is resolved, and none is resent unless the broker never had it.

The simulator runs in this process and keeps its books across the child's death; the child is
tests/adapters/ib_crash_child.py. "The broker had it" is read from the simulator's books (orders by orderRef).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.ib.adapter import IbBroker
from core.domain import Order, OrderStatus, TradingState
from core.services.bus import EventBus
from core.services.reconciliation import NEVER_SENT, ReconciliationReport
from core.services.replace_resolution import MODIFY_NOT_APPLIED
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.ib_crash_child import (
    ACCOUNT,
    CLIENT_ID,
    MODIFIED_QTY,
    MODIFY_STEP,
    NOT_KILLED,
    CrashPoint,
    ib_config,
)
from tests.sims.tws import TwsSimulator
from tests.sims.tws.orders import SimOrder
from tests.sims.tws.testing import no_decoder_errors

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def decoder_guard() -> Iterator[None]:
    with no_decoder_errors():
        yield


@pytest.fixture
async def sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def kill_child_at(sim: TwsSimulator, data_dir: Path, point: CrashPoint, kind: str) -> None:
    """Run the child until it dies at point; return once the simulator has seen its socket close."""
    command = [sys.executable, "-m", "tests.adapters.ib_crash_child", str(data_dir), str(sim.port), point.value, kind]
    child = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert child.returncode != NOT_KILLED, f"the child was never at {point.value}: {child.stderr[-2000:]}"
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    await until(lambda: CLIENT_ID not in sim.connections, "the simulator to notice the dead client")


@dataclass
class Restarted:
    session: TradingSession
    adapter: IbBroker
    journal: SqliteJournal
    order: Order
    status_before_connect: OrderStatus
    report: ReconciliationReport


@pytest.fixture
async def restart(sim: TwsSimulator, tmp_path: Path) -> AsyncIterator[Callable[[], object]]:
    """Return a coroutine function that starts a new session on the child's data dir and connects it to sim."""
    made: list[Restarted] = []

    async def start() -> Restarted:
        bus = EventBus()
        journal = SqliteJournal(tmp_path / "journal.sqlite")
        session = TradingSession(bus, journal)
        adapter = IbBroker(ACCOUNT, ib_config(sim.port), bus.publish)
        session.add_account(adapter)
        session.restore()
        (order,) = session.oms.orders()
        before = order.status
        report = await session.connect(ACCOUNT)
        made.append(Restarted(session, adapter, journal, order, before, report))
        return made[-1]

    yield start
    for restarted in made:
        await restarted.session.close()
        restarted.journal.close()


def at_ib(sim: TwsSimulator, order: Order) -> list[SimOrder]:
    return [o for o in sim.book.every_order() if o.order_ref == str(order.client_order_id)]


async def still_one_order_after_a_while(sim: TwsSimulator) -> None:
    count = len(sim.book.every_order())
    await asyncio.sleep(0.2)
    assert len(sim.book.every_order()) == count, "nothing was sent after the restart"


@pytest.mark.slow
async def test_killed_after_the_journal_commit_closes_the_intent_unsent(
    sim: TwsSimulator, tmp_path: Path, restart: Callable[[], object]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.AFTER_COMMIT, "market")
    assert sim.book.every_order() == [], "the child died before sending"
    back: Restarted = await restart()  # type: ignore[misc]
    assert back.status_before_connect is OrderStatus.UNKNOWN, "in flight at the crash: shown as UNKNOWN"
    assert back.order.status is OrderStatus.CANCELED and back.order.reason == NEVER_SENT
    assert back.report.ok and back.session.account(ACCOUNT).trading is TradingState.ACTIVE
    await still_one_order_after_a_while(sim)
    assert sim.book.every_order() == [], "IB's books prove it never had the order: it is not resent either"


@pytest.mark.slow
async def test_killed_after_place_order_left_the_socket_adopts_the_fill_once(
    sim: TwsSimulator, tmp_path: Path, restart: Callable[[], object]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.AFTER_SEND, "market")
    back: Restarted = await restart()  # type: ignore[misc]
    (remote,) = at_ib(sim, back.order)
    assert remote.status == "Filled"
    assert back.status_before_connect is OrderStatus.UNKNOWN
    assert back.order.status is OrderStatus.FILLED and back.order.filled_qty == Decimal(20)
    assert back.order.broker_order_id is not None
    position = back.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is not None and position.quantity == Decimal(20)
    assert back.report.ok and back.report.fills_applied == 1
    await still_one_order_after_a_while(sim)
    assert len(at_ib(sim, back.order)) == 1


@pytest.mark.slow
async def test_killed_after_the_ack_before_journaling_it_finds_the_order_working(
    sim: TwsSimulator, tmp_path: Path, restart: Callable[[], object]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.AFTER_ACK, "resting")
    back: Restarted = await restart()  # type: ignore[misc]
    (remote,) = at_ib(sim, back.order)
    assert remote.is_working
    assert back.status_before_connect is OrderStatus.UNKNOWN, "the ack died with the process"
    assert back.order.status is OrderStatus.ACCEPTED and back.order.broker_order_id == str(remote.perm_id)
    assert back.report.ok
    await still_one_order_after_a_while(sim)
    await back.session.cancel(back.order.client_order_id)  # the adopted order is the trader's to control
    await until(lambda: back.order.status is OrderStatus.CANCELED, "the adopted order to cancel")
    assert remote.status == "Cancelled" and len(at_ib(sim, back.order)) == 1


@pytest.mark.slow
async def test_killed_between_partial_fills_books_the_second_fill_once(
    sim: TwsSimulator, tmp_path: Path, restart: Callable[[], object]
) -> None:
    sim.faults.partial_fills = 2
    await kill_child_at(sim, tmp_path, CrashPoint.BETWEEN_PARTIALS, "market")
    journaled = SqliteJournal(tmp_path / "journal.sqlite")
    try:
        assert [f.quantity.value for f in journaled.load().fills] == [Decimal(10)], "one fill journaled at death"
    finally:
        journaled.close()
    back: Restarted = await restart()  # type: ignore[misc]
    (remote,) = at_ib(sim, back.order)
    assert remote.status == "Filled" and remote.filled == Decimal(20)
    assert back.status_before_connect is OrderStatus.PARTIALLY_FILLED
    assert back.order.status is OrderStatus.FILLED and back.order.filled_qty == Decimal(20)
    fills = back.journal.load().fills
    assert sorted(str(f.trade_id) for f in fills) == sorted(e.exec_id for e in sim.book.every_execution())
    assert len(fills) == 2 and back.report.fills_applied == 1
    position = back.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is not None and position.quantity == Decimal(20)
    assert back.report.ok
    await still_one_order_after_a_while(sim)


@pytest.mark.slow
async def test_killed_after_a_cancel_is_journaled_shows_the_order_working_and_cancelable(
    sim: TwsSimulator, tmp_path: Path, restart: Callable[[], object]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.AFTER_CANCEL_COMMIT, "resting")
    back: Restarted = await restart()  # type: ignore[misc]
    (remote,) = at_ib(sim, back.order)
    assert remote.is_working, "the cancel never left the dead process"
    assert back.status_before_connect is OrderStatus.PENDING_CANCEL
    assert back.order.status is OrderStatus.ACCEPTED, "IB still works it: shown as working, not as canceling"
    assert back.report.ok
    await still_one_order_after_a_while(sim)
    await back.session.cancel(back.order.client_order_id)
    await until(lambda: back.order.status is OrderStatus.CANCELED, "the order to cancel")
    assert remote.status == "Cancelled" and len(at_ib(sim, back.order)) == 1


@pytest.mark.slow
async def test_killed_before_a_modify_is_sent_shows_the_old_order_working_and_modifiable(
    sim: TwsSimulator, tmp_path: Path, restart: Callable[[], object]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.MODIFY_BEFORE_SEND, "resting")
    back: Restarted = await restart()  # type: ignore[misc]
    (remote,) = at_ib(sim, back.order)
    assert remote.is_working and remote.quantity == Decimal(20), "the change never left the dead process"
    assert back.status_before_connect is OrderStatus.PENDING_REPLACE
    assert back.order.status is OrderStatus.ACCEPTED, "settled from IB's order, not left changing forever"
    assert back.order.quantity.value == Decimal(20) and back.order.limit_price.value == remote.limit_price  # type: ignore[union-attr]
    assert back.order.reason == MODIFY_NOT_APPLIED
    assert back.report.ok
    await still_one_order_after_a_while(sim)
    await back.session.modify(back.order.client_order_id, MODIFIED_QTY, remote.limit_price - MODIFY_STEP)  # type: ignore[operator]
    assert back.order.quantity.value == remote.quantity == Decimal(MODIFIED_QTY), "it can be modified again"
    assert len(at_ib(sim, back.order)) == 1


@pytest.mark.slow
async def test_killed_after_a_modify_left_the_socket_shows_what_ib_works(
    sim: TwsSimulator, tmp_path: Path, restart: Callable[[], object]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.MODIFY_AFTER_SEND, "resting")
    await until(lambda: any(o.quantity == Decimal(MODIFIED_QTY) for o in sim.book.every_order()),
                "IB to apply the change")
    back: Restarted = await restart()  # type: ignore[misc]
    (remote,) = at_ib(sim, back.order)
    assert remote.is_working and remote.quantity == Decimal(MODIFIED_QTY), "IB applied the change"
    assert back.status_before_connect is OrderStatus.PENDING_REPLACE
    share = back.session.oms.working_index.share(back.order.client_order_id)
    assert back.order.status is OrderStatus.ACCEPTED
    assert back.order.quantity.value == Decimal(MODIFIED_QTY), "TradeTerm shows the 30 IB works, not 20"
    assert back.order.limit_price is not None and back.order.limit_price.value == remote.limit_price
    assert share is not None and share.leaves == Decimal(MODIFIED_QTY), "risk counts what IB works"
    assert back.report.ok
    await still_one_order_after_a_while(sim)
    assert len(at_ib(sim, back.order)) == 1
