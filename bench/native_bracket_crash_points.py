"""Crash points of native brackets (IB, Alpaca, OANDA): the app killed (SIGKILL) around a bracket's send, restarted,
checked against the broker simulator's books; prints one JSON line of figures.

    python -m bench.native_bracket_crash_points [--broker ib|alpaca|oanda] [--runs 200] [--points after_commit,…]

Alpaca and OANDA (points after_commit, after_send: the broker booked the bracket and its answer died with the
process, after_ack: the acknowledgement reached the adapter, not the journal) run
tests/adapters/native_crash_child.py and check with tests/adapters/native_crash_check.py: at most one bracket at
the broker per run, and our legs agree (never sent: all three closed; sent: all three working, then cancelled
with their entry). What follows describes the IB runs.

Each run starts tests/adapters/ib_crash_child.py ("bracket") on a fresh data dir against one TWS simulator in
this process: a real session journals a resting buy with a stop-loss and a take-profit and sends it to IB as
a native bracket, dying at the point (after_commit: journaled, nothing sent; after_send: the leg that
transmits the group has left the process, no answer read). A new session then restarts on the data dir,
reconciles, and is checked with the simulator's books: every leg is at IB at most once (never resent), and
the legs in our books match IB (after_commit: none at IB, all three closed as never sent; after_send: all
three at IB once and adopted as working). The figure `exactly_once_pct` must read 100.0 (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import emit, machine
from bench.exactly_once import Tally, figures_of
from core.adapters.ib.adapter import IbBroker
from core.domain import OrderStatus
from core.domain.protection import BRACKET_LEGS, child_order_id
from core.services.bus import EventBus
from core.services.reconciliation import NEVER_SENT
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.ib_crash_child import ACCOUNT, CLIENT_ID, CrashPoint, ib_config
from tests.adapters.native_crash_check import kill_child as kill_native
from tests.adapters.native_crash_check import restart_and_check as check_native
from tests.adapters.native_crash_child import NativePoint
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.oanda.server import OandaSimulator
from tests.sims.tws import TwsSimulator

ROOT = Path(__file__).resolve().parents[1]
POINTS = (CrashPoint.AFTER_COMMIT, CrashPoint.AFTER_SEND)


async def kill_child(sim: TwsSimulator, data_dir: Path, point: CrashPoint) -> bool:
    """Run the child to its death at point; return True if it died by SIGKILL."""
    command = [sys.executable, "-m", "tests.adapters.ib_crash_child", str(data_dir), str(sim.port), point.value,
               "bracket"]
    child = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    for _ in range(1000):
        if CLIENT_ID not in sim.connections:
            break
        await asyncio.sleep(0.01)
    return child.returncode == -signal.SIGKILL


async def restart_and_check(sim: TwsSimulator, data_dir: Path, point: CrashPoint) -> str:
    """Restart on data_dir, reconcile with sim; return "" when every leg went out at most once and agrees."""
    journal = SqliteJournal(data_dir / "journal.sqlite")
    session = TradingSession(EventBus(), journal)
    session.add_account(IbBroker(ACCOUNT, ib_config(sim.port), session.bus.publish))
    try:
        session.restore()
        entries = [o for o in session.oms.orders() if str(o.client_order_id).startswith("T")]
        if len(entries) != 1:
            return f"{len(entries)} entries journaled"
        entry = entries[0]
        legs = [entry, *(session.oms.get(child_order_id(entry.client_order_id, leg)) for leg in BRACKET_LEGS)]
        if any(leg is None for leg in legs):
            return "a child was not journaled with its entry"
        await session.connect(ACCOUNT)
        await asyncio.sleep(0.2)  # anything resent would reach the simulator meanwhile
        refs = [o.order_ref for o in sim.book.every_order()]
        counts = [refs.count(str(leg.client_order_id)) for leg in legs if leg is not None]
        statuses = [leg.status for leg in legs if leg is not None]
        if point is CrashPoint.AFTER_COMMIT:
            expected_counts, good = [0, 0, 0], all(s is OrderStatus.CANCELED for s in statuses) and all(
                leg is not None and leg.reason == NEVER_SENT for leg in legs)
        else:
            expected_counts, good = [1, 1, 1], all(s is OrderStatus.ACCEPTED for s in statuses)
        if counts != expected_counts or not good:
            return f"at IB {counts}, ours {[s.value for s in statuses]}"
        if point is CrashPoint.AFTER_SEND:
            await session.cancel(entry.client_order_id)  # leave the simulator's book clean for the next run
        return ""
    finally:
        await session.close()
        journal.close()


async def run(points: list[CrashPoint], runs: int, root: Path) -> dict[str, object]:
    sim = TwsSimulator(tick_interval_s=0.05)
    await sim.start()
    tallies: dict[str, Tally] = {}
    try:
        for point in points:
            tally = tallies[point.value] = Tally()
            for n in range(runs):
                data_dir = root / f"{point.value}-{n}"
                data_dir.mkdir()
                killed = await kill_child(sim, data_dir, point)
                tally.add(killed, await restart_and_check(sim, data_dir, point))
    finally:
        await sim.stop()
    return figures_of(tallies)


async def run_native(broker: str, points: list[NativePoint], runs: int, root: Path) -> dict[str, object]:
    """The Alpaca or OANDA runs: each point `runs` times against one simulator kept across the deaths."""
    sim = AlpacaSimulator(tick_interval_s=0.05) if broker == "alpaca" else OandaSimulator(tick_interval_s=0.05)
    await sim.start()
    tallies: dict[str, Tally] = {}
    try:
        for point in points:
            tally = tallies[point.value] = Tally()
            for n in range(runs):
                data_dir = root / f"{broker}-{point.value}-{n}"
                data_dir.mkdir()
                killed = await kill_native(sim, data_dir, point) == -signal.SIGKILL
                problem, _legs = await check_native(sim, data_dir, point)
                tally.add(killed, problem)
    finally:
        await sim.stop()
    return figures_of(tallies)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.native_bracket_crash_points",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--broker", choices=("ib", "alpaca", "oanda"), default="ib")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--points", default="")
    args = parser.parse_args(argv)
    kinds: type[CrashPoint] | type[NativePoint] = CrashPoint if args.broker == "ib" else NativePoint
    known = POINTS if args.broker == "ib" else tuple(NativePoint)
    try:
        chosen = [kinds(p) for p in args.points.split(",") if p] or list(known)
    except ValueError:
        parser.error(f"choose points from {', '.join(p.value for p in known)}")
    with tempfile.TemporaryDirectory(prefix="tradeterm-native-crash-") as root:
        if args.broker == "ib":
            record = asyncio.run(run([CrashPoint(p) for p in chosen], args.runs, Path(root)))
        else:
            record = asyncio.run(run_native(args.broker, [NativePoint(p) for p in chosen], args.runs, Path(root)))
    emit({"bench": "native_bracket_crash_points", "broker": args.broker, "runs_per_point": args.runs, **record,
          "machine": machine()})
    if not record["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
