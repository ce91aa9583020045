"""WindowShare: what the window itself spends on each order of bench.click_to_wire's sustained runs, part by part.

`python -m bench.window_share` runs `bench.click_to_wire --only sustained` (the same window, orders and
account) with the GUI thread's CPU (time.thread_time) counted, at full speed (no profiler: cProfile slows an
order past the paper broker's burst window, so every order then looks alone and takes no loop turn), in:

- each handler the bus calls with the run's events, by its qualified name (the window's views of an order:
  the frame feed, the Log dock's line, alerts; and the core services the window composes);
- the frame flusher's passes (the grids' and the Log dock's flushes and the paints the passes make);
- the grid views' paints outside a pass (Qt's own paint of a grid that rows were inserted into);
- the Log dock's flushes outside a pass (its own frame timer, in a build without it in the flusher);
- the turns of the ready queue (gui/event_loop.py), counted;
- the journal's group commits of the orders (core/services/group_commit.py) and the paper broker's syncs
  (paper/report_queue.py), counted: how many orders share one (64 in flight: one each a round of the 64).

One JSON line per run: the GUI thread's CPU per order (all of it, and of it each part above, in us an order,
the dearest handlers first) and the loop turns per order. Timing costs about 1 us a timed call: the parts are
a little dearer than unmeasured. Like bench/diff_profile.py it imports `core`, `gui` and `bench` from the working
directory, so an older checkout with bench.click_to_wire's `--only` is measured the same way:
`cd /work/wt/base && python /path/to/bench/window_share.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

TOP_HANDLERS = 8
"""Handlers listed by name, the dearest first."""


class _Clock:
    """CPU of the GUI thread (ms) and calls, by part."""

    def __init__(self) -> None:
        self.parts: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.in_pass = False

    def add(self, part: str, started: float) -> None:
        spent = self.parts[part]
        spent[0] += 1
        spent[1] += time.thread_time() - started


def _time_method(cls: type, name: str, part: Callable[[Any], str | None], clock: _Clock) -> None:
    """Count cls.name's CPU under part(self) (None: not counted)."""
    method = getattr(cls, name)

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return method(self, *args, **kwargs)
        finally:
            label = part(self)
            if label is not None:
                clock.add(label, started)

    setattr(cls, name, timed)


def _time_handlers(bus: Any, clock: _Clock) -> Callable[[], None]:
    """Time every handler subscribed to bus (its private handler lists); return the call that puts them back."""
    saved = {event_type: list(handlers) for event_type, handlers in bus._handlers.items()}

    def wrap(handler: Callable[[Any], None]) -> Callable[[Any], None]:
        name = "handler " + getattr(handler, "__qualname__", type(handler).__name__)

        def timed(event: Any) -> None:
            started = time.thread_time()
            try:
                handler(event)
            finally:
                clock.add(name, started)

        return timed

    for event_type, handlers in saved.items():
        bus._handlers[event_type] = [wrap(handler) for handler in handlers]
    bus._forget_resolved()

    def restore() -> None:
        bus._handlers.clear()
        bus._handlers.update(saved)
        bus._forget_resolved()

    return restore


def run(orders: int) -> list[dict[str, Any]]:
    """Run the sustained runs with the window's parts timed; return one record per run."""
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import bench.click_to_wire as ctw
    from core.adapters.paper.report_queue import ReportQueue
    from core.services.group_commit import GroupCommit
    from gui import event_loop
    from gui.models.flusher import FrameFlusher
    from gui.widgets.grid_view import GridTableView
    from gui.widgets.log_view import LogView

    clock = _Clock()
    records: list[dict[str, Any]] = []
    tick = FrameFlusher._on_tick

    def flusher_pass(self: Any) -> None:
        clock.in_pass = True
        started = time.thread_time()
        try:
            tick(self)
        finally:
            clock.in_pass = False
            clock.add("flusher passes", started)

    FrameFlusher._on_tick = flusher_pass  # type: ignore[method-assign]
    _time_method(GridTableView, "paintEvent",
                 lambda view: None if clock.in_pass else f"paint {view.objectName()} outside a pass", clock)
    _time_method(LogView, "flush", lambda _view: None if clock.in_pass else "Log dock flushes outside a pass", clock)
    _time_method(event_loop._ReadyQueue, "timerEvent", lambda _queue: "loop turns", clock)
    _time_method(GroupCommit, "_run", lambda _batch: "group commits", clock)
    _time_method(ReportQueue, "_flush", lambda _queue: "paper syncs", clock)
    throughput = ctw._throughput

    async def timed_throughput(session: Any, count: int, bid: Any, in_flight: int, first: int = 0) -> Any:
        restore = _time_handlers(session.bus, clock)
        clock.parts.clear()
        started = time.thread_time()
        try:
            return await throughput(session, count, bid, in_flight, first)
        finally:
            total = time.thread_time() - started
            restore()
            records.append(_record(clock, count, in_flight, total))

    ctw._throughput = timed_throughput
    ctw.run(0, orders, only="sustained")
    return records


def _record(clock: _Clock, count: int, in_flight: int, total: float) -> dict[str, Any]:
    parts = dict(clock.parts)
    turns = parts.pop("loop turns", [0, 0.0])
    batches = {name: parts.pop(name, [0, 0.0])[0] for name in ("group commits", "paper syncs")}
    handlers = sorted(((name, spent) for name, spent in parts.items() if name.startswith("handler ")),
                      key=lambda item: -item[1][1])
    others = {name: round(spent[1] * 1e6 / count, 2)
              for name, spent in parts.items() if not name.startswith("handler ")}
    return {"bench": "window_share", "in_flight": in_flight, "orders": count,
            "gui_thread_us_per_order": round(total * 1e6 / count, 1),
            "loop_turns_per_order": round(turns[0] / count, 3),
            **{name.replace(" ", "_"): calls for name, calls in batches.items()},
            **{f"{name} us_per_order": value for name, value in sorted(others.items())},
            "handlers_us_per_order": {name.removeprefix("handler "): round(spent[1] * 1e6 / count, 2)
                                      for name, spent in handlers[:TOP_HANDLERS]}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.window_share", description=__doc__.splitlines()[0])
    parser.add_argument("--throughput-orders", type=int, default=2_000, help="orders a run")
    args = parser.parse_args(argv)
    for record in run(args.throughput_orders):
        print(json.dumps(record))


if __name__ == "__main__":
    main()
