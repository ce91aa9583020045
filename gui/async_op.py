"""run_op: the one way a GUI slot awaits the core — disable the control, show progress, report errors."""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from core.services.first_step import resume

log = logging.getLogger(__name__)
T = TypeVar("T")
BUSY_AFTER_S = 0.1
"""How long an eager operation runs before the status bar says so: a send the broker answers in milliseconds
never flashes "Send order…" (shown and cleared, the bar painted twice for every order: some 0.3 ms of an IB
click's CPU in bench/click_to_wire), a slower one still says it is running before a trader could wonder."""


class OpReporter(QObject):
    """Where running operations report: the main window shows `busy` in the status bar, `failed` in the log.

    Signals: busy(str text, bool on), failed(str text).
    """

    busy = Signal(str, bool)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running: set[asyncio.Future[Any]] = set()

    async def cancel_all(self) -> None:
        """Cancel every operation still running and wait for them to unwind (the window is closing)."""
        tasks = list(self.running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def run_op(
    reporter: OpReporter,
    label: str,
    coro: Coroutine[Any, Any, T],
    disable: QWidget | None = None,
    on_success: Callable[[T], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    eager: bool = False,
) -> asyncio.Future[T]:
    """Run coro on the loop; `disable` is disabled until it ends; errors go to on_error or the reporter.

    With `eager`, coro runs now, inside the calling slot, up to its first real wait (see start_eagerly):
    an order reaches the broker's socket before Qt repaints anything, and the status bar says "busy" only if it
    is still running BUSY_AFTER_S later. on_success or on_error may then be called before run_op returns.
    """
    if disable is not None:
        disable.setEnabled(False)
    busy = False

    def show_busy() -> None:
        nonlocal busy
        busy = True
        reporter.busy.emit(label, True)

    if not eager:
        show_busy()

    async def wrapper() -> T:
        try:
            result = await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("%s failed: %s", label, exc)
            if on_error is not None:
                on_error(exc)
            else:
                reporter.failed.emit(f"{label} failed: {exc}")
            raise
        else:
            if on_success is not None:
                on_success(result)
            return result
        finally:
            if busy:
                reporter.busy.emit(label, False)
            if disable is not None:
                disable.setEnabled(True)

    later: asyncio.TimerHandle | None = None

    def on_done(task: asyncio.Future[T]) -> None:
        reporter.running.discard(task)
        if later is not None:
            later.cancel()
        if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:  # canceled before it began
            coro.close()
            if busy:
                reporter.busy.emit(label, False)
            if disable is not None:
                disable.setEnabled(True)
        if not task.cancelled():
            task.exception()

    task = start_eagerly(wrapper()) if eager else asyncio.ensure_future(wrapper())
    if eager and not task.done():
        later = asyncio.get_event_loop().call_later(BUSY_AFTER_S, lambda: None if task.done() else show_busy())
    reporter.running.add(task)
    task.add_done_callback(on_done)
    return task


def start_eagerly(coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """Run coro now up to its first suspension, then finish it in a Task; return that Task (or a done Future).

    Python 3.12's eager tasks, for 3.11: a plain Task would first wait for the event loop's next turn,
    which under Qt comes after pending repaints. The Task resumes coro exactly where it stopped: it
    waits on the future coro is blocked on and then passes on every send and throw (cancellation too).

    The first step runs as that Task (`asyncio.current_task()` is it), as an eager task's does: code
    that needs its task there (`asyncio.timeout`, aiohttp's timeouts, so the OANDA and Alpaca clients)
    works, and a timeout cancels this Task, not whichever task (if any) called start_eagerly.
    Automatic garbage collection waits until that first step is over (gc_paused): an order's bytes go out
    before a collection its allocations may have become due for.
    """
    loop = asyncio.get_event_loop()
    first_wait: list[Any] = []

    async def rest() -> T:
        return await resume(coro, first_wait[0])

    task = loop.create_task(rest())  # its first step comes on a later turn, after the one below
    caller = asyncio.tasks.current_task(loop)
    if caller is not None:
        asyncio.tasks._leave_task(loop, caller)
    asyncio.tasks._enter_task(loop, task)
    try:
        with gc_paused():
            first_wait.append(coro.send(None))
    except StopIteration as stop:
        done = _instead_of(task)
        done.set_result(stop.value)
        return done
    except asyncio.CancelledError:
        done = _instead_of(task)
        done.cancel()
        return done
    except Exception as exc:  # handed to whoever awaits the future, as a Task would
        done = _instead_of(task)
        done.set_exception(exc)
        return done
    finally:
        asyncio.tasks._leave_task(loop, task)
        if caller is not None:
            asyncio.tasks._enter_task(loop, caller)
    return task


def _instead_of(task: asyncio.Task[T]) -> asyncio.Future[T]:
    """Drop the Task a coroutine finished without (it never ran a step); return a new future to settle instead."""
    task.cancel()
    return task.get_loop().create_future()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off automatic garbage collection inside the block (a collection falls due after it, at the next
    allocation); leave the collector as it was (off until the first paint, see gui/app.py)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()

