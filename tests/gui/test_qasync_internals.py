"""The private parts of qasync and asyncio that gui/event_loop.py builds on are still there, as it uses them.

EventLoop subclasses qasync.QEventLoop, and reaches into its timer and into asyncio's Handle. These
tests name each such internal, so that a qasync (or Python) release that changes one fails here,
saying what moved, rather than as a hang or a segfault somewhere in the GUI tests. The pin of qasync
in pyproject.toml is the version they passed on; move it only once they pass on the new one.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from gui.event_loop import EventLoop

PIN = "see the qasync pin in pyproject.toml and gui/event_loop.py"


def changed(internal: str, use: str) -> str:
    return f"{internal} changed: gui/event_loop.py {use} ({PIN})"


@pytest.fixture
def loop() -> Iterator[EventLoop]:
    made = EventLoop(QApplication.instance() or QApplication([]))
    yield made
    made.close()


def parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_qasync_loop_call_later_takes_delay_callback_args_and_a_context() -> None:
    P = inspect.Parameter
    assert parameters(qasync.QEventLoop.call_later) == [
        ("self", P.POSITIONAL_OR_KEYWORD, P.empty), ("delay", P.POSITIONAL_OR_KEYWORD, P.empty),
        ("callback", P.POSITIONAL_OR_KEYWORD, P.empty), ("args", P.VAR_POSITIONAL, P.empty),
        ("context", P.KEYWORD_ONLY, None),
    ], changed("qasync.QEventLoop.call_later(delay, callback, *args, context=None)",
               "hands it every callback with a delay")


def test_qasync_loop_keeps_delayed_callbacks_in_its_simple_timer_by_qt_timer_id(loop: EventLoop) -> None:
    timer = getattr(loop, "_timer", None)
    assert isinstance(timer, qasync._SimpleTimer), changed(
        "qasync.QEventLoop._timer (a qasync._SimpleTimer)", "kills its Qt timers when the loop closes")
    assert callable(getattr(timer, "killTimer", None)), changed("qasync._SimpleTimer.killTimer", "calls it in close()")
    pending = getattr(timer, "_SimpleTimer__callbacks", None)
    assert isinstance(pending, dict), changed(
        "qasync._SimpleTimer.__callbacks (a dict by Qt timer id)", "empties it in close()")
    handle = loop.call_later(60, print)
    assert list(pending.values()) == [handle] and all(isinstance(key, int) and key > 0 for key in pending), changed(
        "qasync._SimpleTimer.__callbacks", "expects call_later to register {Qt timer id: handle} there")
    loop.close()
    assert pending == {}, changed("qasync._SimpleTimer.__callbacks", "empties it in close()")


async def test_qasync_reaches_callbacks_from_other_threads_through_call_soon(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, EventLoop)
    through: list[Any] = []
    original = loop.call_soon

    def call_soon(callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:
        through.append(callback)
        return original(callback, *args, context=context)

    monkeypatch.setattr(loop, "call_soon", call_soon)
    ran = asyncio.Event()
    await asyncio.to_thread(loop.call_soon_threadsafe, ran.set)
    await asyncio.wait_for(ran.wait(), 5)
    assert ran.set in through, changed(
        "qasync.QEventLoop.call_soon_threadsafe", "expects it to hand callbacks to self.call_soon (its ready queue)")


def test_asyncio_internals_the_ready_queue_runs_handles_with(loop: EventLoop) -> None:
    handle = asyncio.Handle(print, (), loop, None)
    assert isinstance(getattr(handle, "_cancelled", None), bool), changed(
        "asyncio.Handle._cancelled", "skips a cancelled handle by it")
    assert callable(getattr(handle, "_run", None)), changed("asyncio.Handle._run()", "runs each handle with it")
    assert [name for name, *_ in parameters(asyncio.BaseEventLoop._check_callback)] == [
        "self", "callback", "method"], changed("asyncio.BaseEventLoop._check_callback(callback, method)",
                                                "checks call_soon's callback with it in debug mode")


def test_the_loop_has_asyncio_debug_flag(loop: EventLoop) -> None:
    assert isinstance(getattr(loop, "_debug", None), bool), changed(
        "asyncio.BaseEventLoop._debug", "reads it in call_soon")
