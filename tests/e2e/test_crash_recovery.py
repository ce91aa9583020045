"""A process killed around the send: the order is UNKNOWN on restart, reconciled, never lost or resent;
killed around a cancel: the order the broker still works shows as working, and cancels."""

from __future__ import annotations

import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.domain import (
    OrderCanceled,
    OrderCancelRejected,
    OrderModified,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderRequest,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    OrderUnknown,
    Price,
    Side,
)
from core.services.bus import EventBus
from core.services.reconciliation import CANCEL_UNANSWERED, NEVER_SENT
from core.services.replace_resolution import MODIFY_NOT_APPLIED
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.e2e.crash_child import ACCOUNT, paper_config

ROOT = Path(__file__).resolve().parents[2]


def run_child(data_dir: Path, moment: str) -> None:
    child = subprocess.run(
        [sys.executable, "-m", "tests.e2e.crash_child", str(data_dir), moment],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr


async def restart(data_dir: Path) -> tuple[TradingSession, PaperBroker, list[OrderStatus]]:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(data_dir / "journal.sqlite"))
    broker = PaperBroker(ACCOUNT, paper_config(data_dir), bus.publish)
    session.add_account(broker)
    session.restore()
    statuses_before_connect = [o.status for o in session.oms.orders()]
    return session, broker, statuses_before_connect


@pytest.mark.slow
async def test_killed_between_commit_and_send_shows_unknown_then_is_closed_without_resending(tmp_path: Path) -> None:
    run_child(tmp_path, "before")
    session, broker, statuses = await restart(tmp_path)
    assert statuses == [OrderStatus.UNKNOWN], "the trader sees the in-flight order as UNKNOWN, not lost"
    report = await session.connect(ACCOUNT)
    try:
        (order,) = session.oms.orders()
        assert order.status is OrderStatus.CANCELED
        assert order.reason == NEVER_SENT
        assert [type(e) for e in order.events] == [OrderSubmitted, OrderUnknown, OrderCanceled]
        snapshot = await broker.snapshot()
        assert snapshot.orders == () and snapshot.positions == (), "nothing was resent to the broker"
        assert report.ok
    finally:
        await session.close()
        session.journal.close()


@pytest.mark.slow
async def test_killed_after_send_before_the_ack_is_journaled_adopts_the_broker_state_once(tmp_path: Path) -> None:
    run_child(tmp_path, "after")
    session, broker, statuses = await restart(tmp_path)
    assert statuses == [OrderStatus.UNKNOWN]
    report = await session.connect(ACCOUNT)
    try:
        (order,) = session.oms.orders()
        assert order.status is OrderStatus.FILLED
        assert order.filled_qty == Decimal(10)
        snapshot = await broker.snapshot()
        assert len(snapshot.orders) == 1, "the broker got the order exactly once"
        position = session.portfolio.position(ACCOUNT, "AAPL")
        assert position is not None and position.quantity == Decimal(10)
        assert report.ok and report.fills_applied == 1
    finally:
        await session.close()
        session.journal.close()


@pytest.mark.slow
async def test_killed_after_a_cancel_is_journaled_shows_the_order_working_and_cancelable(tmp_path: Path) -> None:
    run_child(tmp_path, "cancel")
    session, broker, statuses = await restart(tmp_path)
    assert statuses == [OrderStatus.PENDING_CANCEL], "the journal kept the cancel intent"
    report = await session.connect(ACCOUNT)
    try:
        (order,) = session.oms.orders()
        (remote,) = (await broker.snapshot()).orders
        assert remote.status is OrderStatus.ACCEPTED, "the cancel never left the dead process"
        assert order.status is OrderStatus.ACCEPTED, "the broker still works it: shown as working, not as canceling"
        assert order.reason == CANCEL_UNANSWERED and isinstance(order.events[-1], OrderCancelRejected)
        assert report.ok
        await session.cancel(order.client_order_id)
        assert order.status is OrderStatus.CANCELED
        (remote,) = (await broker.snapshot()).orders
        assert remote.status is OrderStatus.CANCELED
    finally:
        await session.close()
        session.journal.close()


@pytest.mark.slow
async def test_a_cancel_of_this_process_is_left_to_the_brokers_answer_on_reconnect(tmp_path: Path) -> None:
    session, broker, _ = await restart(tmp_path)
    await session.connect(ACCOUNT)
    try:
        order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, "181.00"))
        session.oms.apply(OrderPendingCancel(order.client_order_id))  # asked by this process, answer still to come
        await session.disconnect(ACCOUNT)
        await session.connect(ACCOUNT)
        assert order.status is OrderStatus.PENDING_CANCEL, "only a dead process's cancel is put back"
        (remote,) = (await broker.snapshot()).orders
        assert remote.status is OrderStatus.ACCEPTED, "the reconnect asked the broker about it, and it still works"
    finally:
        await session.close()
        session.journal.close()


@pytest.mark.slow
async def test_killed_before_a_modify_reaches_the_broker_shows_the_old_order_working_and_modifiable(
    tmp_path: Path,
) -> None:
    run_child(tmp_path, "modify_before")
    session, broker, statuses = await restart(tmp_path)
    assert statuses == [OrderStatus.PENDING_REPLACE], "the journal kept the change asked"
    (order,) = session.oms.orders()
    share = session.oms.working_index.share(order.client_order_id)
    assert share is not None and share.leaves == Decimal(20), "risk counts the larger of old and new while unresolved"
    report = await session.connect(ACCOUNT)
    try:
        (remote,) = (await broker.snapshot()).orders
        assert (remote.quantity, remote.limit_price) == (Decimal(10), Decimal("181.00")), "the change never left"
        assert order.status is OrderStatus.ACCEPTED, "settled from the broker's order, not left changing forever"
        assert (order.quantity.value, order.limit_price) == (Decimal(10), Price("181.00"))
        assert order.reason == MODIFY_NOT_APPLIED and isinstance(order.events[-1], OrderModifyRejected)
        assert session.oms.working_index.share(order.client_order_id).leaves == Decimal(10)  # type: ignore[union-attr]
        assert report.ok
        await session.modify(order.client_order_id, "20", "180.50")
        assert order.quantity.value == Decimal(20)
        (remote,) = (await broker.snapshot()).orders
        assert remote.quantity == Decimal(20), "it could be modified again"
    finally:
        await session.close()
        session.journal.close()


@pytest.mark.slow
async def test_killed_after_the_broker_applied_a_modify_shows_the_brokers_quantity_and_price(
    tmp_path: Path,
) -> None:
    run_child(tmp_path, "modify_after")
    session, broker, statuses = await restart(tmp_path)
    assert statuses == [OrderStatus.PENDING_REPLACE]
    report = await session.connect(ACCOUNT)
    try:
        (order,) = session.oms.orders()
        (remote,) = (await broker.snapshot()).orders
        assert (remote.quantity, remote.limit_price) == (Decimal(20), Decimal("180.50")), "the broker applied it"
        assert order.status is OrderStatus.ACCEPTED
        assert (order.quantity.value, order.limit_price) == (Decimal(20), Price("180.50")), \
            "TradeTerm shows what the broker works"
        assert isinstance(order.events[-1], OrderModified)
        share = session.oms.working_index.share(order.client_order_id)
        assert share is not None and share.leaves == Decimal(20), "risk counts the 20 the broker works"
        assert report.ok
    finally:
        await session.close()
        session.journal.close()
