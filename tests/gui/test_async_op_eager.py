"""start_eagerly / run_op(eager=True): the order path starts inside the click, and behaves like a Task after."""

from __future__ import annotations

import asyncio

import pytest

from gui.async_op import BUSY_AFTER_S, OpReporter, run_op, start_eagerly


async def test_the_coroutine_runs_up_to_its_first_wait_before_start_eagerly_returns() -> None:
    steps: list[str] = []
    gate = asyncio.get_running_loop().create_future()

    async def send() -> str:
        steps.append("validated, journaled, written to the socket")
        answer = await gate
        steps.append(f"acknowledged: {answer}")
        return "done"

    task = start_eagerly(send())
    assert steps == ["validated, journaled, written to the socket"]  # before any loop turn
    gate.set_result("ACK")
    assert await task == "done"
    assert steps[-1] == "acknowledged: ACK"


async def test_a_coroutine_that_never_waits_gives_a_finished_future() -> None:
    async def quick() -> int:
        return 7

    future = start_eagerly(quick())
    assert future.done() and future.result() == 7


async def test_an_error_before_the_first_wait_reaches_whoever_awaits() -> None:
    async def refused() -> None:
        raise ValueError("quantity: must be greater than zero")

    future = start_eagerly(refused())
    with pytest.raises(ValueError, match="greater than zero"):
        await future


async def test_cancelling_while_it_waits_cancels_the_coroutine_where_it_waits() -> None:
    cleaned: list[str] = []
    never = asyncio.get_running_loop().create_future()

    async def waits() -> None:
        try:
            await never
        finally:
            cleaned.append("finally ran")

    task = start_eagerly(waits())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["finally ran"]
    assert never.cancelled()  # the future it was blocked on was cancelled, as a Task does


async def test_a_coroutine_may_catch_the_cancel_and_go_on_waiting() -> None:
    loop = asyncio.get_running_loop()
    first, second = loop.create_future(), loop.create_future()

    async def stubborn() -> str:
        try:
            await first
        except asyncio.CancelledError:
            return f"unwound after {await second}"
        return "not cancelled"

    task = start_eagerly(stubborn())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0)
    second.set_result("cleanup")
    assert await task == "unwound after cleanup"


async def test_run_op_eager_reports_success_and_re_enables_the_control(qtbot: object) -> None:
    from PySide6.QtWidgets import QPushButton

    reporter = OpReporter()
    button = QPushButton("Send")
    results: list[str] = []
    gate = asyncio.get_running_loop().create_future()

    async def submit() -> str:
        results.append("sent")
        return str(await gate)

    task = run_op(reporter, "Send order", submit(), disable=button, on_success=results.append, eager=True)
    assert results == ["sent"] and not button.isEnabled()
    gate.set_result("ACCEPTED")
    await task
    assert results == ["sent", "ACCEPTED"] and button.isEnabled()
    assert not reporter.running


def _send_until_answered() -> tuple[list[tuple[str, bool]], asyncio.Future[str], asyncio.Future[str]]:
    """Start an eager "Send order" that waits for its gate; return what the status bar was told, the gate, the op."""
    reporter = OpReporter()
    said: list[tuple[str, bool]] = []
    reporter.busy.connect(lambda text, on: said.append((text, on)))
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def submit() -> str:
        return str(await gate)

    return said, gate, run_op(reporter, "Send order", submit(), eager=True)


async def test_a_send_answered_at_once_never_flashes_busy_in_the_status_bar() -> None:
    said, gate, task = _send_until_answered()
    await asyncio.sleep(0.005)  # the broker's answer, milliseconds after the click
    gate.set_result("ACCEPTED")
    assert await task == "ACCEPTED"
    await asyncio.sleep(BUSY_AFTER_S * 2)
    assert said == []


async def test_a_send_still_waiting_says_so_in_the_status_bar_until_it_is_answered() -> None:
    said, gate, task = _send_until_answered()
    while not said:
        await asyncio.sleep(0.01)
    assert said == [("Send order", True)]
    gate.set_result("ACCEPTED")
    await task
    assert said == [("Send order", True), ("Send order", False)]


async def test_the_first_step_runs_as_the_returned_task_even_from_a_plain_callback() -> None:
    """A Qt slot runs outside any task; the OANDA and Alpaca clients' aiohttp timeouts need one in the first step."""
    loop = asyncio.get_running_loop()
    seen: list[asyncio.Task[object] | None] = []

    async def send() -> str:
        seen.append(asyncio.current_task())
        async with asyncio.timeout(5):
            await asyncio.sleep(0)
        return "sent"

    started: asyncio.Future[asyncio.Future[str]] = loop.create_future()
    loop.call_soon(lambda: started.set_result(start_eagerly(send())))
    task = await started
    assert await task == "sent"
    assert seen == [task]


async def test_inside_a_task_the_first_step_runs_as_its_own_task_and_the_caller_is_current_again() -> None:
    caller = asyncio.current_task()
    seen: list[asyncio.Task[object] | None] = []
    gate = asyncio.get_running_loop().create_future()

    async def send() -> None:
        seen.append(asyncio.current_task())
        await gate

    task = start_eagerly(send())
    assert seen == [task] and asyncio.current_task() is caller
    gate.set_result(None)
    await task
