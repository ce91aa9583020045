"""TurnTrace: name what ran in each long stretch of the GUI thread between two heartbeats.

For a bench that measures stalls with bench/qtprobe.Heartbeat: `TurnTrace.install()` (before the window is
made) times, by the GUI thread's CPU, every batch of asyncio callbacks the ready queue runs (gui/event_loop.py),
every callback in it (each resumed task, each done callback), every delayed callback qasync runs, and every
frame-flusher pass and turn. `attach(heartbeat)` then keeps, at each beat whose CPU stretch exceeds `over_ms`,
what ran in the stretch, in order; `report()` prints them, the longest stretch first: each pass of a timer with
its CPU and its dearest parts, and between two of them the CPU nothing traced covers (Qt's own events and
paints, the probe).

The timing costs about 2 µs a callback: a profile, not a measurement to compare.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bench.qtprobe import Heartbeat

Name = Callable[[], str]


def _task_name(task: Any) -> str:
    """The task's coroutine and where its innermost await waits (file:line)."""
    coro = task.get_coro()
    where = coro
    while (inner := getattr(where, "cr_await", None)) is not None and hasattr(inner, "cr_frame"):
        where = inner
    frame = getattr(where, "cr_frame", None)
    at = "" if frame is None else f" @{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"
    return f"task {getattr(coro, '__qualname__', coro)} / {getattr(where, '__qualname__', '?')}{at}"


def _describe(callback: Any) -> Name:
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        name = _task_name(owner)  # now: where the task waits before this step
        return lambda: name
    return lambda: getattr(callback, "__qualname__", None) or repr(callback)


class _Pass:
    """One timer's pass: its CPU span and the parts timed inside it (callbacks, flusher turns)."""

    __slots__ = ("end", "label", "parts", "start")

    def __init__(self, label: str, start: float) -> None:
        self.label = label
        self.start = start
        self.end = start
        self.parts: list[tuple[float, Name]] = []


