"""Run the TWS simulator: `python -m tests.sims.tws --port 7497` (Ctrl+C stops it)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.symbols import ALL_LISTINGS


async def _serve(args: argparse.Namespace) -> None:
    sim = TwsSimulator(accounts=args.accounts.split(","), seed=args.seed, tick_interval_s=args.tick,
                       listings=ALL_LISTINGS)  # the whole catalogue: symbol search finds SAP, 7203, options
    sim.faults.realistic = args.realistic
    await sim.start(args.host, args.port)
    print(f"TWS simulator (server version {sim.server_version}) on {args.host}:{sim.port}, "
          f"accounts {', '.join(sim.accounts)}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.sims.tws", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7497, help="port to listen on (default 7497, TWS paper)")
    parser.add_argument("--accounts", default="DU1234567", help="comma-separated managed accounts")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated market")
    parser.add_argument("--tick", type=float, default=0.25, help="seconds between market ticks")
    parser.add_argument("--realistic", type=float, default=0.0,
                        help="share of new orders that get one of IB's informational codes (0..1, default 0)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
