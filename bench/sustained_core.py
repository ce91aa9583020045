"""Orders per second through risk, journal and paper without the window: the core's own CPU per order.

`python -m bench.sustained_core` runs bench.click_to_wire's sustained runs (the same orders, limits and paper
account: risk with realistic limits, the durable journal commit, the paper broker's synced change log) on a
bare asyncio loop with a TradingSession and no window, one at a time and IN_FLIGHT at once, --rounds times
(each round's orders rest on the book for the next; a cancel-all clears them between rounds). One JSON line per
run: orders_per_s, cpu_ms_per_order, and of it the kernel's share (sys_ms_per_order: the journal's and the
paper log's writes and flushes, the loop's polls). What is left of click_to_wire's sustained figures above
these is the window's (its views of each order, the Log dock's line, Qt's turn of the loop); on this shared
host these figures also move less from run to run, so a change to core/ shows here first.

--profile PATH writes a cProfile of the last round's runs (the thread's CPU clock) to PATH-<in flight>.prof,
with report_queue.BURST_S raised so the profiler's slowness does not make every order look alone.

--data-dir DIR writes the journal and the paper account in DIR (default: the system's temporary folder). On a
tmpfs (/dev/shm) a disk flush returns at once and nothing else changes (the same writes, statements and loop
turns), so the figures there are the core's CPU per order without its two flushes (the journal's commit before
the send, the paper log's before the report). On this host, 2026-12-07: one at a time 0.31-0.35 ms/order on
tmpfs against 0.71-0.80 on disk (64 in flight: 0.19-0.21 against 0.22-0.25). Of the ~0.5 ms an order alone
costs above one in a batch, ~0.4 ms goes with its two waits for the disk, and most of that is not the flush
but the thread's sleep: on tmpfs, a 0.3 ms sleep in place of the paper log's flush alone raises the figure by
0.18 ms (0.34-0.42 -> 0.51-0.61), the cost of a sleep and wake-up on this virtual machine. The other ~0.13 ms
is what one transaction and one log sync cost an order alone (strace: ~25 pwrites, i.e. ~12 WAL frames, and
~6 fcntl lock calls a commit).

Like bench/diff_profile.py, it imports `core` and `bench` from the working directory, so an older checkout is
measured the same way: `cd /work/wt/base && python /path/to/bench/sustained_core.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROUNDS = 2
ORDERS = 2_000
"""Orders a run (bench.click_to_wire's THROUGHPUT_ORDERS)."""


def _cpu() -> tuple[float, float]:
    """Return this process's (user, system) CPU seconds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


async def _sustained(session: Any, account: Any, bid: Decimal, count: int, in_flight: int, first: int,
                     profiler: cProfile.Profile | None) -> dict[str, Any]:
    """Submit count resting orders, up to in_flight at once (as click_to_wire's _throughput); return the figures."""
    from bench.click_to_wire import _resting_price
    from bench.common import now
    from core.domain import OrderRequest, OrderStatus, OrderType, Side

    numbers = iter(range(first, first + count))
    accepted = 0

    async def sender() -> None:
        nonlocal accepted
        for k in numbers:
            order = await session.submit(OrderRequest(account, "MSFT", Side.BUY, Decimal(1 + k % 9), OrderType.LIMIT,
                                                      _resting_price(bid, k)))
            accepted += order.status is OrderStatus.ACCEPTED

    user0, sys0 = _cpu()
    start = now()
    if profiler is not None:
        profiler.enable()
    await asyncio.gather(*(sender() for _ in range(in_flight)))
    if profiler is not None:
        profiler.disable()
    elapsed = now() - start
    user, system = _cpu()
    return {"in_flight": in_flight, "orders": count, "accepted": accepted, "orders_per_s": round(count / elapsed),
            "cpu_ms_per_order": round((user - user0 + system - sys0) / count * 1000, 3),
            "sys_ms_per_order": round((system - sys0) / count * 1000, 3)}


async def run(count: int, rounds: int, profile: str | None, data_dir: str | None = None) -> list[dict[str, Any]]:
    """Run the sustained runs rounds times in a fresh data folder (in data_dir, if given); return one figure set
    per run."""
    from bench.click_to_wire import IN_FLIGHT, RISK
    from bench.common import peak_rss_mb
    from core.adapters.paper.adapter import PaperBroker
    from core.adapters.paper.config import PaperConfig
    from core.domain import AccountId
    from core.services.bus import EventBus
    from core.services.risk import RiskConfig
    from core.services.session import TradingSession
    from core.storage.journal import SqliteJournal

    if profile is not None:
        from core.adapters.paper import report_queue

        report_queue.BURST_S = 60.0  # as fast as unprofiled: back-to-back orders share the end-of-turn flush
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sustained-core-", dir=data_dir) as work:
        data = Path(work)
        bus = EventBus()
        journal = SqliteJournal(data / "journal.sqlite")
        session = TradingSession(bus, journal, risk=RiskConfig.from_dict(RISK))
        account = AccountId("PAPER-1")
        session.add_account(PaperBroker(account, PaperConfig.from_mapping(
            {"state_path": str(data / "paper" / "PAPER-1.json"), "tick_interval_s": 0.25}), bus.publish))
        try:
            await session.connect(account)
            while session.quotes.latest("MSFT") is None:
                await asyncio.sleep(0.01)
            bid = session.quotes.latest("MSFT").bid
            first = 0
            for round_ in range(rounds):
                for in_flight in (1, IN_FLIGHT):
                    last = profile is not None and round_ == rounds - 1
                    profiler = cProfile.Profile(time.thread_time) if last else None
                    record = await _sustained(session, account, bid, count, in_flight, first, profiler)
                    first += count
                    if profiler is not None:
                        profiler.dump_stats(f"{profile}-{in_flight}.prof")
                    records.append({"bench": "sustained_core", "variant": "sustained->paper", "round": round_ + 1,
                                    **record, "peak_rss_mb": peak_rss_mb()})
                await session.cancel_all(account)
        finally:
            await session.disconnect(account)
            journal.close()
    return records


def main(argv: list[str] | None = None) -> None:
    sys.path.insert(0, os.getcwd())  # the checkout to measure: its core and bench
    from bench.common import emit, host_speed_ms, machine

    parser = argparse.ArgumentParser(prog="python -m bench.sustained_core", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=ORDERS, help="orders a run")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of both runs")
    parser.add_argument("--profile", metavar="PATH", help="cProfile the last round into PATH-<in flight>.prof")
    parser.add_argument("--data-dir", metavar="DIR", help="write the journal and paper account here (/dev/shm: "
                                                           "no disk flush)")
    args = parser.parse_args(argv)
    speed = host_speed_ms()
    for record in asyncio.run(run(args.orders, args.rounds, args.profile, args.data_dir)):
        emit({**record, "data_dir": args.data_dir or tempfile.gettempdir(), "host_speed_ms": speed, **machine()})


if __name__ == "__main__":
    main()
