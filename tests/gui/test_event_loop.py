"""The application's event loop: callbacks due now run in order, a batch per Qt timer event, and never starve Qt."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QEventLoop as QtEventLoop
from PySide6.QtCore import QObject, QTimer

from gui.event_loop import EventLoop


async def _until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "gave up waiting"
        await asyncio.sleep(0.005)


async def test_the_tests_and_the_application_run_on_the_same_loop() -> None:
    assert isinstance(asyncio.get_running_loop(), EventLoop)


async def test_callbacks_due_now_run_in_the_order_they_were_queued_and_a_cancelled_one_not_at_all() -> None:
    loop = asyncio.get_running_loop()
    ran: list[str] = []
    loop.call_soon(ran.append, "a")
    loop.call_later(0, ran.append, "b")  # due now: the same queue, as qasync has it
    doomed = loop.call_soon(ran.append, "cancelled")
    loop.call_soon(ran.append, "c")
    loop.call_at(loop.time() - 1, ran.append, "d")  # overdue
    doomed.cancel()
    await _until(lambda: len(ran) == 4)
    assert ran == ["a", "b", "c", "d"]


async def test_a_callback_that_queues_itself_forever_does_not_starve_qt_events() -> None:
    loop = asyncio.get_running_loop()
    spins = 0
    spinning = True

    def spin() -> None:
        nonlocal spins
        spins += 1
        if spinning:
            loop.call_soon(spin)

    context = QObject()
    fired: list[int] = []
    loop.call_soon(spin)
    QTimer.singleShot(0, context, lambda: fired.append(spins))  # a Qt event: it must get its turn
    try:
        await _until(lambda: bool(fired) and spins > fired[0] + 10)
    finally:
        spinning = False
    assert fired and fired[0] < spins  # Qt ran its timer while the chain was still going


async def test_a_failing_callback_goes_to_the_exception_handler_and_the_others_still_run() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    ran: list[str] = []

    def fail() -> None:
        raise RuntimeError("boom")

    try:
        loop.call_soon(ran.append, "before")
        loop.call_soon(fail)
        loop.call_soon(ran.append, "after")
        await _until(lambda: len(ran) == 2)
    finally:
        loop.set_exception_handler(None)
    assert ran == ["before", "after"]
    assert [str(context["exception"]) for context in errors] == ["boom"]


async def test_tasks_keep_running_while_a_callback_holds_a_nested_qt_event_loop() -> None:
    loop = asyncio.get_running_loop()
    ticks = 0
    ticks_during_nested: list[int] = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    def modal() -> None:  # stands for a modal dialog opened from a callback
        nested = QtEventLoop()
        context = QObject()
        start = ticks
        QTimer.singleShot(200, context, nested.quit)
        nested.exec()
        ticks_during_nested.append(ticks - start)

    task = asyncio.ensure_future(ticker())
    try:
        await asyncio.sleep(0)
        loop.call_soon(modal)
        await _until(lambda: bool(ticks_during_nested))
    finally:
        task.cancel()
    assert ticks_during_nested[0] > 10  # the ticker task ran inside the nested loop


def test_a_closed_loop_runs_nothing_it_still_had_queued() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    loop = EventLoop(app)
    ran: list[str] = []
    loop.call_soon(ran.append, "never")
    loop.call_later(0.01, ran.append, "never either")
    loop.close()
    deadline = QTimer()
    deadline.setSingleShot(True)
    nested = QtEventLoop()
    deadline.timeout.connect(nested.quit)
    deadline.start(50)
    nested.exec()  # Qt fires whatever timers are still registered
    assert ran == []
    assert loop.is_closed()
