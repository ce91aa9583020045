"""Chart: a million one-minute bars load and draw; pan/zoom frame times; the tick storm with a chart open.

`python -m bench.chart` prints one JSON line per figure set:
- load_draw: 1,000,000 bars handed to the chart (show_history) and painted, newest 120 in view and
  then all of them (merged to one candle per pixel column), each timed to the end of a synchronous repaint.
- pan_zoom: frame time (range change + synchronous repaint) while panning and zooming at three spans, as
  wall time and as the GUI thread's own CPU time (the wall time of a 2-core VM shared with other jobs also
  counts the time the thread waited for a core; its CPU time does not).
- orders: ORDERS resting orders added one a frame to a chart of 2,000 bars (a buy limit each, ORDER_LEVELS prices a
  cent apart, several orders a price), once out of view (10% under the market) and once in view (just under it):
  each order's update and synchronous repaint, then pan frames with them all there, as the GUI thread's CPU time.
- live_bar: a chart of 2,000 bars (120 in view) whose newest bar a quote moves LIVE_UPDATES times (its close and
  volume, inside the range shown), each update handed to the chart and painted as the event loop paints it: the
  GUI thread's CPU per update, and how many candles the paints drew (a quote that moves only the newest bar
  needs to redraw that one, not the 120).
- tickstorm: the real window with the chart on one storm symbol, 100k quotes/s over 1,000 symbols:
  GUI-thread stalls (1 ms heartbeat gaps) and the live bar's lag (the quote's bar built -> the chart
  receives it in its frame).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from decimal import Decimal

import numpy as np

from bench.common import emit, host_speed_ms, machine, ms, now, percentile

BARS = 1_000_000
LIVE_UPDATES = 400
ORDERS = 300
ORDER_LEVELS = 100


def synthetic_bars(count: int, seed: int = 1) -> np.ndarray:
    """Return 6 x count columns of one-minute bars: a random walk ending now."""
    rng = np.random.default_rng(seed)
    end = int(time.time()) // 60 * 60
    t = np.arange(end - count * 60, end, 60, dtype=np.float64)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.0005, count)))
    open_ = np.concatenate([[100.0], close[:-1]])
    spread = np.abs(rng.normal(0, 0.0003, count)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    volume = rng.integers(10, 500, count).astype(np.float64)
    return np.vstack([t, open_, high, low, close, volume])


def _app() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["bench-chart"])


def run_load_draw() -> tuple[dict[str, object], object]:
    app = _app()
    from gui.widgets.chart.chart_view import ChartView

    view = ChartView()
    view.resize(1400, 800)
    view.show()
    view.set_symbol("BENCH")
    app.processEvents()  # type: ignore[attr-defined]
    columns = synthetic_bars(BARS)
    viewport = view.plots.viewport()
    t0 = now()
    view.show_history(columns)
    viewport.repaint()
    recent = now() - t0
    t1 = now()
    view.price_plot.setXRange(float(columns[0, 0]), float(columns[0, -1]) + 60, padding=0)
    viewport.repaint()
    whole = now() - t1
    return {"figure": "chart.load_draw", "bars": view.series.size, "load_and_draw_recent_ms": ms(recent),
            "draw_all_ms": ms(whole), "candles_painted_all": view.candles.painted_bars,
            "total_ms": ms(recent + whole), "target_ms": 1000}, view


def run_pan_zoom(view: object, frames: int = 120) -> list[dict[str, object]]:
    from gui.widgets.chart.chart_view import ChartView

    assert isinstance(view, ChartView)
    viewport = view.plots.viewport()
    end = float(view.series.t[-1]) + 60
    records = []
    for label, span in (("120 bars", 120 * 60.0), ("10k bars", 10_000 * 60.0), ("1M bars", BARS * 60.0)):
        times, cpu = [], []
        for frame in range(frames):
            pan = (frame % 20) * span * 0.02
            zoom = 1.0 + 0.1 * ((frame // 20) % 3)
            t0, c0 = now(), time.thread_time()
            view.price_plot.setXRange(end - span * zoom - pan, end - pan, padding=0)
            viewport.repaint()
            cpu.append(time.thread_time() - c0)
            times.append(now() - t0)
        records.append({"figure": "chart.pan_zoom", "span": label, "frames": frames,
                        "frame_p50_ms": ms(percentile(times, 0.5)), "frame_p99_ms": ms(percentile(times, 0.99)),
                        "frame_max_ms": ms(max(times)), "frame_cpu_p50_ms": ms(percentile(cpu, 0.5)),
                        "frame_cpu_p99_ms": ms(percentile(cpu, 0.99)), "candles_painted": view.candles.painted_bars,
                        "target_ms": 16})
    return records


def _resting(index: int, price: float) -> object:
    from core.domain import AccountId, ClientOrderId, Instrument, Order, OrderStatus, OrderType, Price, Quantity, Side

    instrument = Instrument(symbol="BENCH", venue="BENCH", currency="USD", tick_size=Decimal("0.01"))
    return Order(ClientOrderId.generate(), AccountId("BENCH-1"), instrument, Side.BUY, Quantity(1 + index % 9),
                 OrderType.LIMIT, limit_price=Price(f"{price:.2f}"), status=OrderStatus.ACCEPTED)


def run_orders(count: int, frames: int = 120) -> list[dict[str, object]]:
    """Add count resting orders one a frame, out of view then in view; time each and pan frames with them there."""
    app = _app()
    from gui.widgets.chart.chart_view import ChartView

    columns = synthetic_bars(2_000)
    records = []
    for where, below in (("out of view", 0.1), ("in view", 0.006)):
        view = ChartView()
        view.resize(1400, 800)
        view.show()
        view.set_symbol("BENCH")
        view.show_history(columns)
        app.processEvents()  # type: ignore[attr-defined]
        viewport = view.plots.viewport()
        top = float(columns[4, -1]) * (1 - below)
        added = []
        for index in range(count):
            order = _resting(index, top - 0.01 * (index % ORDER_LEVELS))
            c0 = time.thread_time()
            view.update_orders([order])  # type: ignore[list-item]
            viewport.repaint()
            added.append(time.thread_time() - c0)
        (x0, x1), _ = view.price_box.viewRange()
        panned = []
        for frame in range(frames):
            shift = (x1 - x0) * 0.01 * (1 if frame % 40 < 20 else -1)
            x0, x1 = x0 + shift, x1 + shift
            c0 = time.thread_time()
            view.price_plot.setXRange(x0, x1, padding=0)
            viewport.repaint()
            panned.append(time.thread_time() - c0)
        records.append({"figure": "chart.orders", "orders": count, "where": where,
                        "add_cpu_mean_ms": ms(sum(added) / len(added)), "add_cpu_p99_ms": ms(percentile(added, 0.99)),
                        "pan_cpu_p50_ms": ms(percentile(panned, 0.5)), "pan_cpu_p99_ms": ms(percentile(panned, 0.99)),
                        "target_ms": 16})
        view.close()
    return records


def run_live_bar(updates: int) -> dict[str, object]:
    """Move the newest bar of a 2,000-bar chart updates times, each update painted as the event loop does it."""
    app = _app()
    from datetime import UTC, datetime, timedelta

    from core.domain.bars import Bar
    from gui.widgets.chart.chart_view import ChartView

    columns = synthetic_bars(2_000)
    view = ChartView()
    painted = [0, 0]  # paints, candles drawn: counted here so that an older build measures the same way
    paint = type(view.candles).paint

    def counted(item: object, *args: object) -> None:
        paint(item, *args)
        if item is view.candles:
            painted[0] += 1
            painted[1] += view.candles.painted_bars

    type(view.candles).paint = counted  # type: ignore[method-assign]
    view.resize(1400, 800)
    view.show()
    view.set_symbol("BENCH")
    view.show_history(columns)
    for _ in range(3):
        app.processEvents()  # type: ignore[attr-defined]
    t, open_, high, low, _close, volume = (float(v) for v in columns[:, -1])
    rng = np.random.default_rng(2)
    painted[:] = [0, 0]
    cpu = []
    for k in range(updates):
        price = low + (high - low) * float(rng.random())
        bar = Bar(symbol="BENCH", source="bench", interval=timedelta(minutes=1), start=datetime.fromtimestamp(t, UTC),
                  open=Decimal(f"{open_:.4f}"), high=Decimal(f"{high:.4f}"), low=Decimal(f"{low:.4f}"),
                  close=Decimal(f"{price:.4f}"), volume=Decimal(int(volume) + k // 10 + 1), ts=datetime.now(UTC))
        c0 = time.thread_time()
        view.update_bars([bar])
        app.processEvents()  # type: ignore[attr-defined]
        cpu.append(time.thread_time() - c0)
    view.close()
    type(view.candles).paint = paint  # type: ignore[method-assign]
    return {"bench": "chart", "figure": "chart.live_bar", "updates": updates, "cpu_mean_ms": ms(sum(cpu) / len(cpu)),
            "cpu_p50_ms": ms(percentile(cpu, 0.5)), "cpu_p99_ms": ms(percentile(cpu, 0.99)),
            "candle_paints": painted[0], "candles_drawn_per_paint": round(painted[1] / max(painted[0], 1), 1)}


def run_tickstorm(rate: int, seconds: float, count: int) -> dict[str, object]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from bench.qtprobe import Heartbeat
    from bench.tickstorm import Feeder, StalenessTracker, symbol_names
    from core.domain import Instrument
    from core.storage.paths import data_paths
    from core.storage.settings import SettingsStore
    from gui.app import create_main_window
    from gui.controllers.chart_controller import ChartController
    from gui.event_loop import EventLoop

    app = QApplication.instance() or QApplication(["bench-chart"])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    data_dir = tempfile.TemporaryDirectory(prefix="bench-chart-")
    symbols = symbol_names(count)
    SettingsStore(data_paths(data_dir.name).settings).set_watchlist(symbols)
    window = create_main_window(data_dir.name, "paper", connect=False)
    session, bridge = window.session, window.bridge
    instruments = [Instrument(symbol=s, venue="BENCH", currency="USD", tick_size=Decimal("0.01")) for s in symbols]
    session.instruments.add(instruments)
    bridge.quotes.set_instruments(instruments)
    bridge.quotes.watch(symbols)
    window.resize(1500, 900)
    window.show()
    lags: list[float] = []
    updates = [0]

    def timed_updates(chart: ChartController) -> None:
        shown = chart.view.update_bars

        def timed(bars: object) -> None:
            arrived = time.time()
            for bar in bars:  # type: ignore[attr-defined]
                lags.append(arrived - bar.ts.timestamp())
            updates[0] += 1
            shown(bars)  # type: ignore[arg-type]

        chart.view.update_bars = timed  # type: ignore[method-assign]
    heartbeat = Heartbeat()
    staleness = StalenessTracker()
    feeder = Feeder(symbols, rate, session.bus.publish_quotes, staleness.quote_hook)
    figures: dict[str, object] = {}

    async def scenario() -> None:
        await asyncio.sleep(0.3)  # the first paint, then the chart is built
        chart = next(k for k in window.keep_alive if isinstance(k, ChartController))
        timed_updates(chart)
        await Feeder(symbols, rate, session.bus.publish_quotes, staleness.quote_hook).run(0.2)  # feeds known
        chart.show_symbol(symbols[0])  # a storm symbol: its live bar moves with every round of the storm
        await asyncio.sleep(0.3)
        heartbeat.start()
        await feeder.run(seconds)
        heartbeat.stop()
        await asyncio.sleep(0.1)
        gaps = heartbeat.gaps
        figures.update({"figure": "chart.tickstorm", "offered_per_s": rate, "quotes": feeder.sent,
                        "stall_max_ms": ms(max(gaps, default=0.0)), "stall_p99_ms": ms(percentile(gaps, 0.99)),
                        "stall_max_cpu_ms": ms(max(heartbeat.cpu_gaps, default=0.0)),
                        "chart_updates": updates[0], "live_bar_lag_p99_ms": ms(percentile(lags, 0.99)),
                        "live_bar_lag_max_ms": ms(max(lags, default=0.0)), "target_stall_ms": 16,
                        "target_lag_ms": 50})
        window.close()
        await window.shutdown()

    with loop:
        loop.run_until_complete(scenario())
    data_dir.cleanup()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--symbols", type=int, default=1_000)
    parser.add_argument("--skip-storm", action="store_true")
    parser.add_argument("--only-live-bar", action="store_true", help="only the live_bar figure")
    parser.add_argument("--live-updates", type=int, default=LIVE_UPDATES, help="updates of the live_bar figure")
    parser.add_argument("--frames", type=int, default=120, help="pan/zoom frames per span")
    parser.add_argument("--orders", type=int, default=ORDERS, help="resting orders of the orders figure")
    args = parser.parse_args(argv)
    speed = host_speed_ms()
    if args.only_live_bar:
        emit({**run_live_bar(args.live_updates), "host_speed_ms": speed, **machine()})
        return
    record, view = run_load_draw()
    emit({**record, "host_speed_ms": speed, **machine()})
    for line in run_pan_zoom(view, args.frames):
        emit({**line, "host_speed_ms": speed})
    view.close()  # type: ignore[attr-defined]
    for line in run_orders(args.orders, args.frames):
        emit({**line, "host_speed_ms": speed})
    emit({**run_live_bar(args.live_updates), "host_speed_ms": speed})
    if not args.skip_storm:
        emit({**run_tickstorm(args.rate, args.seconds, args.symbols), "host_speed_ms": speed})


if __name__ == "__main__":
    main()
