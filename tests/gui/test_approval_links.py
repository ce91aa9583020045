"""A strategy's OCO pair and OTO in the approval dock: one row each, saying what is linked, approved, edited or
rejected as one (over a real queue, session and paper broker)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.domain import Order, OrderOrigin, OrderStatus
from core.domain.protection import HeldState, Oto
from gui.models.approvals import APPROVAL_COLUMNS
from gui.widgets.approval_queue import ApprovalQueueWidget
from tests.unit.approvals_world import World, make_world


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


async def oco(world: World) -> tuple[Order, Order]:
    ask = world.ask()
    return await world.queue.intake_oco(world.request(price=str(ask - Decimal("0.5"))),
                                        world.request(price=str(ask - 1)), world.signal())


async def test_an_oco_is_one_row_and_approving_it_sends_both(qtbot: QtBot, world: World) -> None:
    first, second = await oco(world)
    widget = ApprovalQueueWidget(world.queue)
    qtbot.addWidget(widget)
    widget.refresh()
    assert widget.model.rowCount() == 1, "the pair waits as one"
    assert str(second.client_order_id) in cell(widget, "link") and "OCO with" in cell(widget, "link")
    widget.select(first.client_order_id)
    qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)
    await until(lambda: "approved" in widget.status_label.text())
    assert first.status is second.status is OrderStatus.ACCEPTED
    assert widget.model.rowCount() == 0


async def test_rejecting_an_oco_row_rejects_both(qtbot: QtBot, world: World) -> None:
    first, second = await oco(world)
    widget = ApprovalQueueWidget(world.queue)
    qtbot.addWidget(widget)
    widget.refresh()
    widget.select(first.client_order_id)
    qtbot.mouseClick(widget.reject_button, Qt.MouseButton.LeftButton)
    dialog = widget.reject_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.reason_edit, "too late in the day")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert first.status is second.status is OrderStatus.DENIED
    assert second.reason == "Rejected by trader: too late in the day" and widget.model.rowCount() == 0


async def test_editing_an_oto_row_keeps_its_exit_held_for_the_edited_entry(qtbot: QtBot, world: World) -> None:
    ask = world.ask()
    entry = await world.queue.intake_oto(world.request(qty="10"), Oto(ask + 1), world.signal())
    widget = ApprovalQueueWidget(world.queue)
    qtbot.addWidget(widget)
    widget.refresh()
    assert f"then OTO limit SELL @ {ask + 1}" in cell(widget, "link")
    widget.select(entry.client_order_id)
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    dialog = widget.edit_dialog
    assert dialog is not None
    dialog.quantity_edit.setText("4")
    qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    await until(lambda: "approved" in widget.status_label.text())
    (edited,) = [o for o in world.session.oms.orders() if o is not entry and o.origin is OrderOrigin.STRATEGY]
    assert edited.quantity.value == 4 and edited.status is OrderStatus.FILLED
    await until(lambda: any(c.entry == edited.client_order_id and c.state is HeldState.TRIGGERED
                            for c in world.session.protection.children()))
    (sent,) = [o for o in world.session.oms.orders() if o.limit_price is not None
               and o.limit_price.value == ask + 1]
    assert sent.quantity.value == 4, "the exit goes for what the edited entry filled"
    assert all(c.state is HeldState.CANCELED for c in world.session.protection.children()
               if c.entry == entry.client_order_id), "the original's exit is not sent"
