"""Restart with a long journal: restore time, and first paint with a million orders and 1,000 watchlist symbols.

`python -m bench.restore` writes bench.history's journal of N orders and F fills (four accounts, 500 symbols),
made consistent for a restore: every order CANCELED with its Submitted, Accepted and Canceled events, except
the newest --working ones, which are ACCEPTED (working); the fills belong to no order (bench.history's name
orders of other symbols). Then, in fresh child processes, each figure one JSON line:

- restore: open the journal and run TradingSession.restore() (restore_ms; the orders it keeps in memory, the
  positions, a digest of the positions that must be the same in every tree, peak RSS); whether the open ran the
  full integrity check or deferred it, and a deferred one's time (run after the figures, as the window does
  after its first paint);
- first_paint: bench.startup's child (QApplication, qasync loop, create_main_window with the paper profile)
  in a data folder holding that journal and a watchlist of --symbols symbols, to the end of the first paint.

With `--before REV` the same children also run on that revision's core/ and gui/ (a `git archive` of it, this
tree's bench/ copied in), the runs interleaved, each line tagged with its tree. A tree that cannot read the
journal's format gets its own copy at that format (the newer table dropped). This tree's first restore of a
journal without a positions checkpoint folds every fill once and writes it (`restore_upgrade`, one line);
the interleaved runs are the restarts after it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from bench.common import REPO, emit, machine, ms, now, peak_rss_mb


def consistent(path: Path, working: int) -> None:
    """Rewrite bench.history's orders and placeholder events as a journal a restart replays to the same statuses."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        last = conn.execute("SELECT max(rowid) FROM orders").fetchone()[0]
        conn.execute("UPDATE orders SET status = CASE WHEN rowid > ? THEN 'ACCEPTED' ELSE 'CANCELED' END, "
                     "filled_qty = '0', avg_fill_price = NULL, reason = ''", (last - working,))
        conn.execute("UPDATE order_events SET type = 'OrderAccepted', event = json_object('type', 'OrderAccepted', "
                     "'client_order_id', client_order_id, 'broker_order_id', 'B' || seq, 'ts', ts) "
                     "WHERE type != 'OrderSubmitted'")
        conn.execute("UPDATE order_events SET event = json_object('type', 'OrderSubmitted', "
                     "'client_order_id', client_order_id, 'ts', ts) WHERE type = 'OrderSubmitted'")
        conn.execute("INSERT INTO order_events (client_order_id, type, event, ts) "
                     "SELECT client_order_id, 'OrderCanceled', json_object('type', 'OrderCanceled', 'client_order_id', "
                     "client_order_id, 'reason', '', 'ts', created_utc || 'Z'), created_utc || 'Z' FROM orders "
                     "WHERE status = 'CANCELED' ORDER BY rowid")
        # bench.history's fills name orders of other symbols: here they are fills of no order (the broker's own)
        conn.execute("UPDATE fills SET client_order_id = NULL, "
                     "fill = json_set(fill, '$.client_order_id', json('null'))")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def at_format(source: Path, target: Path, version: int) -> None:
    """Copy the journal at source to target as a journal of an older format (the newer tables dropped)."""
    shutil.copyfile(source, target)
    with closing(sqlite3.connect(target, isolation_level=None)) as conn:
        if version >= conn.execute("PRAGMA user_version").fetchone()[0]:
            return  # a tree of this format or newer migrates it itself
        if version < 10:
            conn.execute("DROP TABLE IF EXISTS journal_meta")
        if version < 9:
            conn.execute("DROP TABLE IF EXISTS positions_checkpoint")
        conn.execute(f"PRAGMA user_version = {version}")


def watchlist(folder: Path, symbols: int) -> None:
    rows = [{"symbol": f"S{n:03d}" if n < 500 else f"W{n:04d}", "feed": None} for n in range(symbols)]
    document = {"version": 1, "current": 0, "lists": [{"name": "Main", "rows": rows}], "reference_feeds": {}}
    (folder / "watchlists.json").write_text(json.dumps(document))


