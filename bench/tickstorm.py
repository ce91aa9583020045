"""Tick storm: quotes for many symbols into the real window's watchlist and positions grids.

`python -m bench.tickstorm` is the driver: it runs every variant in a fresh process (so peak RSS
is the variant's own), then the vn.py reference on the same input in .venv-bench when that
environment exists, and prints one JSON line per variant plus one ratio line per rate.
`--child` runs one variant in this process.

With every view open (`--every-view`; the driver runs it after each rate): the same storm with a chart, a
ladder and the order ticket on storm symbols beside the watchlist, positions and blotters (issues #27, #20).

Figures of a variant: quotes absorbed per second; event-loop stall max/p99 (gaps of a 1 ms
heartbeat), the most CPU the GUI thread spent in one gap and the VM's steal during the run (what
of a stall was the host's, not the process's); staleness p50/p99 (a quote's due time -> end of the
watchlist paint that shows its row's update; only rows on screen count); paints of both grids; CPU
seconds; peak RSS. The window runs with a daily loss limit set, so every mark of a held position
goes through the risk engine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal

from bench.common import (
    REPO,
    cpu_seconds,
    emit,
    host_speed_ms,
    machine,
    ms,
    now,
    parse_lines,
    peak_rss_mb,
    percentile,
    python_for_vnpy,
    stderr,
    steal_seconds,
)

RATES = (10_000, 50_000, 100_000, 0)
"""Offered quotes per second; 0 means as fast as possible."""
SYMBOLS = 1_000
SECONDS = 5.0
HELD_FRACTION = 0.4
BATCH_CAP = 500
"""Most quotes an adapter hands over per loop iteration (one socket read's worth, capped)."""
LEVELS = 32
RISK = {"global": {"daily_loss_limit": "1000000", "daily_loss_halt": "2000000"}}
"""A daily loss limit, as a serious trader sets one: every mark of a held symbol re-checks it."""


def variant_name(impl: str, rate: int) -> str:
    return f"{impl}@{'max' if rate == 0 else f'{rate // 1000}k'}"


def symbol_names(count: int) -> list[str]:
    return [f"S{index:04d}" for index in range(count)]


def price_levels(index: int) -> list[Decimal]:
    """Precomputed prices of one symbol (an adapter's Decimal conversion is not what is measured)."""
    base = 10 + (index * 7919) % 490
    return [Decimal(f"{base}.{level:02d}") for level in range(LEVELS + 2)]


class Feeder:
    """Offer quotes at `rate` per second (0: as fast as possible), at most BATCH_CAP per loop turn.

    Each turn's quotes are built with Quote.tick and handed over in one call, as an adapter hands
    over what one read of its feed brought.

    A quote's creation time is when it was due, so a feeder that falls behind shows as staleness.
    """

    def __init__(self, symbols: list[str], rate: int, publish: object, on_quote: object) -> None:
        self.symbols = symbols
        self.rate = rate
        self.publish = publish
        self.on_quote = on_quote
        self.levels = [price_levels(index) for index in range(len(symbols))]
        self.sent = 0
        self.lag_s = 0.0

    async def run(self, seconds: float) -> None:
        from core.domain import Quote

        rate, publish, on_quote, tick = self.rate, self.publish, self.on_quote, Quote.tick
        count = len(self.symbols)
        volume = Decimal(100)
        size = Decimal(300)
        # Per symbol what its quotes reuse, so the loop spends its time in TradeTerm, not in the harness.
        slots = [(symbol, row, row[LEVELS // 2]) for symbol, row in zip(self.symbols, self.levels, strict=True)]
        start = now()
        end = start + seconds
        sent = 0
        while True:
            t = now()
            if t >= end:
                break
            if rate:
                due = int((t - start) * rate)
                batch = min(due - sent, BATCH_CAP)
            else:
                batch = BATCH_CAP
            step = (sent // count) % LEVELS
            slot = sent % count
            quotes = []
            add = quotes.append
            for k in range(sent, sent + batch):
                symbol, row, close = slots[slot]
                on_quote(symbol, start + k / rate if rate else t)
                add(tick(symbol, row[step], row[step + 1], row[step], close, volume, size, size))  # every field
                slot += 1
                if slot == count:
                    slot = 0
                    step = (step + 1) % LEVELS
            publish(quotes)  # one read's worth, handed over as the adapters hand theirs
            sent += batch
            if rate and sent >= int((now() - start) * rate):
                await asyncio.sleep(0.001)
            else:
                await asyncio.sleep(0)
        self.sent = sent
        if rate:
            self.lag_s = max(0.0, (now() - start) - sent / rate)


class StalenessTracker:
    """Quote due time -> end of the first watchlist paint after the flush that took its row in."""

    def __init__(self) -> None:
        self.unflushed: dict[str, float] = {}
        self.awaiting: list[float] = []
        self.samples: list[float] = []
        self.counting = False

    def on_quote(self, symbol: str, created: float) -> None:
        self.unflushed.setdefault(symbol, created)

    @property
    def quote_hook(self) -> object:
        """The cheapest callable doing what on_quote does (the dict is emptied in place, never replaced)."""
        return self.unflushed.setdefault

    def on_flushed(self, visible_keys: set[object]) -> None:
        unflushed = dict(self.unflushed)
        self.unflushed.clear()
        if self.counting:
            self.awaiting.extend(created for symbol, created in unflushed.items() if symbol in visible_keys)

    def on_painted(self, end: float) -> None:
        if self.awaiting:
            self.samples.extend(end - created for created in self.awaiting)
            self.awaiting.clear()


def _held_fills(symbols: list[str], fraction: float) -> list[object]:
    from core.domain import AccountId, Fill, Money, Price, Quantity, Side, TradeId

    held = symbols[: int(len(symbols) * fraction)]
    ts = datetime.now(UTC)
    return [
        Fill(TradeId(f"BENCH-{index}"), None, AccountId("PAPER-1"), symbol, Side.BUY, Quantity("100"),
             Price(price_levels(index)[0]), Money("0", "USD"), ts=ts)
        for index, symbol in enumerate(held)
    ]


def _cells_shown(probe: object) -> int:
    first, last = probe.visible_rows()  # type: ignore[attr-defined]
    return (last - first + 1) * probe.area.model().columnCount()  # type: ignore[attr-defined]


async def _settle(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _open_every_view(window: object, symbols: list[str]) -> list[str]:
    """Open a chart on one storm symbol, a ladder on another and the order ticket on a third, beside the window's
    own watchlist, positions and blotters; return the names of the views open."""
    from core.domain import Side
    from gui.controllers.chart_controller import ChartController

    chart = next(k for k in window.keep_alive if isinstance(k, ChartController))  # type: ignore[attr-defined]
    chart.show_symbol(symbols[0])  # its live bar moves with every round of the storm
    account = str(window.session.account_ids()[0])  # type: ignore[attr-defined]
    window.ladder.show(account, symbols[1])  # type: ignore[attr-defined]
    window.ticket.prefill(symbols[2], Side.BUY, account=account, focus=False)  # type: ignore[attr-defined]
    return ["watchlist", "positions", "orders", "fills", "chart", "ladder", "ticket"]


def run_tradeterm(rate: int, seconds: float, count: int, held_fraction: float,
                  every_view: bool = False) -> dict[str, object]:
    """Run one variant against the real main window in this process; return its figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from bench.qtprobe import Heartbeat, PaintProbe
    from core.domain import Instrument
    from gui.app import create_main_window, freeze_startup_heap
    from gui.event_loop import EventLoop

    app = QApplication.instance() or QApplication(["tickstorm"])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    from core.storage.paths import data_paths
    from core.storage.settings import SettingsStore

    data_dir = tempfile.TemporaryDirectory(prefix="tickstorm-")
    symbols = symbol_names(count)
    store = SettingsStore(data_paths(data_dir.name).settings)
    store.set_watchlist(symbols)  # a 1,000-symbol watchlist
    store.set_risk(RISK)
    window = create_main_window(data_dir.name, "paper", connect=False)
    session, bridge = window.session, window.bridge
    instruments = [Instrument(symbol=s, venue="BENCH", currency="USD", tick_size=Decimal("0.01")) for s in symbols]
    session.instruments.add(instruments)
    bridge.quotes.set_instruments(instruments)
    bridge.quotes.watch(symbols)
    session.portfolio.restore(_held_fills(symbols, held_fraction))  # type: ignore[arg-type]
    window.resize(1500, 900)
    window.show()
    freeze_startup_heap()  # as main() does once the window is up

    staleness = StalenessTracker()
    watch_probe = PaintProbe(window.watchlist_view, staleness.on_painted)
    positions_probe = PaintProbe(window.positions_view)
    quotes_model = bridge.quotes

    def on_flushed(*_changed: object) -> None:
        first, last = watch_probe.visible_rows()
        staleness.on_flushed({quotes_model.key_at(row) for row in range(first, last + 1)})

    quotes_model.dataChanged.connect(on_flushed)  # the watchlist's own flush (grids flush in turns)
    heartbeat = Heartbeat()
    feeder = Feeder(symbols, rate, session.bus.publish_quotes, staleness.quote_hook)
    figures: dict[str, object] = {}

    views = ["watchlist", "positions"]

    async def scenario() -> None:
        await _settle(0.6)  # first layout, first flush, first paints
        if every_view:
            views[:] = _open_every_view(window, symbols)
            await _settle(0.5)  # the chart's history and the ladder's first paint, before the storm
        cpu0 = cpu_seconds()
        steal0 = steal_seconds()
        for probe in (watch_probe, positions_probe):
            probe.counting = True
        staleness.counting = True
        heartbeat.start()
        t0 = now()
        await feeder.run(seconds)
        end = now()
        elapsed = end - t0
        heartbeat.stop()
        censored = len(staleness.awaiting)  # flushed but not painted by the end: stale until the end (a floor)
        staleness.samples.extend(end - created for created in staleness.awaiting)
        staleness.awaiting.clear()
        cpu = cpu_seconds() - cpu0
        steal1 = steal_seconds()
        staleness.counting = False
        await _settle(0.1)  # let the last frame paint
        gaps = heartbeat.gaps
        figures.update({
            "offered_per_s": rate or None,
            "quotes": feeder.sent,
            "absorbed_per_s": round(feeder.sent / elapsed),
            "lag_at_end_ms": ms(feeder.lag_s),
            "stall_max_ms": ms(max(gaps, default=0.0)),
            "stall_p99_ms": ms(percentile(gaps, 0.99)),
            "stall_max_cpu_ms": ms(max(heartbeat.cpu_gaps, default=0.0)),  # the GUI thread's own CPU in a gap
            "steal_ms": None if steal0 is None or steal1 is None else ms(steal1 - steal0),  # the VM's, all CPUs
            "staleness_p50_ms": ms(percentile(staleness.samples, 0.50)),
            "staleness_p99_ms": ms(percentile(staleness.samples, 0.99)),
            "staleness_max_ms": ms(max(staleness.samples, default=0.0)),
            "staleness_samples": len(staleness.samples),
            "staleness_unpainted_at_end": censored,
            "paints_watchlist": watch_probe.paints,
            "paints_positions": positions_probe.paints,
            "paint_ms_avg": ms(watch_probe.paint_seconds / max(1, watch_probe.paints)),
            "paint_ms_avg_positions": ms(positions_probe.paint_seconds / max(1, positions_probe.paints)),
            "cells_shown": {"watchlist": _cells_shown(watch_probe), "positions": _cells_shown(positions_probe)},
            "cpu_s": round(cpu, 2),
            "cpu_per_quote_us": round(cpu / max(1, feeder.sent) * 1e6, 2),
            "peak_rss_mb": peak_rss_mb(),
            "positions_rows": bridge.positions.rowCount(),
            "watchlist_rows": quotes_model.rowCount(),
            "views": views,
        })
        window.close()
        await window.shutdown()

    with loop:
        loop.run_until_complete(scenario())
    data_dir.cleanup()
    return figures


def run_child(args: argparse.Namespace) -> None:
    speed = host_speed_ms()  # before the window exists: the same workload in the same state of the process
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        figures = profiler.runcall(run_tradeterm, args.rate, args.seconds, args.symbols, args.held, args.every_view)
        profiler.dump_stats(args.profile)
    else:
        figures = run_tradeterm(args.rate, args.seconds, args.symbols, args.held, args.every_view)
    name = variant_name("tradeterm", args.rate) + ("+every_view" if args.every_view else "")
    emit({"bench": "tickstorm", "variant": name, "impl": "tradeterm",
          "symbols": args.symbols, "seconds": args.seconds, **figures, "host_speed_ms": speed,
          **machine()})


def _run(command: list[str], timeout: float) -> list[dict[str, object]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    records = parse_lines(result.stdout)
    if result.returncode != 0 or not records:
        stderr(f"tickstorm: {' '.join(command[-8:])} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return records


def run_driver(args: argparse.Namespace) -> list[dict[str, object]]:
    """Run every variant in its own process, then vn.py on the same input, then the ratios."""
    common = ["--seconds", str(args.seconds), "--symbols", str(args.symbols)]
    timeout = 60 + args.seconds * 6
    ours: dict[int, dict[str, object]] = {}
    theirs: dict[int, dict[str, object]] = {}
    records: list[dict[str, object]] = []
    for rate in args.rates:
        for record in _run([sys.executable, "-m", "bench.tickstorm", "--child", "--rate", str(rate),
                            "--held", str(args.held), *common], timeout):
            ours[rate] = record
            records.append(record)
            emit(record)
        for record in _run([sys.executable, "-m", "bench.tickstorm", "--child", "--every-view", "--rate", str(rate),
                            "--held", str(args.held), *common], timeout):
            records.append(record)
            emit(record)
    vnpy_python = python_for_vnpy()
    if args.no_vnpy or vnpy_python is None:
        if not args.no_vnpy:
            stderr("tickstorm: .venv-bench is missing, so the vn.py reference was not run (make bench creates it)")
        return records
    for rate in args.rates:
        for record in _run([str(vnpy_python), "-m", "bench.tickstorm_vnpy", "--rate", str(rate), *common], timeout):
            theirs[rate] = record
            records.append(record)
            emit(record)
    for rate in args.rates:
        a, b = ours.get(rate), theirs.get(rate)
        if a is None or b is None:
            continue
        ratio = {
            "bench": "tickstorm", "variant": variant_name("ratio", rate), "impl": "tradeterm/vnpy",
            "offered_per_s": rate or None,
            "absorbed_ratio": round(float(a["absorbed_per_s"]) / max(1.0, float(b["absorbed_per_s"])), 1),  # type: ignore[arg-type]
            "stall_max_ratio": round(float(b["stall_max_ms"]) / max(0.01, float(a["stall_max_ms"])), 1),  # type: ignore[arg-type]
            "staleness_p99_ratio": round(
                float(b["staleness_p99_ms"]) / max(0.01, float(a["staleness_p99_ms"])), 1),  # type: ignore[arg-type]
        }
        records.append(ratio)
        emit(ratio)
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tickstorm", description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help="run one variant in this process")
    parser.add_argument("--rate", type=int, default=100_000, help="with --child: quotes offered per second (0: max)")
    parser.add_argument("--rates", type=int, nargs="+", default=list(RATES), help="driver: the rates to run")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="length of each variant's storm")
    parser.add_argument("--symbols", type=int, default=SYMBOLS, help="symbols quoted")
    parser.add_argument("--held", type=float, default=HELD_FRACTION, help="share of the symbols with a position")
    parser.add_argument("--every-view", action="store_true",
                        help="also open a chart, a ladder and the ticket on storm symbols (the driver runs it once "
                             "more per rate)")
    parser.add_argument("--profile", metavar="PATH", help="with --child: write cProfile stats to PATH")
    parser.add_argument("--no-vnpy", action="store_true", help="skip the vn.py reference")
    args = parser.parse_args(argv)
    if args.child:
        run_child(args)
    else:
        run_driver(args)


if __name__ == "__main__":
    main()