class TurnTrace:
    """Time each timer pass and what ran in it; keep the heartbeat stretches over `over_ms` CPU."""

    def __init__(self, over_ms: float) -> None:
        self.over_ms = over_ms
        self.stretches: list[tuple[float, float, list[_Pass], list[tuple[float, str]]]] = []
        self._passes: list[_Pass] = []
        self._open: _Pass | None = None
        self._events: list[tuple[float, str]] = []
        self._filter: Any = None
        self._gc_start = 0.0

    def install(self) -> None:
        """Wrap the ready queue's batches, asyncio.Handle._run, qasync's timers and the frame flusher."""
        import qasync

        from gui.event_loop import _ReadyQueue
        from gui.models.flusher import FrameFlusher

        trace = self
        run = asyncio.events.Handle._run
        flush = FrameFlusher._flush
        tick = FrameFlusher._on_tick
        batch = _ReadyQueue.timerEvent
        delayed = qasync._SimpleTimer.timerEvent

        def in_pass(label: str, call: Callable[[], Any]) -> Any:
            if trace._open is not None:
                return call()
            opened = trace._open = _Pass(label, time.thread_time())
            try:
                return call()
            finally:
                opened.end = time.thread_time()
                trace._open = None
                trace._passes.append(opened)

        def timed_run(handle: asyncio.Handle) -> None:
            name = _describe(handle._callback)  # type: ignore[attr-defined]
            start = time.thread_time()
            in_pass("callback", lambda: run(handle))
            if trace._open is not None:
                trace._open.parts.append((time.thread_time() - start, name))

        def timed_flush(flusher: FrameFlusher, turn: Any) -> int:
            members = ", ".join(type(m).__name__ for m in turn.members if m.has_pending)
            start = time.thread_time()
            flushed = flush(flusher, turn)
            if trace._open is not None:
                trace._open.parts.append((time.thread_time() - start, lambda: f"flush {members}"))
            return flushed

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                trace._gc_start = time.thread_time()
            elif trace._open is not None:
                seconds, generation = time.thread_time() - trace._gc_start, info["generation"]
                trace._open.parts.append((seconds, lambda: f"gc generation {generation}"))

        import gc

        gc.callbacks.append(on_gc)
        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        FrameFlusher._flush = timed_flush  # type: ignore[method-assign]
        FrameFlusher._on_tick = lambda self: in_pass("frame pass", lambda: tick(self))  # type: ignore[method-assign]
        _ReadyQueue.timerEvent = lambda self, e: in_pass("ready batch", lambda: batch(self, e))  # type: ignore[method-assign]
        qasync._SimpleTimer.timerEvent = lambda self, e: in_pass("delayed", lambda: delayed(self, e))

    def watch_qt_events(self) -> None:
        """Also note each Qt event the application delivers (type and receiver) to name the untraced CPU."""
        from PySide6.QtCore import QCoreApplication, QObject

        events = self._events

        class Filter(QObject):
            def eventFilter(self, watched: QObject, event: Any) -> bool:
                name = type(watched).__name__
                if name == "QTimer":
                    parent = watched.parent()
                    name = f"QTimer {watched.objectName() or ''} of {type(parent).__name__}"
                events.append((time.thread_time(), f"{event.type().name} -> {name}"))
                return False

        self._filter = Filter()
        app = QCoreApplication.instance()
        assert app is not None
        app.installEventFilter(self._filter)

    def attach(self, heartbeat: Heartbeat) -> None:
        """Look at each of heartbeat's stretches as it ends."""
        self._passes.clear()
        self._all: list[_Pass] = []
        self._last = time.thread_time()
        heartbeat._timer.timeout.connect(lambda: self._on_beat(heartbeat))

    def totals(self) -> str:
        """The CPU of every pass since `attach`, by kind, and of the untraced rest."""
        kinds: dict[str, list[float]] = {}
        for p in self._all:
            kinds.setdefault(p.label, []).append(p.end - p.start)
        parts = [f"{k}: {len(v)} x, {sum(v) * 1000:.0f} ms" for k, v in sorted(kinds.items())]
        names: dict[str, list[float]] = {}
        for p in self._all:
            for seconds, name in p.parts:
                names.setdefault(name().split(" @")[0], []).append(seconds)
        top = sorted(names.items(), key=lambda kv: -sum(kv[1]))[:12]
        return "; ".join(parts) + "\n" + "\n".join(f"    {sum(v) * 1000:6.1f} ms {len(v):5d} x {k}" for k, v in top)

    def _on_beat(self, heartbeat: Heartbeat) -> None:
        self._all += self._passes
        passes, events = self._passes, list(self._events)
        self._passes = []
        self._events.clear()
        start, self._last = self._last, time.thread_time()
        if heartbeat.cpu_gaps and heartbeat.cpu_gaps[-1] * 1000 > self.over_ms:
            self.stretches.append((heartbeat.cpu_gaps[-1], start, passes, events))

    def report(self, top: int = 4) -> str:
        """The kept stretches, the longest first, each pass in order with its dearest parts (by name)."""
        lines = []
        for cpu, start, passes, events in sorted(self.stretches, key=lambda s: -s[0]):
            lines.append(f"stretch {cpu * 1000:.1f} ms CPU, {len(passes)} passes")
            at = start
            for p in passes:
                if (p.start - at) * 1000 >= 0.3:
                    lines.append(f"   {(p.start - at) * 1000:5.2f} ms  (untraced)")
                    lines += self._qt_events(events, at, p.start)
                at = p.end
                by_name: dict[str, list[float]] = {}
                for seconds, name in p.parts:
                    by_name.setdefault(name(), []).append(seconds)
                lines.append(f"   {(p.end - p.start) * 1000:5.2f} ms  {p.label}, {len(p.parts)} parts")
                for name, times in sorted(by_name.items(), key=lambda kv: -sum(kv[1]))[:top]:
                    if sum(times) * 1000 >= 0.3:
                        lines.append(f"       {sum(times) * 1000:5.2f} ms  {len(times):3d} x {name}")
        return "\n".join(lines)

    @staticmethod
    def _qt_events(events: list[tuple[float, str]], start: float, end: float) -> list[str]:
        """The Qt events delivered from start to end, each with the CPU until the next (over 0.2 ms)."""
        inside = [(t, name) for t, name in events if start <= t < end]
        lines = []
        for k, (t, name) in enumerate(inside):
            until = inside[k + 1][0] if k + 1 < len(inside) else end
            if (until - t) * 1000 >= 0.2:
                lines.append(f"          {(until - t) * 1000:5.2f} ms  qt {name}")
        return lines