def restore_child(journal: Path) -> dict[str, object]:
    """Open journal and restore a session from it; return the figures."""
    from core.services.bus import EventBus
    from core.services.session import TradingSession
    from core.storage import SqliteJournal

    started = time.perf_counter()
    with SqliteJournal(journal) as opened:
        ready = time.perf_counter()
        session = TradingSession(EventBus(), opened)
        before = time.perf_counter()
        session.restore()
        took = time.perf_counter() - before
        positions = sorted((str(p.account_id), p.symbol, str(p.quantity), str(p.avg_cost), str(p.realized_pnl),
                            str(p.sod_quantity)) for p in session.portfolio.positions())
        check = getattr(opened, "open_check", None)  # None: a tree before the deferred integrity check
        deferred: dict[str, object] = {"open_check": "full" if check is None or check.full else "deferred"}
        if check is not None and not check.full:  # what the window runs in a worker thread after its first paint
            checking = time.perf_counter()
            deferred["deferred_check_ok"] = opened.verify() is None
            deferred["deferred_check_ms"] = ms(time.perf_counter() - checking)
        return {"open_ms": ms(ready - started), "restore_ms": ms(took), **deferred,
                "orders_in_memory": len(session.oms.orders()), "working": len(session.oms.working()),
                "positions": len(positions),
                "positions_digest": hashlib.sha256(repr(positions).encode()).hexdigest()[:16],
                "peak_rss_mb": round(peak_rss_mb(), 1)}


_PYCACHE = tempfile.TemporaryDirectory(prefix="restore-pycache-")
"""The children's bytecode, as bench.startup keeps it: an installed TradeTerm has its .pyc files, and with
PYTHONDONTWRITEBYTECODE (set in this environment) every child compiled every module it imported, some 190 ms of
the first paint. The run-0 children fill it (the first restore of a run upgrades the checkpoint, unmeasured)."""


def _spawn(tree: Path, args: list[str]) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=_PYCACHE.name)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run([sys.executable, "-m", *args], cwd=tree, env=env, capture_output=True, text=True,
                            timeout=3600, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"child {args} in {tree} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    figures: dict[str, object] = json.loads(lines[-1])
    return figures


def _format_of(tree: Path) -> int:
    text = (tree / "core" / "storage" / "schema.py").read_text()
    return int(text.split("SCHEMA_VERSION: Final = ", 1)[1].split()[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.restore", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--fills", type=int, default=200_000)
    parser.add_argument("--working", type=int, default=50, help="the newest orders left working")
    parser.add_argument("--symbols", type=int, default=1_000, help="watchlist symbols for the first-paint figure")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", metavar="REV", help="also run on this git revision's code, interleaved")
    parser.add_argument("--keep", metavar="DIR", help="write (or reuse) the built journal in DIR")
    parser.add_argument("--no-paint", action="store_true", help="only the restore figures")
    parser.add_argument("--child", metavar="JOURNAL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(restore_child(Path(args.child))), flush=True)
        return
    from bench.history import build_journal

    with tempfile.TemporaryDirectory(prefix="bench-restore-") as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        built = folder / f"restore-{args.orders}-{args.fills}-{args.working}.sqlite"
        if not built.exists():
            took = build_journal(built, args.orders, args.fills)
            consistent(built, args.working)
            print(f"built {built} in {took:.0f} s", file=sys.stderr)
        trees = {"this": REPO}
        if args.before:
            before = Path(scratch) / "before"
            before.mkdir()
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
            for name in ("restore.py", "startup.py", "common.py", "history.py"):
                (before / "bench" / name).write_text((REPO / "bench" / name).read_text())
            trees = {f"before:{args.before}": before, **trees}
        data: dict[str, Path] = {}
        for name, tree in trees.items():
            data[name] = Path(scratch) / f"data-{len(data)}"
            data[name].mkdir()
            at_format(built, data[name] / "journal.sqlite", _format_of(tree))
            watchlist(data[name], args.symbols)
        base = {"orders": args.orders, "fills": args.fills, "working_orders": args.working, **machine()}
        journal = data["this"] / "journal.sqlite"
        emit({"bench": "restore_upgrade", **base, "tree": "this",
              **_spawn(REPO, ["bench.restore", "--child", str(journal)])})
        for run in range(args.runs):
            for name, tree in trees.items():
                emit({"bench": "restore", **base, "tree": name, "run": run,
                      **_spawn(tree, ["bench.restore", "--child", str(data[name] / "journal.sqlite")])})
                if not args.no_paint:
                    spawned = now()
                    figures = _spawn(tree, ["bench.startup", "--child", "--data-dir", str(data[name])])
                    emit({"bench": "first_paint", **base, "watchlist_symbols": args.symbols, "tree": name,
                          "run": run, "first_paint_ms": ms(float(figures["first_paint"]) - spawned),  # type: ignore[arg-type]
                          "first_paint_cpu_ms": ms(float(figures["first_paint_cpu"])),  # type: ignore[arg-type]
                          "imports_ms": ms(float(figures["imported"]) - spawned)})  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
