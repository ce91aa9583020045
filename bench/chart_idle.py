"""Chart idle: the GUI thread's CPU while the window idles and the chart follows live quotes, per chart update.

`python -m bench.chart_idle` opens the real window as bench.click_to_wire does (the paper account and IB-7 on
the TWS simulator, each quoting every 0.25 s), waits until the chart shows AAPL's history with IB's kept bar
moving, then idles SECONDS with the chart dock shown and SECONDS with it hidden, in turns (ROUNDS of each), and
prints one JSON line:
- cpu_ms_per_33ms_shown / _hidden: the GUI thread's CPU per 33 ms of idleness (a paced IB click's interval),
  median of the rounds, with the chart in view and without it;
- chart_updates_per_s: the live bars the chart was handed a second while shown (ChartView.update_bars);
- chart_cpu_ms_per_update: (shown - hidden) CPU per chart update, what one quote that moves the newest bar costs
  the window (the update, the range fit and the repaint it asks for).

Run from another checkout (it is imported from the working directory, like bench/diff_profile.py):
`cd /work/wt/base && python /path/to/bench/chart_idle.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SECONDS = 3.0
ROUNDS = 3
_SLICE_S = 0.033


async def _idle(seconds: float) -> float:
    """Sleep seconds on the event loop; return the GUI thread's CPU seconds meanwhile."""
    start = time.thread_time()
    await asyncio.sleep(seconds)
    return time.thread_time() - start


def run(seconds: float, rounds: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QDockWidget

    from bench import stamping_sim
    from bench.click_to_wire import _until, _write_settings
    from core.domain import AccountId, TradingState
    from gui.app import create_main_window, freeze_startup_heap
    from gui.controllers.chart_controller import ChartController
    from gui.event_loop import EventLoop

    app = QApplication.instance() or QApplication(["chart_idle"])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    work = tempfile.TemporaryDirectory(prefix="chart-idle-")
    data_dir = Path(work.name)
    stamp_path = data_dir / "stamps.txt"
    stamp_path.touch()
    sim, port = stamping_sim.start("bench.click_to_wire", stamp_path)
    figures: dict[str, Any] = {}

    async def scenario() -> None:
        _write_settings(data_dir, port)
        window = create_main_window(data_dir, "paper")
        window.resize(1500, 900)
        window.show()
        session = window.session
        try:
            for account in ("PAPER-1", "IB-7"):
                await _until(lambda a=account: session.account(AccountId(a)).trading is TradingState.ACTIVE,
                             f"{account} to trade")
            await _until(lambda: any(isinstance(k, ChartController) for k in window.keep_alive), "the chart")
            chart = next(k for k in window.keep_alive if isinstance(k, ChartController))
            if chart.view.symbol != "AAPL":
                chart.show_symbol("AAPL")
            await _until(lambda: chart.view.series.size > 1, "the chart's history")
            updates = [0]
            shown = chart.view.update_bars

            def counted(bars: Any) -> None:
                updates[0] += 1
                shown(bars)

            chart.view.update_bars = counted  # type: ignore[method-assign]
            freeze_startup_heap()
            await asyncio.sleep(1.0)  # the first paints and history settle
            dock = window.findChild(QDockWidget, "dock.chart")
            on, off, rates = [], [], []
            for _ in range(rounds):
                dock.show()
                dock.raise_()
                await asyncio.sleep(0.3)
                before = updates[0]
                on.append(await _idle(seconds))
                rates.append((updates[0] - before) / seconds)
                dock.hide()  # the window's docks are not closable: close() is refused
                await asyncio.sleep(0.3)
                off.append(await _idle(seconds))
            per_slice = seconds / _SLICE_S
            shown_ms = statistics.median(on) * 1000 / per_slice
            hidden_ms = statistics.median(off) * 1000 / per_slice
            rate = statistics.median(rates)
            figures.update({
                "bench": "chart_idle", "seconds": seconds, "rounds": rounds,
                "cpu_ms_per_33ms_shown": round(shown_ms, 3), "cpu_ms_per_33ms_hidden": round(hidden_ms, 3),
                "cpu_ms_per_33ms_shown_all": [round(c * 1000 / per_slice, 3) for c in on],
                "chart_updates_per_s": round(rate, 2),
                "chart_cpu_ms_per_update": round((shown_ms - hidden_ms) * (1 / _SLICE_S) / rate, 3) if rate else None,
            })
        finally:
            window.close()
            await window.shutdown()

    try:
        with loop:
            loop.run_until_complete(scenario())
    finally:
        sim.kill()
        sim.wait()
        work.cleanup()
    return figures


def main(argv: list[str] | None = None) -> None:
    sys.path.insert(0, os.getcwd())
    from bench.common import emit, host_speed_ms, machine

    parser = argparse.ArgumentParser(prog="python -m bench.chart_idle", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=SECONDS, help="seconds of each idle round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds shown and closed")
    args = parser.parse_args(argv)
    speed = host_speed_ms()
    emit({**run(args.seconds, args.rounds), "host_speed_ms": speed, **machine()})


if __name__ == "__main__":
    main()
