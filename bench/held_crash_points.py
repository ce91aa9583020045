"""Crash points of held protective orders: the app killed (SIGKILL) around a held stop-loss, restarted, checked;
prints one JSON line of figures.

    python -m bench.held_crash_points [--runs 200] [--seed N] [--points p1,p2,...]

Each run forks a child from this process: it opens a real TradingSession, SqliteJournal and PaperBroker on a
fresh data dir, buys a random quantity with a held stop-loss (a bracket), then publishes a price through the
stop on the account's own feed, and kills itself with SIGKILL at the point's label. The parent restarts a
session on the same data dir, reconciles, publishes a price through the stop again, and checks with the
broker's own books that the stop went out exactly once: the position is flat (never short: sent twice; never
still long: missed), and at most one protective order of the bracket was filled.

The figures `exactly_once` must read 100.0 % (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bench import crash_child
from bench.common import emit, machine
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    AccountId,
    ClientOrderId,
    Event,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
)
from core.domain.protection import Bracket, HeldChild, HeldState
from core.ports.journal import IntakeKey
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-HELD")
POINTS = (
    "held_entry_filled_before_arm",  # the entry's fill is journaled; its children's ARMED state is not
    "held_trigger_before_commit",  # the stop was touched; its child order and TRIGGERED state not yet journaled
    "held_trigger_after_commit",  # the child order and TRIGGERED state are journaled; the adapter not yet called
    "held_trigger_after_send",  # the broker took (and filled) the child order; TradeTerm never heard of it
)
STOP_BELOW = Decimal("1.00")


class Armed:
    point = ""
    muted = False


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class DyingJournal(SqliteJournal):
    def record_held(self, children: Sequence[HeldChild]) -> None:
        if Armed.point == "held_entry_filled_before_arm" and any(c.state is HeldState.ARMED for c in children):
            die()
        super().record_held(children)

    def record_orders(self, orders: Sequence[Order], keys: Mapping[ClientOrderId, IntakeKey] | None = None,
                      held: Sequence[HeldChild] = ()) -> None:
        fired = any(c.state is HeldState.TRIGGERED for c in held)
        if fired and Armed.point == "held_trigger_before_commit":
            die()
        super().record_orders(orders, keys, held)
        if fired and Armed.point == "held_trigger_after_commit":
            die()


class DyingPaper(PaperBroker):
    async def submit(self, order: Order) -> None:
        if order.origin is OrderOrigin.PROTECTIVE and Armed.point == "held_trigger_after_send":
            Armed.muted = True  # the broker acts; the dying process never hears of it
            await super().submit(order)
            die()
        await super().submit(order)


def paper_config(data_dir: Path) -> PaperConfig:
    return PaperConfig.from_mapping({"state_path": str(data_dir / "paper.json"), "tick_interval_s": 60})


def through_the_stop(session: TradingSession, stop: Decimal) -> None:
    session.bus.publish_quotes([Quote("AAPL", bid=stop - Decimal("0.01"), ask=stop, source=ACCOUNT)])


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def child_main(data_dir: Path, point: str, seed: int) -> None:
    rng = random.Random(seed)
    bus = EventBus()
    session = TradingSession(bus, DyingJournal(data_dir / "journal.sqlite"))

    def sink(event: Event) -> None:
        if not Armed.muted:
            bus.publish(event)

    session.add_account(DyingPaper(ACCOUNT, paper_config(data_dir), sink))
    session.restore()
    await session.connect(ACCOUNT)
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None and quote.ask is not None
    stop = quote.bid - STOP_BELOW
    Armed.point = point
    await session.submit_bracket(OrderRequest(ACCOUNT, "AAPL", Side.BUY, str(rng.randint(1, 50)), OrderType.LIMIT,
                                              quote.ask), Bracket(stop_loss=stop))
    through_the_stop(session, stop)
    await settle()


def run_child(data_dir: Path, point: str, seed: int) -> int:
    """Fork a child that acts and dies at point; return its wait status."""
    return crash_child.run_child(f"held crash child {point} seed {seed}", lambda: child_main(data_dir, point, seed))


@dataclass
class Outcome:
    exactly_once: bool
    problem: str = ""


async def restart_and_check(data_dir: Path) -> Outcome:
    bus = EventBus()
    journal = SqliteJournal(data_dir / "journal.sqlite")
    session = TradingSession(bus, journal)
    broker = PaperBroker(ACCOUNT, paper_config(data_dir), bus.publish)
    session.add_account(broker)
    try:
        session.restore()
        await session.connect(ACCOUNT)
        (held,) = session.protection.children(ACCOUNT)
        for _ in range(2):  # touched twice after the restart: still one stop
            through_the_stop(session, held.trigger)
            await settle()
        snapshot = await broker.snapshot()
        position = sum((p.quantity for p in snapshot.positions if p.symbol == "AAPL"), Decimal(0))
        filled = [o for o in session.oms.orders(ACCOUNT)
                  if o.origin is OrderOrigin.PROTECTIVE and o.status is OrderStatus.FILLED]
        if position != 0 or len(filled) != 1:
            return Outcome(False, f"position {position}, {len(filled)} filled protective order(s), "
                                  f"held {held.state.value}")
        return Outcome(True)
    finally:
        await session.close()
        journal.close()


def run(points: Sequence[str], runs: int, seed: int, root: Path) -> dict[str, object]:
    rng = random.Random(seed)
    figures: dict[str, dict[str, object]] = {}
    failed = False
    for point in points:
        good, problems, killed = 0, [], 0
        for n in range(runs):
            data_dir = root / f"{point}-{n}"
            data_dir.mkdir()
            status = run_child(data_dir, point, rng.randrange(1 << 30))
            killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            outcome = asyncio.run(restart_and_check(data_dir))
            good += outcome.exactly_once
            if not outcome.exactly_once:
                problems.append(outcome.problem)
        failed |= good != runs or killed != runs
        figures[point] = {"runs": runs, "killed": killed, "exactly_once_pct": round(100.0 * good / runs, 1),
                          "problems": problems[:3]}
    return {"points": figures, "ok": not failed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.held_crash_points", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    parser.add_argument("--points", default=",".join(POINTS), help="comma-separated points (default: all)")
    args = parser.parse_args(argv)
    points = [p for p in args.points.split(",") if p]
    unknown = sorted(set(points) - set(POINTS))
    if unknown:
        parser.error(f"unknown point(s) {', '.join(unknown)}; choose from {', '.join(POINTS)}")
    with tempfile.TemporaryDirectory(prefix="tradeterm-held-crash-") as root:
        record = run(points, args.runs, args.seed, Path(root))
    emit({"bench": "held_crash_points", "seed": args.seed, "runs_per_point": args.runs, **record,
          "machine": machine()})
    if not record["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
