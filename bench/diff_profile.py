"""Differential profile: what one build spends per order that another does not, function by function.

Run bench.click_to_wire's scenario with cProfile switched on only while each of its phases runs (the IB
clicks, the paper clicks, the sustained runs one at a time and 64 in flight), one stats file per phase, from
the checkout to measure (its `core`, `gui` and `bench` are imported from the working directory, so an older
build without this file is profiled the same way), then compare two such runs per order:

    cd /work/wt/w67 && python /path/to/bench/diff_profile.py run /tmp/prof-old
    cd /work/wt/mine && python -m bench.diff_profile run /tmp/prof-new
    python -m bench.diff_profile diff /tmp/prof-old /tmp/prof-new 4-sustained-1 --by file

The profiler's clock is the GUI thread's CPU (time.thread_time): a disk flush's wait does not count, and the
CPU of the phase (ru_utime + ru_stime) is kept beside it. Call counts per order are exact; times carry the
profiler's own cost (some 1 us a call), so compare them between runs, not with the bench's figures.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

_PREFIXES = ("site-packages/", "/lib/python3.11/", "/lib/python3.12/")


def run(out: Path, orders: int, throughput_orders: int) -> None:
    """Profile each phase of bench.click_to_wire (imported from the working directory) into out/<n>-<phase>.prof."""
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import bench.click_to_wire as ctw
    from bench.common import cpu_seconds

    out.mkdir(parents=True, exist_ok=True)
    phases: list[dict[str, Any]] = []
    click, throughput = ctw._click_orders, ctw._throughput

    async def profiled(name: str, count: int, phase: Callable[[], Awaitable[Any]]) -> Any:
        tag = f"{len(phases) + 1}-{name}"
        profiler = cProfile.Profile(time.thread_time)
        cpu = cpu_seconds()
        profiler.enable()
        try:
            return await phase()
        finally:
            profiler.disable()
            profiler.dump_stats(out / f"{tag}.prof")
            phases.append({"phase": tag, "orders": count, "cpu_ms_per_order": (cpu_seconds() - cpu) * 1000 / count})

    async def clicks(window: Any, watcher: Any, account: str, count: int, bid: Any, first: int,
                     per_s: float | None = None) -> Any:
        return await profiled(f"click-{account}", count,
                              lambda: click(window, watcher, account, count, bid, first, per_s))

    async def sustained(session: Any, count: int, bid: Any, in_flight: int, first: int = 0) -> Any:
        return await profiled(f"sustained-{in_flight}", count,
                              lambda: throughput(session, count, bid, in_flight, first))

    ctw._click_orders, ctw._throughput = clicks, sustained  # type: ignore[assignment]
    ctw.run(orders, throughput_orders)
    (out / "phases.json").write_text(json.dumps(phases, indent=1))
    for phase in phases:
        print(json.dumps({"bench": "diff_profile", **phase}))


def per_order(folder: Path, phase: str, by: str) -> dict[str, tuple[float, float]]:
    """Return {function or file: (calls, tottime ms)} per order of one profiled phase."""
    orders = {p["phase"]: p["orders"] for p in json.loads((folder / "phases.json").read_text())}[phase]
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    stats = pstats.Stats(str(folder / f"{phase}.prof")).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, calls, tottime, _ct, _callers) in stats.items():
        where = _short(filename)
        key = (where if filename != "~" else f"~{name}") if by == "file" else f"{where}:{name}"
        totals[key][0] += calls / orders
        totals[key][1] += tottime * 1000 / orders
    return {key: (calls, ms) for key, (calls, ms) in totals.items()}


def _short(filename: str) -> str:
    """Name a profiled file the same way in every checkout: core/..., gui/..., bench/..., or a library's own path."""
    if "site-packages" not in filename:
        for root in ("/core/", "/gui/", "/bench/"):
            if root in filename:
                return filename[filename.index(root) + 1:]
    for prefix in _PREFIXES:
        if prefix in filename:
            return filename.split(prefix, 1)[1]
    return filename


def diff(old: Path, new: Path, phase: str, by: str, top: int) -> None:
    """Print the functions (or files) whose time per order moved most from old to new, with their calls."""
    before, after = per_order(old, phase, by), per_order(new, phase, by)
    rows = sorted(set(before) | set(after),
                  key=lambda k: -abs(after.get(k, (0, 0))[1] - before.get(k, (0, 0))[1]))
    print(f"calls/order {sum(c for c, _ in before.values()):.0f} -> {sum(c for c, _ in after.values()):.0f}; "
          f"profiled ms/order {sum(t for _, t in before.values()):.3f} -> {sum(t for _, t in after.values()):.3f}")
    print(f"{'d ms':>7} {'calls':>15} {'ms':>15}  {by}")
    for key in rows[:top]:
        (c0, t0), (c1, t1) = before.get(key, (0.0, 0.0)), after.get(key, (0.0, 0.0))
        print(f"{t1 - t0:7.3f} {c0:7.2f}>{c1:7.2f} {t0:7.3f}>{t1:7.3f}  {key}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.diff_profile", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ran = commands.add_parser("run", help="profile each phase of bench.click_to_wire from the working directory")
    ran.add_argument("out", type=Path)
    ran.add_argument("--orders", type=int, default=300, help="orders clicked per account")
    ran.add_argument("--throughput-orders", type=int, default=2000)
    compared = commands.add_parser("diff", help="compare two runs' phase per order")
    compared.add_argument("old", type=Path)
    compared.add_argument("new", type=Path)
    compared.add_argument("phase", help="e.g. 1-click-IB-7, 3-click-PAPER-1, 4-sustained-1, 5-sustained-64")
    compared.add_argument("--by", choices=("function", "file"), default="function")
    compared.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    if args.command == "run":
        run(args.out, args.orders, args.throughput_orders)
    else:
        diff(args.old, args.new, args.phase, args.by, args.top)


if __name__ == "__main__":
    main()
