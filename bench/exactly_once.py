"""The crash benches' shared parts: how a child dies, how a point is run `runs` times, and one JSON line of figures.

Each bench that counts "exactly once" (held, linked and native-bracket crash points) kills a child at a planned
point, restarts on its data dir and checks the broker's books; what differs is the child and the check. This
module is everything else, written once: the per-point tally (runs, killed by SIGKILL, exactly-once %), the
command line (--runs, --seed, --points) and the exit status (1 unless every point reads 100.0 %).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from bench.common import emit, machine
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Event
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal


def die() -> NoReturn:
    """Kill this process as kill -9 would: no finally, no flush, no atexit."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable: SIGKILL cannot be caught")


def paper_config(data_dir: Path) -> PaperConfig:
    """The paper account of a crash run: its books on the run's data dir, a market that does not move by itself."""
    return PaperConfig.from_mapping({"state_path": str(data_dir / "paper.json"), "tick_interval_s": 60})


async def settle(rounds: int = 20) -> None:
    """Let the loop run what the last step scheduled (fills, cancels, journal writes) without waiting on time."""
    for _ in range(rounds):
        await asyncio.sleep(0)


@dataclass
class Outcome:
    exactly_once: bool
    problem: str = ""


@dataclass
class Tally:
    """One point's figures: how many runs, how many the child died at its point, how many came out exactly once."""

    runs: int = 0
    killed: int = 0
    good: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, killed: bool, problem: str) -> None:
        self.runs += 1
        self.killed += killed
        self.good += not problem
        if problem:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return self.good == self.runs == self.killed

    def figures(self) -> dict[str, object]:
        pct = round(100.0 * self.good / self.runs, 1) if self.runs else 0.0
        return {"runs": self.runs, "killed": self.killed, "exactly_once_pct": pct, "problems": self.problems[:3]}


def killed_by_sigkill(status: int) -> bool:
    """True when a forked child's wait status says SIGKILL ended it (its crash point fired)."""
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def run_forked(points: Sequence[str], runs: int, seed: int, root: Path, run_child: Callable[[Path, str, int], int],
               check: Callable[[Path, str], Coroutine[Any, Any, Outcome]]) -> dict[str, object]:
    """Each point `runs` times: fork a child that dies at it (run_child returns its wait status), then check."""
    rng = random.Random(seed)
    tallies: dict[str, Tally] = {}
    for point in points:
        tally = tallies[point] = Tally()
        for n in range(runs):
            data_dir = root / f"{point}-{n}"
            data_dir.mkdir()
            status = run_child(data_dir, point, rng.randrange(1 << 30))
            outcome = asyncio.run(check(data_dir, point))
            tally.add(killed_by_sigkill(status), "" if outcome.exactly_once else outcome.problem or "not exactly once")
    return figures_of(tallies)


def figures_of(tallies: dict[str, Tally]) -> dict[str, object]:
    """The bench's record: each point's figures, and ok when every point came out exactly once every run."""
    return {"points": {p: t.figures() for p, t in tallies.items()}, "ok": all(t.ok for t in tallies.values())}


def main(bench: str, doc: str | None, points: Sequence[str], check_runs: Callable[..., dict[str, object]],
         argv: list[str] | None = None) -> None:
    """The command line of a forked exactly-once bench; check_runs(points, runs, seed, root) gives its figures."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{bench}", description=(doc or bench).splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    parser.add_argument("--points", default=",".join(points), help="comma-separated points (default: all)")
    args = parser.parse_args(argv)
    chosen = [p for p in args.points.split(",") if p]
    unknown = sorted(set(chosen) - set(points))
    if unknown:
        parser.error(f"unknown point(s) {', '.join(unknown)}; choose from {', '.join(points)}")
    with tempfile.TemporaryDirectory(prefix=f"tradeterm-{bench}-") as root:
        record = check_runs(chosen, args.runs, args.seed, Path(root))
    emit({"bench": bench, "seed": args.seed, "runs_per_point": args.runs, **record, "machine": machine()})
    if not record["ok"]:
        sys.exit(1)


def dying_session(data_dir: Path, journal: SqliteJournal, broker_type: type[PaperBroker], account: AccountId,
                  muted: Callable[[], bool]) -> tuple[TradingSession, PaperBroker]:
    """A real session on data_dir with a paper account whose reports stop reaching it once muted() says so
    (the broker acted; the dying process never hears of it)."""
    bus = EventBus()
    session = TradingSession(bus, journal)

    def sink(event: Event) -> None:
        if not muted():
            bus.publish(event)

    broker = broker_type(account, paper_config(data_dir), sink)
    session.add_account(broker)
    session.restore()
    return session, broker
