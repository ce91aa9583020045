"""The tick-storm reference: vn.py 4.x's TickMonitor fed through its own EventEngine, on the same input.

Runs only in .venv-bench (`pip install vnpy`; vn.py pins another PySide6 than TradeTerm), one
variant per process: `.venv-bench/bin/python -m bench.tickstorm_vnpy --rate 100000`.
A feeder thread plays the gateway: for every tick it puts EVENT_TICK and EVENT_TICK + vt_symbol
on the EventEngine, as BaseGateway.on_tick does; the engine thread emits the monitor's signal;
the monitor updates its cells in the GUI thread. Same figures as bench.tickstorm.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from datetime import datetime
from typing import Any

from bench.common import cpu_seconds, emit, machine, ms, now, peak_rss_mb, percentile, steal_seconds
from bench.tickstorm import BATCH_CAP, LEVELS, SECONDS, SYMBOLS, symbol_names, variant_name

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _levels(index: int) -> list[float]:
    base = 10 + (index * 7919) % 490
    return [float(f"{base}.{level:02d}") for level in range(LEVELS + 2)]


def run_vnpy(rate: int, seconds: float, count: int) -> dict[str, object]:
    """Run one variant of the reference in this process; return its figures."""
    from PySide6.QtWidgets import QApplication
    from vnpy.event import Event, EventEngine
    from vnpy.trader.constant import Exchange
    from vnpy.trader.event import EVENT_TICK
    from vnpy.trader.object import TickData
    from vnpy.trader.ui.widget import TickMonitor

    from bench.qtprobe import Heartbeat, PaintProbe

    app = QApplication.instance() or QApplication(["tickstorm-vnpy"])
    state: dict[str, Any] = {"processed": 0, "counting": False, "first": 0, "last": -1}
    awaiting: list[float] = []
    samples: list[float] = []

    class CountingTickMonitor(TickMonitor):  # type: ignore[misc]
        """vn.py's TickMonitor, unchanged, with a counter and a staleness stamp after each update."""

        def process_event(self, event: Event) -> None:
            super().process_event(event)
            if not state["counting"]:
                return
            state["processed"] += 1
            tick = event.data
            cells = self.cells.get(tick.vt_symbol)
            if cells:
                row = next(iter(cells.values())).row()
                if state["first"] <= row <= state["last"]:
                    awaiting.append(tick.created)

    def on_painted(end: float) -> None:
        state["first"], state["last"] = probe.visible_rows()
        if awaiting:
            samples.extend(end - created for created in awaiting)
            awaiting.clear()

    engine = EventEngine()
    monitor = CountingTickMonitor(None, engine)
    monitor.resize(1400, 800)
    monitor.show()
    probe = PaintProbe(monitor, on_painted)
    engine.start()
    symbols = symbol_names(count)
    levels = [_levels(index) for index in range(count)]
    stamp = datetime.now()

    def tick_of(k: int, created: float) -> Any:
        slot = k % count
        step = (k // count) % LEVELS
        row = levels[slot]
        tick = TickData(gateway_name="BENCH", symbol=symbols[slot], exchange=Exchange.SMART, datetime=stamp,
                        name=symbols[slot], volume=100, last_price=row[step], open_price=row[0],
                        high_price=row[-1], low_price=row[0], pre_close=row[LEVELS // 2],
                        bid_price_1=row[step], ask_price_1=row[step + 1], bid_volume_1=300, ask_volume_1=300)
        tick.created = created
        return tick

    def put(tick: Any) -> None:  # BaseGateway.on_tick
        engine.put(Event(EVENT_TICK, tick))
        engine.put(Event(EVENT_TICK + tick.vt_symbol, tick))

    for k in range(count):  # every row exists before the storm, as TradeTerm's watchlist does
        put(tick_of(k, now()))
    deadline = now() + 30
    while len(monitor.cells) < count and now() < deadline:
        app.processEvents()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)

    sent = [0]
    stop = threading.Event()

    def feed(start: float) -> None:
        k = 0
        end = start + seconds
        while not stop.is_set():
            t = now()
            if t >= end:
                break
            batch = min(int((t - start) * rate) - k, BATCH_CAP) if rate else BATCH_CAP
            for i in range(k, k + batch):
                put(tick_of(count + i, start + i / rate if rate else t))
            k += batch
            if rate:
                time.sleep(0.001)
        sent[0] = k

    heartbeat = Heartbeat()
    cpu0 = cpu_seconds()
    steal0 = steal_seconds()
    state["counting"] = True
    probe.counting = True
    heartbeat.start()
    start = now()
    feeder = threading.Thread(target=feed, args=(start,), daemon=True)
    feeder.start()
    while now() - start < seconds:
        app.processEvents()
    end = now()
    elapsed = end - start
    heartbeat.stop()
    state["counting"] = False
    censored = len(awaiting)  # processed but not painted by the end: counted as stale until the end (a floor)
    samples.extend(end - created for created in awaiting)
    stop.set()
    feeder.join(timeout=5)
    cpu = cpu_seconds() - cpu0
    steal1 = steal_seconds()
    gaps = heartbeat.gaps
    return {
        "offered_per_s": rate or None,
        "quotes": sent[0],
        "absorbed_per_s": round(state["processed"] / elapsed),
        "backlog": sent[0] - state["processed"],
        "stall_max_ms": ms(max(gaps, default=0.0)),
        "stall_p99_ms": ms(percentile(gaps, 0.99)),
        "stall_max_cpu_ms": ms(max(heartbeat.cpu_gaps, default=0.0)),  # the GUI thread's own CPU in a gap
        "steal_ms": None if steal0 is None or steal1 is None else ms(steal1 - steal0),  # the VM's, all CPUs
        "staleness_p50_ms": ms(percentile(samples, 0.50)),
        "staleness_p99_ms": ms(percentile(samples, 0.99)),
        "staleness_max_ms": ms(max(samples, default=0.0)),
        "staleness_samples": len(samples),
        "staleness_unpainted_at_end": censored,
        "paints_watchlist": probe.paints,
        "paint_ms_avg": ms(probe.paint_seconds / max(1, probe.paints)),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": peak_rss_mb(),
        "watchlist_rows": monitor.rowCount(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tickstorm_vnpy", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100_000, help="ticks offered per second (0: max)")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="length of the storm")
    parser.add_argument("--symbols", type=int, default=SYMBOLS, help="symbols quoted")
    args = parser.parse_args(argv)
    import vnpy

    figures = run_vnpy(args.rate, args.seconds, args.symbols)
    emit({"bench": "tickstorm", "variant": variant_name("vnpy", args.rate), "impl": f"vnpy {vnpy.__version__}",
          "symbols": args.symbols, "seconds": args.seconds, **figures, **machine()})
    os._exit(0)  # leave the backlog undrained: the engine thread would keep the process alive for minutes


if __name__ == "__main__":
    main()
