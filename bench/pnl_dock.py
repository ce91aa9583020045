"""The P&L dock on a long journal: how long the GUI thread is busy at a stretch while the dock builds its curve.

`python -m bench.pnl_dock` writes (or reuses, with --keep) bench.history's journal of N orders and F fills
(four accounts, 500 USD symbols), its order events rewritten as real ones (Submitted, then Accepted) so that
the journal's own load() can read it as the dock did before, then in a fresh child process builds the P&L
dock for one of its accounts
on a real TradingSession over that journal, with a 1 ms heartbeat on the GUI thread (bench/qtprobe.py),
until the curve shows the account's P&L. One JSON line per run:

- gui_busy_max_ms: the most CPU the GUI thread spent between two beats (the stall a trader feels; the
  host's steal does not count), gui_gap_max_ms the longest wall gap between beats;
- curve_ms: from build() until the curve shows the replayed P&L; peak_rss_mb of the child.

With `--before REV` the same child also runs on that revision's gui/ and core/ (a `git archive` of it,
this file copied in), the runs interleaved, each line tagged with its tree.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, emit, machine, ms, peak_rss_mb

ACCOUNT = "PAPER-1"


def loadable(path: Path) -> None:
    """Rewrite bench.history's placeholder order events ('{}') as events the journal's load() replays."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        conn.execute("UPDATE order_events SET type = 'OrderAccepted', event = json_object('type', 'OrderAccepted', "
                     "'client_order_id', client_order_id, 'broker_order_id', 'B' || seq, 'ts', ts) "
                     "WHERE type != 'OrderSubmitted'")
        conn.execute("UPDATE order_events SET event = json_object('type', 'OrderSubmitted', "
                     "'client_order_id', client_order_id, 'ts', ts) WHERE type = 'OrderSubmitted'")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def child(journal: Path) -> dict[str, object]:
    """Build the P&L dock over journal on the GUI thread of a qasync loop; return the figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from decimal import Decimal

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    from bench.qtprobe import Heartbeat
    from core.domain import AccountId, Instrument
    from core.services.bus import EventBus
    from core.services.session import TradingSession
    from core.storage import SqliteJournal
    from core.storage.history_queries import open_history
    from gui.async_op import OpReporter
    from gui.controllers.pnl_curve import PnlCurveDocks
    from gui.event_loop import EventLoop
    from gui.widgets import pnl_curve  # noqa: F401  (pyqtgraph: imported by the chart already, not measured here)

    app = QApplication.instance() or QApplication([])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)

    class Log:
        def add(self, level: str, text: str) -> None:
            print(level, text, file=sys.stderr)

    class Window(QMainWindow):
        """What the dock asks of the main window (MainWindow needs accounts connected and much more)."""

        def __init__(self, session: TradingSession) -> None:
            super().__init__()
            self.session = session
            self.reporter = OpReporter(self)
            self.log_view = Log()
            self.keep_alive: list[object] = []
            self.shutdown_hooks: list[Any] = []
            self.setCentralWidget(QWidget())

        def add_dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
            from PySide6.QtWidgets import QDockWidget

            dock = QDockWidget(title, self, objectName=name)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)

    async def run() -> dict[str, object]:
        with SqliteJournal(journal) as sqlite_journal:
            session = TradingSession(EventBus(), sqlite_journal)
            session.instruments.add([Instrument(f"S{n:03d}", "SMART", "USD", Decimal("0.01")) for n in range(500)])
            session.view.account_ids = lambda: [AccountId(ACCOUNT)]  # type: ignore[method-assign]
            window = Window(session)
            window.resize(1200, 800)
            window.show()
            await asyncio.sleep(0.3)
            new = "open_history" in inspect.signature(PnlCurveDocks.__init__).parameters
            docks = PnlCurveDocks(window, lambda: open_history(journal)) if new else PnlCurveDocks(window)  # type: ignore[call-arg]
            beat = Heartbeat()
            beat.start()
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            view = docks.build()
            assert view is not None
            for job in list(getattr(docks, "replays", {}).values()):
                await job
            while not view.latest.text().startswith("P&L"):
                await asyncio.sleep(0.001)
            took = time.perf_counter() - started
            await asyncio.sleep(0.05)
            beat.stop()
            shown = view.latest.text()
            for hook in window.shutdown_hooks:
                await hook()
            window.close()
            return {"gui_busy_max_ms": ms(max(beat.cpu_gaps)), "gui_gap_max_ms": ms(max(beat.gaps)),
                    "curve_ms": ms(took), "shown": shown, "peak_rss_mb": round(peak_rss_mb(), 1)}

    with loop:
        return loop.run_until_complete(run())


def _spawn(tree: Path, journal: Path) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(tree))
    result = subprocess.run([sys.executable, "-m", "bench.pnl_dock", "--child", str(journal)], cwd=tree, env=env,
                            capture_output=True, text=True, timeout=1800, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"pnl_dock child in {tree} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    figures: dict[str, object] = json.loads(lines[-1])
    if result.stderr.strip():
        print(result.stderr.strip()[-2000:], file=sys.stderr)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pnl_dock", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--fills", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--before", metavar="REV", help="also run on this git revision's code, interleaved")
    parser.add_argument("--keep", metavar="DIR", help="write (or reuse) the journal in DIR instead of a temp folder")
    parser.add_argument("--child", metavar="JOURNAL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child))), flush=True)
        return
    from bench.history import build_journal

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        journal = folder / f"pnl-dock-{args.orders}-{args.fills}.sqlite"
        if not journal.exists():
            build_journal(journal, args.orders, args.fills)
            loadable(journal)
        trees = {"this": REPO}
        if args.before:
            before = Path(scratch) / "before"
            before.mkdir()
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
            (before / "bench" / "pnl_dock.py").write_text((REPO / "bench" / "pnl_dock.py").read_text())
            trees = {f"before:{args.before}": before, **trees}
        base = {"bench": "pnl_dock", "orders": args.orders, "fills": args.fills, "account": ACCOUNT, **machine()}
        for run in range(args.runs):
            for name, tree in trees.items():
                emit({**base, "tree": name, "run": run, **_spawn(tree, journal)})


if __name__ == "__main__":
    main()
