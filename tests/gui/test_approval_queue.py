"""The approval dock over a real queue, session and paper broker: edit then approve, reject, a refused approval."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.domain import OrderRequest, OrderStatus, OrderType, Side
from core.domain.trailing import Trail
from core.services.risk import RiskLimits
from gui.models.approvals import APPROVAL_COLUMNS
from gui.widgets.approval_queue import ApprovalQueueWidget
from tests.unit.approvals_world import ACCOUNT, STRATEGY, World, make_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(tmp_path)
    yield w
    await w.close()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def cell(widget: ApprovalQueueWidget, key: str, row: int = 0) -> str:
    column = [c.key for c in APPROVAL_COLUMNS].index(key)
    return str(widget.model.data(widget.model.index(row, column), Qt.ItemDataRole.DisplayRole))


async def test_edit_then_approve_sends_the_edited_quantity(qtbot: QtBot, world: World) -> None:
    order = await world.queue.intake(world.request(qty="10"), world.signal())
    widget = ApprovalQueueWidget(world.queue)
    qtbot.addWidget(widget)
    widget.select(order.client_order_id)
    assert cell(widget, "quantity") == "10" and cell(widget, "verdict") == "OK"
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    dialog = widget.edit_dialog
    assert dialog is not None and dialog.isVisible()
    said = dialog.headline.text()
    assert said.startswith(f"{order.side.value} 10 {order.symbol} ") and f"on {order.account_id}, from " in said, \
        "the dialog names the order it edits (its title bar is the window manager's, and may not be shown)"
    dialog.quantity_edit.setText("4")
    qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    await until(lambda: "approved" in widget.status_label.text())
    (replacement,) = [o for o in world.session.oms.orders() if o is not order]
    assert replacement.quantity.value == 4 and replacement.status is OrderStatus.FILLED
    assert widget.status_label.text() == (f"{order.side.value} 4 {order.symbol} on {order.account_id} "
                                          f"({replacement.client_order_id}) approved and sent.")
    assert order.status is OrderStatus.CANCELED and str(replacement.client_order_id) in order.reason
    assert widget.model.rowCount() == 0


async def test_reject_asks_a_reason_and_the_strategy_sees_it(qtbot: QtBot, world: World) -> None:
    order = await world.queue.intake(world.request(qty="10"), world.signal())
    widget = ApprovalQueueWidget(world.queue)
    qtbot.addWidget(widget)
    widget.select(order.client_order_id)
    qtbot.mouseClick(widget.reject_button, Qt.MouseButton.LeftButton)
    dialog = widget.reject_dialog
    assert dialog is not None and not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "earnings tomorrow")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert order.status is OrderStatus.DENIED and order.reason == "Rejected by trader: earnings tomorrow"
    assert widget.model.rowCount() == 0 and "rejected" in widget.status_label.text()


async def test_approving_after_the_price_moved_past_the_collar_is_refused_and_the_row_stays(
    qtbot: QtBot, world: World
) -> None:
    order = await world.queue.intake(world.request(price="189.50"), world.signal())
    world.move("AAPL", "199.99", "200.00")
    widget = ApprovalQueueWidget(world.queue)
    qtbot.addWidget(widget)
    widget.select(order.client_order_id)
    assert "collar" in cell(widget, "verdict") and cell(widget, "drift").startswith("+5.")
    qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)
    await until(lambda: "not sent" in widget.status_label.text())
    assert "collar" in widget.status_label.text()
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert widget.model.rowCount() == 1 and "collar" in cell(widget, "attempt")
    assert list((await world.broker.snapshot()).orders) == []


async def test_an_approved_order_the_broker_refuses_at_once_says_so_in_red(qtbot: QtBot, tmp_path: Path) -> None:
    """Approving after hours on Kite said "approved and sent." in black while Kite had refused it."""
    world = await make_world(tmp_path, limits=RiskLimits(collar_pct=Decimal(1), max_order_qty=Decimal(1_000_000)))
    try:
        order = await world.queue.intake(world.request(qty="100000"), world.signal())  # $19M on a $1M paper account
        widget = ApprovalQueueWidget(world.queue)
        qtbot.addWidget(widget)
        widget.select(order.client_order_id)
        qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)
        await until(lambda: "approved" in widget.status_label.text())
        (sent,) = world.session.oms.orders()
        assert sent.status is OrderStatus.REJECTED
        said = widget.status_label.text()
        assert said.startswith(f"BUY 100000 AAPL on {ACCOUNT} ({sent.client_order_id}) approved and sent, then "
                               "rejected: Not enough buying power: Buying 100000 AAPL at about "), said
        assert "E+" not in said and "d93025" in widget.status_label.styleSheet(), "a refusal reads as one, in red"
    finally:
        await world.close()


async def test_auto_approving_strategies_are_marked_visibly(qtbot: QtBot, world: World) -> None:
    widget = ApprovalQueueWidget(world.queue,
                                 auto_approving=lambda: [str(s) for s in world.strategies.auto_approving()])
    qtbot.addWidget(widget)
    assert widget.auto_label.isHidden()
    world.strategies.set_auto_approve(STRATEGY, True)
    widget.refresh()
    assert not widget.auto_label.isHidden() and "momo" in widget.auto_label.text()


async def test_the_approvals_model_passes_the_model_tester(qtmodeltester: object, world: World) -> None:
    await world.queue.intake(world.request(qty="1"), world.signal())
    await world.queue.intake(world.request(qty="2", side=world.request().side.opposite), world.signal())
    widget = ApprovalQueueWidget(world.queue)
    assert widget.model.rowCount() == 2
    qtmodeltester.check(widget.model)  # type: ignore[attr-defined]
    widget.deleteLater()


async def test_a_waiting_trailing_stop_shows_its_trail_and_keeps_it_when_edited_and_approved(
        qtbot: QtBot, world: World) -> None:
    request = OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.TRAIL, trail_amount="0.25")
    order = await world.queue.intake(request, world.signal())
    widget = ApprovalQueueWidget(world.queue)
    qtbot.addWidget(widget)
    widget.select(order.client_order_id)
    assert (cell(widget, "type"), cell(widget, "price")) == ("TRAIL", "trail 0.25")
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    dialog = widget.edit_dialog
    assert dialog is not None and dialog.type_combo.currentText() == "TRAIL"
    dialog.quantity_edit.setText("4")
    qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    await until(lambda: "approved" in widget.status_label.text())
    (replacement,) = [o for o in world.session.oms.orders() if o is not order]
    assert (replacement.order_type, replacement.trail, replacement.quantity.value) == (
        OrderType.TRAIL, Trail(Decimal("0.25")), 4), "the edit changed the quantity, not the trailing stop"
    assert replacement.status is OrderStatus.ACCEPTED
