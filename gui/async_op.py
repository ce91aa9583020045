"""run_op: the one way a GUI slot awaits the core — disable the control, show progress, report errors."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)
T = TypeVar("T")


class OpReporter(QObject):
    """Where running operations report: the main window shows `busy` in the status bar, `failed` in the log.

    Signals: busy(str text, bool on), failed(str text).
    """

    busy = Signal(str, bool)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running: set[asyncio.Task[Any]] = set()

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
) -> asyncio.Task[T]:
    """Run coro on the loop; `disable` is disabled until it ends; errors go to on_error or the reporter."""
    if disable is not None:
        disable.setEnabled(False)
    reporter.busy.emit(label, True)

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
            reporter.busy.emit(label, False)
            if disable is not None:
                disable.setEnabled(True)

    def on_done(task: asyncio.Task[T]) -> None:
        reporter.running.discard(task)
        if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:  # canceled before it began
            coro.close()
            reporter.busy.emit(label, False)
            if disable is not None:
                disable.setEnabled(True)
        if not task.cancelled():
            task.exception()

    task = asyncio.ensure_future(wrapper())
    reporter.running.add(task)
    task.add_done_callback(on_done)
    return task

