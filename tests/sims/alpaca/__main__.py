"""Run the Alpaca simulator: python -m tests.sims.alpaca --port PORT --api-key K --api-secret S."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from tests.sims.alpaca.exchange import AlpacaExchange
from tests.sims.alpaca.server import DEMO_API_KEY, DEMO_API_SECRET, AlpacaSimulator
from tests.sims.session_clock import HOURS_CHOICES, follow_hours, nasdaq_open


async def _serve(args: argparse.Namespace) -> None:
    sim = AlpacaSimulator(api_key=args.api_key, api_secret=args.api_secret, tick_interval_s=args.tick_interval,
                          exchange=AlpacaExchange(partial_fills=args.partial_fills))
    await sim.start(args.port)

    def set_open(is_open: bool) -> None:
        sim.exchange.market_open = is_open

    hours = asyncio.create_task(follow_hours(args.hours, nasdaq_open, set_open))
    print(f"Alpaca simulator: REST, latest quotes and trades, snapshots and bars at {sim.root} (url_override), "
          f"trade updates at {sim.stream_url}"
          f", hours {args.hours}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        hours.cancel()
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.sims.alpaca", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--api-key", default=DEMO_API_KEY)
    parser.add_argument("--api-secret", default=DEMO_API_SECRET)
    parser.add_argument("--tick-interval", type=float, default=0.25, help="seconds between market steps")
    parser.add_argument("--partial-fills", action="store_true", help="fill no more than the displayed size per quote")
    parser.add_argument("--hours", choices=HOURS_CHOICES, default="exchange",
                        help="exchange: open in the US regular session only (09:30-16:00 New York, Mon-Fri, not "
                             "on holidays), as Alpaca is; open or closed: always")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
