"""IB chaos, long: >= 10,000 order intents and >= 1,000 dropped connections through the real TradingSession,
SqliteJournal and IbBroker against the TWS simulator; prints one JSON line of figures.

    python -m bench.chaos_ib [--intents 10000] [--disconnects 1000] [--seed N]

Figures: intents, disconnects, lost, duplicates, mismatches, seconds (the four outcomes must be 0), plus
reconnects, fills, fill_mismatches, orders that went UNKNOWN, orders that never reached IB, drops by point,
final statuses and the first problems found. Exits 1 if any order was lost or duplicated or the books differ.
The scenario is tests/adapters/ib_chaos_world.py; tests/adapters/test_ib_chaos.py runs a short version.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import tempfile
from pathlib import Path

from bench.common import emit, machine, peak_rss_mb
from tests.adapters.ib_chaos_world import ChaosRun, ChaosStuck
from tests.sims.tws.testing import no_decoder_errors


async def run(intents: int, disconnects: int, seed: int, realistic: float = 0.0) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="tradeterm-chaos-") as data_dir, no_decoder_errors():
        figures = await ChaosRun(Path(data_dir), seed, intents, disconnects, realistic=realistic).run()
    record: dict[str, object] = json.loads(figures.line())
    return {"bench": "chaos_ib", **record, "realistic": realistic, "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos_ib", description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=10_000, help="order intents to journal (default 10000)")
    parser.add_argument("--disconnects", type=int, default=1_000, help="planned dropped connections (default 1000)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--realistic", type=float, default=0.2,
                        help="share of orders that get one of IB's informational codes (404, 10349, ...; default 0.2)")
    args = parser.parse_args(argv)
    if args.disconnects > args.intents:
        parser.error("--disconnects cannot exceed --intents (each drop is planned at one intent)")
    logging.getLogger("ib_async").addHandler(logging.NullHandler())  # IB's order chatter, not figures
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    try:
        record = asyncio.run(run(args.intents, args.disconnects, seed, args.realistic))
    except (ChaosStuck, AssertionError) as exc:  # stuck account, or an ib_async decoder error
        emit({"bench": "chaos_ib", "seed": seed, "failed": str(exc)[:2000]})
        sys.exit(1)
    emit({**record, **machine()})
    failed = any(record[key] for key in ("lost", "duplicates", "mismatches", "fill_mismatches"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
