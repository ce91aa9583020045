"""Chart idle: the GUI thread's CPU while the window idles and the chart follows live quotes, per chart update.

`python -m bench.chart_idle` opens the real window as bench.click_to_wire does (the paper account and IB-7 on
the TWS simulator, each quoting every 0.25 s), waits until the chart shows AAPL's history with IB's kept bar
moving, then idles SECONDS with the chart following the quotes and SECONDS with it frozen (its live bars dropped
before ChartView.update_bars), in turns (ROUNDS of each), the chart in view all along, and prints one JSON line:
- cpu_ms_per_33ms_live / _frozen: the GUI thread's CPU per 33 ms of idleness (a paced IB click's interval),
  median of the rounds;
- chart_updates_per_s: the live bars the chart was handed a second while live;
- chart_cpu_ms_per_update: (live - frozen) CPU per chart update, what one quote that moves the newest bar costs
  the window (the update, the range fit and the repaint it asks for, to the window's backing store).

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
            updates, frozen = [0], [False]
            shown = chart.view.update_bars

            def counted(bars: Any) -> None:
                if not frozen[0]:
                    updates[0] += 1
                    shown(bars)

            chart.view.update_bars = counted  # type: ignore[method-assign]
            freeze_startup_heap()
            await asyncio.sleep(1.0)  # the first paints and history settle
            window.findChild(QDockWidget, "dock.chart").raise_()
            on, off, rates = [], [], []
            for _ in range(rounds):
                frozen[0] = False
                await asyncio.sleep(0.3)
                before = updates[0]
                on.append(await _idle(seconds))
                rates.append((updates[0] - before) / seconds)
                frozen[0] = True
                await asyncio.sleep(0.3)
                off.append(await _idle(seconds))
            per_slice = seconds / _SLICE_S
            live_ms = statistics.median(on) * 1000 / per_slice
            frozen_ms = statistics.median(off) * 1000 / per_slice
            rate = statistics.median(rates)
            figures.update({
                "bench": "chart_idle", "seconds": seconds, "rounds": rounds,
                "cpu_ms_per_33ms_live": round(live_ms, 3), "cpu_ms_per_33ms_frozen": round(frozen_ms, 3),
                "cpu_ms_per_33ms_live_all": [round(c * 1000 / per_slice, 3) for c in on],
                "chart_updates_per_s": round(rate, 2),
                "chart_cpu_ms_per_update": round((live_ms - frozen_ms) * (1 / _SLICE_S) / rate, 3) if rate else None,
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
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds live and frozen")
    args = parser.parse_args(argv)
    speed = host_speed_ms()
    emit({**run(args.seconds, args.rounds), "host_speed_ms": speed, **machine()})


if __name__ == "__main__":
    main()
