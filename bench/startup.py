"""Startup: a fresh process to the first paint of the main window (median of several runs); RSS idle and streaming.

`python -m bench.startup` starts `--child` processes one after another. Each child does what
`tradeterm` does (QApplication, qasync loop, create_main_window with the paper profile in a fresh
data dir, resize, show, connect) and reports when the first paint of the window has finished;
the parent measures from just before it spawned the child (the monotonic clock is shared by
processes). Each child also reports the CPU time it used until then (first_paint_cpu: user + system,
which other processes on a shared host disturb far less than the wall time). Children keep the
bytecode they compile in a private cache (an installed TradeTerm has its .pyc files, and
PYTHONDONTWRITEBYTECODE would make every child compile every module); a first, unmeasured child
fills it. `--no-bytecode-cache` measures the compiling start instead. The first child then stays up:
RSS at idle after 1 s (the paper market quoting), and
with 1,000 more symbols streaming at 10k quotes/s for 3 s through the bus into both grids.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import REPO, cpu_seconds, emit, machine, ms, now, peak_rss_mb, rss_mb

RUNS = 5
STREAM_SYMBOLS = 1_000
STREAM_RATE = 10_000


def run_child(stream: bool, symbols: int, stream_seconds: float, data: str | None = None) -> dict[str, float]:
    """Start the application as `tradeterm` would; return the first-paint time and RSS figures.

    data: a data folder to start in (bench.restore's, with a long journal) instead of a fresh one.
    """
    from gui.app import create_main_window  # first, as `tradeterm` imports it: before PySide6 (gui/__init__.py)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.event_loop import EventLoop

    imported = now()
    app = QApplication.instance() or QApplication(["tradeterm"])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    data_dir = tempfile.TemporaryDirectory(prefix="startup-")
    folder = data if data is not None else data_dir.name
    figures: dict[str, float] = {"imported": imported}
    painted = asyncio.Event()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "first_paint" not in figures:
                figures["first_paint"] = 0.0
                QTimer.singleShot(0, self._done)  # runs once this paint (and its children's) is over
            return False

        def _done(self) -> None:
            figures["first_paint"] = now()
            figures["first_paint_cpu"] = cpu_seconds()
            painted.set()

    async def scenario() -> None:
        window = create_main_window(folder, "paper")
        figures["window_built"] = now()
        probe = FirstPaint(window)
        window.installEventFilter(probe)
        window.resize(1500, 900)
        window.show()
        await asyncio.wait_for(painted.wait(), 30)
        if stream:
            await asyncio.sleep(1.0)
            figures["rss_idle_mb"] = rss_mb()
            figures.update(await _stream(window, symbols, stream_seconds))
        window.close()
        await window.shutdown()

    with loop:
        loop.run_until_complete(scenario())
    data_dir.cleanup()
    return figures


async def _stream(window: object, count: int, seconds: float) -> dict[str, float]:
    from decimal import Decimal

    from bench.tickstorm import Feeder, _held_fills, symbol_names
    from core.domain import Instrument

    session, bridge = window.session, window.bridge  # type: ignore[attr-defined]
    symbols = symbol_names(count)
    instruments = [Instrument(symbol=s, venue="BENCH", currency="USD", tick_size=Decimal("0.01")) for s in symbols]
    session.instruments.add(instruments)
    bridge.quotes.set_instruments(instruments)
    bridge.quotes.watch(symbols)
    session.portfolio.restore(_held_fills(symbols, 0.4))
    feeder = Feeder(symbols, STREAM_RATE, session.bus.publish_quotes, lambda symbol, created: None)
    await feeder.run(seconds)
    return {"rss_streaming_mb": rss_mb(), "peak_rss_mb": peak_rss_mb(), "streamed_quotes": feeder.sent}


def _child(env: dict[str, str], symbols: int, stream_seconds: float, stream: bool) -> tuple[float, dict[str, float]]:
    """Start one child; return when it was spawned and its figures."""
    command = [sys.executable, "-m", "bench.startup", "--child", "--symbols", str(symbols),
               "--stream-seconds", str(stream_seconds)]
    if stream:
        command.append("--stream")
    spawned = now()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"startup child failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return spawned, json.loads(lines[-1])


def run_parent(runs: int, symbols: int, stream_seconds: float, bytecode_cache: bool = True) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    cache = tempfile.TemporaryDirectory(prefix="startup-pycache-") if bytecode_cache else None
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache.name
        _child(env, symbols, stream_seconds, False)  # compiles and caches every module: not measured
    startups: list[float] = []
    cpus: list[float] = []
    imports: list[float] = []
    memory: dict[str, float] = {}
    try:
        for index in range(runs):
            spawned, figures = _child(env, symbols, stream_seconds, index == 0)
            startups.append(figures["first_paint"] - spawned)
            cpus.append(figures["first_paint_cpu"])
            imports.append(figures["imported"] - spawned)
            if index == 0:
                memory = {k: figures[k] for k in ("rss_idle_mb", "rss_streaming_mb", "peak_rss_mb", "streamed_quotes")}
            time.sleep(0.2)
    finally:
        if cache is not None:
            cache.cleanup()
    return {
        "bench": "startup", "variant": "paper", "runs": runs, "bytecode_cache": bytecode_cache,
        "first_paint_median_ms": ms(statistics.median(startups)),
        "first_paint_min_ms": ms(min(startups)), "first_paint_max_ms": ms(max(startups)),
        "first_paint_cpu_median_ms": ms(statistics.median(cpus)),
        "first_paint_cpu_min_ms": ms(min(cpus)), "first_paint_cpu_max_ms": ms(max(cpus)),
        "imports_median_ms": ms(statistics.median(imports)),
        **memory, "stream_symbols": symbols, "stream_rate": STREAM_RATE,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="fresh processes to start")
    parser.add_argument("--symbols", type=int, default=STREAM_SYMBOLS, help="symbols streamed for the RSS figure")
    parser.add_argument("--stream-seconds", type=float, default=3.0, help="how long they stream")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="let every child compile what it imports (as with PYTHONDONTWRITEBYTECODE)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--stream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.stream, args.symbols, args.stream_seconds, args.data_dir)), flush=True)
        return
    emit({**run_parent(args.runs, args.symbols, args.stream_seconds, not args.no_bytecode_cache), **machine()})


if __name__ == "__main__":
    main()
